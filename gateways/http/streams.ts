// Live streams for the dashboard over uWebSockets.js (`GET /ws`). Every committed event the engine
// publishes (after its flush) becomes a feed item on uWS pub/sub topics scoped the way viewers are:
// the whole network, one site, or one client's account. Items are batched per topic every
// `streamBatchMs`, so a busy network sends a few frames a second, not one per decision. Beside the
// feed: the open wash sessions of a site (a snapshot whenever one starts or stops), terminal status
// (when each terminal was last heard), today's figures (KPIs) and alerts.
//
// Protocol (JSON text frames). The client sends `{ "type": "subscribe", "streams": [...], "since"? }`
// once; `since` is the last feed position it saw: the server replays what the viewer may see after
// it from the journal, then the live batches follow. Items carry their `position`; a client ignores
// positions it has seen (a replay and the first live batch may overlap), so a dropped socket
// reconnects and catches up without duplicates. Who may watch what is decided in the upgrade by an
// authenticator (the security layer plugs in there) and an Origin check; a socket whose viewer
// ends (logout) is closed with `endViewers`. Slow sockets are closed at the backpressure limit and
// reconnect; frames from clients are capped (`streamClientFrameBytesMax`).

import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_socket_context_t } from 'uWebSockets.js';
import type { CommittedEvent, Engine } from '../../engine/index.js';
import { constants, isAlertEventType } from '../../engine/index.js';
import type { BoardSession, FeedItem, ServerFrame, StreamName, TerminalSeen, TodayFigures } from './stream-frames.js';
import { streamNames } from './stream-frames.js';
import type { ApiErrorCode } from './api/error-codes.js';

export { streamNames };
export type { StreamName };

/** Who watches: a network, optionally narrowed to sites or to one client's account. */
export interface StreamViewer {
  /** An id for closing the viewer's sockets later (a session id, an API key id). */
  id: string;
  network: string;
  sites?: readonly string[];
  account?: string;
}

export interface UpgradeRequest {
  headers: Readonly<Record<string, string>>;
  /** The query string without `?`. */
  query: string;
  remote: string;
}

/** Decides who an upgrading socket belongs to; undefined refuses it (401). */
export type SocketAuthenticator = (request: UpgradeRequest) => StreamViewer | undefined;

export interface StreamOptions {
  authenticate: SocketAuthenticator;
  /** Origins allowed to open a socket (`Origin` header) besides the server's own host; a request without Origin (not a browser) is allowed. */
  allowedOrigins?: readonly string[];
}

interface SocketData {
  viewer: StreamViewer;
  subscribed: boolean;
}

export interface Streams {
  /** Sockets open now. */
  readonly sockets: number;
  /** Closes the sockets of viewers for which `ended` says yes (their session ended). */
  endViewers(ended: (viewer: StreamViewer) => boolean): number;
  close(): void;
}

/** An event as the feed shows it: the decision's fields, without the engine's bookkeeping. */
export function feedItem(committed: CommittedEvent): FeedItem {
  const { usage: _usage, periods: _periods, cardHash: _cardHash, ...fields } = committed.event as Record<string, unknown>;
  return { ...fields, type: String(fields['type']), network: String(fields['network']), position: committed.position, at: committed.at };
}

/** The topics an event goes to: its network, its site (`site`: the event's, or its alert's), and its account (client viewers). */
function topicsOf(event: Record<string, unknown>, stream: StreamName, site: string | undefined): string[] {
  const network = typeof event['network'] === 'string' ? event['network'] : undefined;
  if (network === undefined) return [];
  const topics = [`${network}/${stream}`];
  if (site !== undefined) topics.push(`${network}/site/${site}/${stream}`);
  if (typeof event['account'] === 'string') topics.push(`${network}/account/${event['account']}/${stream}`);
  return topics;
}

/** An event of an alert journal (raised, acknowledged, resolved, delivered or not). */
function isAlertEvent(event: Record<string, unknown>): boolean {
  return typeof event['type'] === 'string' && isAlertEventType(event['type']);
}

/** The one topic of a stream a viewer subscribes to per scope. */
function viewerTopics(viewer: StreamViewer, stream: StreamName): string[] {
  if (viewer.account !== undefined) return [`${viewer.network}/account/${viewer.account}/${stream}`];
  if (viewer.sites !== undefined) return viewer.sites.map((site) => `${viewer.network}/site/${site}/${stream}`);
  return [`${viewer.network}/${stream}`];
}

function mayWatch(viewer: StreamViewer, event: Record<string, unknown>, site: string | undefined): boolean {
  if (event['network'] !== viewer.network) return false;
  if (viewer.account !== undefined) return event['account'] === viewer.account;
  if (viewer.sites !== undefined) return site !== undefined && viewer.sites.includes(site);
  return true;
}

/** Today's figures of a network or a site, and whether they changed since last sent. */
interface Figures extends TodayFigures {
  changed: boolean;
}

function emptyFigures(day: number): Figures {
  return { day, sales: { count: 0, amount: 0 }, fuel: { count: 0, amount: 0, volume: 0 }, declines: 0, wash: { sessions: 0, minutes: 0, amount: 0 }, topups: { count: 0, amount: 0 }, changed: true };
}

export function attachStreams(app: TemplatedApp, engine: Engine, options: StreamOptions): Streams {
  const sockets = new Set<WebSocket<SocketData>>();
  const pending = new Map<string, FeedItem[]>();
  const boards = new Set<string>(); // `${network}\u0000${site}` whose board changed
  const lastSeen = new Map<string, { network: string; site: string; at: number }>();
  const figures = new Map<string, Figures>(); // by `${network}` and `${network}/site/${site}`
  let terminalsChanged = false;

  const send = (ws: WebSocket<SocketData>, message: ServerFrame): void => {
    ws.send(JSON.stringify(message));
  };
  const frame = (message: ServerFrame): string => JSON.stringify(message);
  const boardOf = (site: string): BoardSession[] => engine.openSessions(site);
  const queue = (topic: string, item: FeedItem): void => {
    let items = pending.get(topic);
    if (items === undefined) pending.set(topic, (items = []));
    if (items.length < constants.streamBatchItemsMax) items.push(item);
  };

  // Where an event happened, for site viewers: its own `site`, or for an alert's events (raised,
  // acknowledged, resolved, delivered) the site its subject names: an operator watches the feed and
  // the alerts of its own sites.
  const siteOf = (event: Record<string, unknown>): string | undefined => {
    if (!isAlertEvent(event)) return typeof event['site'] === 'string' ? event['site'] : undefined;
    const subject = event['subject'] as { site?: unknown } | undefined;
    return typeof subject?.site === 'string' ? subject.site : engine.alerts.get(String(event['alertId']))?.subject.site;
  };
  const dayOf = (network: string, at: number): number => engine.catalogs.network(network)?.calendar.period('day', at).start ?? 0;
  const count = (event: Record<string, unknown>, at: number): void => {
    const network = typeof event['network'] === 'string' ? event['network'] : undefined;
    if (network === undefined) return;
    const day = dayOf(network, at);
    const keys = [network, ...(typeof event['site'] === 'string' ? [`${network}/site/${event['site']}`] : [])];
    for (const key of keys) {
      let entry = figures.get(key);
      if (entry === undefined || entry.day !== day) figures.set(key, (entry = emptyFigures(day)));
      const amount = typeof event['amount'] === 'number' ? event['amount'] : 0;
      switch (event['type']) {
        case 'sale':
          entry.sales.count++;
          entry.sales.amount += amount;
          break;
        case 'completed':
          entry.fuel.count++;
          entry.fuel.amount += amount;
          entry.fuel.volume += typeof event['volume'] === 'number' ? event['volume'] : 0;
          break;
        case 'declined':
          entry.declines++;
          break;
        case 'session.stopped':
          entry.wash.sessions++;
          entry.wash.minutes += typeof event['minutes'] === 'number' ? event['minutes'] : 0;
          entry.wash.amount += amount;
          break;
        case 'topup':
          entry.topups.count++;
          entry.topups.amount += amount;
          break;
        default:
          return;
      }
      entry.changed = true;
    }
  };

  // Today's figures start from the journal since local midnight (the feed is in commit order).
  const seedFigures = (): void => {
    const now = engine.clock.now();
    const since = Math.min(...[...engine.catalogs.all()].map((catalog) => catalog.calendar.period('day', now).start), now);
    let position = firstPositionAtOrAfter(engine, since);
    for (;;) {
      let read = 0;
      for (const committed of engine.store.feedAfter(position, constants.streamReplayPageMax)) {
        read++;
        position = committed.position;
        if (committed.at >= since) count(committed.event, committed.at);
      }
      if (read < constants.streamReplayPageMax) break;
    }
  };
  seedFigures();

  // A feed item is made only for topics someone is subscribed to (a subscriber that comes later
  // catches up from the journal): with nobody watching, a commit costs the figures and the board.
  engine.onCommitted((committed) => {
    const event = committed.event as Record<string, unknown>;
    if (sockets.size > 0) {
      let item: FeedItem | undefined;
      const deliver = (topic: string): void => {
        if (app.numSubscribers(topic) > 0) queue(topic, (item ??= feedItem(committed)));
      };
      const site = siteOf(event);
      for (const topic of topicsOf(event, 'feed', site)) deliver(topic);
      if (isAlertEvent(event)) for (const topic of topicsOf(event, 'alerts', site)) deliver(topic);
    }
    if ((event['type'] === 'session.started' || event['type'] === 'session.stopped') && typeof event['site'] === 'string') boards.add(`${String(event['network'])}\u0000${event['site']}`);
    if (typeof event['terminal'] === 'string' && typeof event['site'] === 'string' && typeof event['network'] === 'string') {
      lastSeen.set(event['terminal'], { network: event['network'], site: event['site'], at: committed.at });
      terminalsChanged = true;
    }
    count(event, committed.at);
  });

  const flush = (): void => {
    if (sockets.size === 0) {
      pending.clear();
      boards.clear();
      return;
    }
    for (const [topic, items] of pending) {
      const stream = topic.slice(topic.lastIndexOf('/') + 1);
      const last = items[items.length - 1]?.position;
      app.publish(topic, frame({ type: stream === 'alerts' ? 'alerts' : 'feed', items, ...(last !== undefined ? { last } : {}) }));
    }
    pending.clear();
    for (const board of boards) {
      const [network = '', site = ''] = board.split('\u0000');
      const message = frame({ type: 'sessions', site, at: engine.clock.now(), sessions: boardOf(site) });
      app.publish(`${network}/sessions`, message);
      app.publish(`${network}/site/${site}/sessions`, message);
    }
    boards.clear();
  };
  const flushTimer = setInterval(flush, constants.streamBatchMs);
  flushTimer.unref();

  const publishStatus = (): void => {
    if (sockets.size === 0) return;
    if (terminalsChanged) {
      terminalsChanged = false;
      const byNetwork = new Map<string, TerminalSeen[]>();
      for (const [id, seen] of lastSeen) {
        let list = byNetwork.get(seen.network);
        if (list === undefined) byNetwork.set(seen.network, (list = []));
        list.push({ id, site: seen.site, lastSeenAt: seen.at });
      }
      for (const [network, terminals] of byNetwork) {
        app.publish(`${network}/terminals`, frame({ type: 'terminals', terminals }));
        const bySite = new Map<string, typeof terminals>();
        for (const terminal of terminals) bySite.set(terminal.site, [...(bySite.get(terminal.site) ?? []), terminal]);
        for (const [site, list] of bySite) app.publish(`${network}/site/${site}/terminals`, frame({ type: 'terminals', terminals: list }));
      }
    }
    for (const [key, entry] of figures) {
      if (!entry.changed) continue;
      entry.changed = false;
      const { changed: _changed, ...today } = entry;
      app.publish(`${key}/kpis`, frame({ type: 'kpis', scope: key, ...today }));
    }
  };
  const statusTimer = setInterval(publishStatus, constants.streamStatusIntervalMs);
  statusTimer.unref();

  const allowed = (origin: string | undefined, host: string | undefined): boolean => {
    if (origin === undefined || origin === '') return true;
    if (options.allowedOrigins?.includes(origin) === true) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  };

  app.ws<SocketData>('/ws', {
    // Frames up to this size are read and refused in words; beyond it uWS drops the connection.
    maxPayloadLength: constants.streamClientFrameReadBytesMax,
    maxBackpressure: constants.streamBackpressureBytesMax,
    closeOnBackpressureLimit: 1,
    idleTimeout: constants.streamIdleTimeoutS,
    sendPingsAutomatically: true,
    upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
      const headers: Record<string, string> = {};
      req.forEach((key, value) => {
        headers[key] = value;
      });
      const refuse = (status: string, code: ApiErrorCode & ('FORBIDDEN' | 'UNAUTHENTICATED')): void => {
        res.cork(() => res.writeStatus(status).writeHeader('Content-Type', 'application/json').end(JSON.stringify({ error: { code, message: code === 'FORBIDDEN' ? 'this origin may not open a stream' : 'sign in first' } })));
      };
      if (!allowed(headers['origin'], headers['host'])) return refuse('403 Forbidden', 'FORBIDDEN');
      const viewer = options.authenticate({ headers, query: req.getQuery() ?? '', remote: Buffer.from(res.getRemoteAddressAsText()).toString() });
      if (viewer === undefined) return refuse('401 Unauthorized', 'UNAUTHENTICATED');
      res.upgrade<SocketData>({ viewer, subscribed: false }, headers['sec-websocket-key'] ?? '', headers['sec-websocket-protocol'] ?? '', headers['sec-websocket-extensions'] ?? '', context);
    },
    open: (ws) => {
      sockets.add(ws);
      send(ws, { type: 'hello', position: engine.store.lastPosition, streams: streamNames });
    },
    message: (ws, message) => {
      const data = ws.getUserData();
      if (message.byteLength > constants.streamClientFrameBytesMax) {
        send(ws, { type: 'error', error: { code: 'PAYLOAD_TOO_LARGE', message: `a frame is at most ${constants.streamClientFrameBytesMax} bytes` } });
        ws.end(1009, 'frame too large');
        return;
      }
      let request: unknown;
      try {
        request = JSON.parse(Buffer.from(message).toString('utf8'));
      } catch {
        send(ws, { type: 'error', error: { code: 'BAD_REQUEST', message: 'frames are JSON' } });
        return;
      }
      const parsed = parseSubscribe(request);
      if (typeof parsed === 'string') {
        send(ws, { type: 'error', error: { code: 'BAD_REQUEST', message: parsed } });
        return;
      }
      if (data.subscribed) {
        send(ws, { type: 'error', error: { code: 'BAD_REQUEST', message: 'already subscribed; reconnect to change streams' } });
        return;
      }
      data.subscribed = true;
      const viewer = data.viewer;
      if (parsed.since !== undefined && (parsed.streams.includes('feed') || parsed.streams.includes('alerts'))) replay(ws, viewer, parsed.since, parsed.streams);
      for (const stream of parsed.streams) for (const topic of viewerTopics(viewer, stream)) ws.subscribe(topic);
      if (parsed.streams.includes('sessions')) {
        const sites = viewer.sites ?? [...(engine.catalogs.network(viewer.network)?.sites.keys() ?? [])];
        for (const site of sites) send(ws, { type: 'sessions', site, at: engine.clock.now(), sessions: viewer.account === undefined ? boardOf(site) : [] });
      }
      if (parsed.streams.includes('kpis')) {
        for (const key of viewer.sites !== undefined ? viewer.sites.map((site) => `${viewer.network}/site/${site}`) : viewer.account === undefined ? [viewer.network] : []) {
          const entry = figures.get(key) ?? emptyFigures(dayOf(viewer.network, engine.clock.now()));
          const { changed: _changed, ...today } = entry;
          send(ws, { type: 'kpis', scope: key, ...today });
        }
      }
    },
    close: (ws) => {
      sockets.delete(ws);
    },
  });

  /**
   * The journal after `since` that the viewer may see, in pages, as `feed` frames (and the alerts'
   * events as `alerts` frames, when subscribed); too far behind, or ahead of the journal (another
   * server's positions, a wiped data directory) → `reset`.
   */
  function replay(ws: WebSocket<SocketData>, viewer: StreamViewer, since: number, streams: readonly StreamName[]): void {
    const head = engine.store.lastPosition;
    if (head - since > constants.streamReplayEventsMax || since > head) {
      send(ws, { type: 'reset', reason: since > head ? 'since is ahead of the journal: reload from the API' : 'too far behind: reload from the API', position: head });
      return;
    }
    const feed = streams.includes('feed');
    const alerts = streams.includes('alerts');
    let position = since;
    let items: FeedItem[] = [];
    let alertItems: FeedItem[] = [];
    for (const committed of engine.store.feedAfter(position, constants.streamReplayEventsMax)) {
      if (committed.position > head) break;
      position = committed.position;
      const event = committed.event as Record<string, unknown>;
      const alert = isAlertEvent(event);
      if ((!feed && !alert) || !mayWatch(viewer, event, siteOf(event))) continue;
      const item = feedItem(committed);
      if (feed) items.push(item);
      if (alerts && alert) alertItems.push(item);
      if (items.length >= constants.streamBatchItemsMax) {
        send(ws, { type: 'feed', items, last: position, replay: true });
        items = [];
      }
      if (alertItems.length >= constants.streamBatchItemsMax) {
        send(ws, { type: 'alerts', items: alertItems, last: position, replay: true });
        alertItems = [];
      }
    }
    if (feed) send(ws, { type: 'feed', items, last: position, replay: true });
    if (alerts) send(ws, { type: 'alerts', items: alertItems, last: position, replay: true });
  }

  return {
    get sockets() {
      return sockets.size;
    },
    endViewers: (ended) => {
      let closed = 0;
      for (const ws of [...sockets]) {
        if (!ended(ws.getUserData().viewer)) continue;
        ws.end(4001, 'session ended');
        closed++;
      }
      return closed;
    },
    close: () => {
      clearInterval(flushTimer);
      clearInterval(statusTimer);
      for (const ws of [...sockets]) ws.close();
    },
  };
}

function parseSubscribe(request: unknown): { streams: StreamName[]; since?: number } | string {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'a frame is an object';
  const record = request as Record<string, unknown>;
  if (record['type'] !== 'subscribe') return 'the only frame a client sends is { "type": "subscribe", "streams": [...], "since"? }';
  const streams = record['streams'];
  if (!Array.isArray(streams) || streams.length === 0 || streams.length > streamNames.length || !streams.every((name) => (streamNames as readonly unknown[]).includes(name))) {
    return `streams: one or more of ${streamNames.join(', ')}`;
  }
  const since = record['since'];
  if (since !== undefined && !(typeof since === 'number' && Number.isSafeInteger(since) && since >= 0)) return 'since: a feed position (a non-negative integer)';
  return since === undefined ? { streams: streams as StreamName[] } : { streams: streams as StreamName[], since };
}

/** The first feed position committed at or after `at` (the feed is in commit order): a binary search. */
function firstPositionAtOrAfter(engine: Engine, at: number): number {
  let low = 0;
  let high = engine.store.lastPosition;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    let when: number | undefined;
    for (const committed of engine.store.feedAfter(middle, 1)) when = committed.at;
    if (when === undefined || when >= at) high = middle;
    else low = middle + 1;
  }
  return low;
}
