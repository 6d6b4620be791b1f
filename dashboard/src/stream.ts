// The dashboard's side of the live streams (`/ws`, gateways/http/streams.ts): one socket, reconnected
// with a growing back-off; on reconnect it asks for what it missed (`since` = the last feed position
// seen) and drops positions it has seen, so the feed has no gaps and no duplicates. Frames are
// handed to listeners as they come; screens batch their own rendering.

import { api } from './http';
import type { BoardSession, FeedItem, ServerFrame, StreamName, SubscribeFrame, TerminalSeen, TodayFigures } from '../../gateways/http/stream-frames';

export type { BoardSession, FeedItem, StreamName, TerminalSeen };
export type Frame = ServerFrame;
export type Figures = TodayFigures;

/** The close code of a socket whose session the server ended (gateways/http/streams.ts). */
const sessionEndedCloseCode = 4001;

/** Positions remembered to drop duplicates; older ones are forgotten past this many. */
const seenMax = 50_000;

export type StreamState = 'connecting' | 'live' | 'offline';

export interface StreamClient {
  close(): void;
}

export function openStream(options: {
  network: string;
  streams: readonly StreamName[];
  onFrame: (frame: Frame) => void;
  onState?: (state: StreamState) => void;
  /** Where the socket is (default: this page's host). */
  url?: string;
}): StreamClient {
  let socket: WebSocket | undefined;
  let lastPosition: number | undefined;
  const seen = new Set<number>();
  let retryMs = 500;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const base = options.url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

  const connect = (): void => {
    options.onState?.('connecting');
    socket = new WebSocket(`${base}?network=${encodeURIComponent(options.network)}`);
    let opened = false;
    socket.onopen = () => {
      opened = true;
      retryMs = 500;
      const subscribe: SubscribeFrame = { type: 'subscribe', streams: [...options.streams], ...(lastPosition !== undefined ? { since: lastPosition } : {}) };
      socket?.send(JSON.stringify(subscribe));
      options.onState?.('live');
    };
    socket.onmessage = (message: MessageEvent<string>) => {
      const frame = JSON.parse(message.data) as Frame;
      if (frame.type === 'hello' && lastPosition === undefined) lastPosition = frame.position;
      if (frame.type === 'feed') {
        // A replay and the first live batch may overlap: every position once.
        const fresh = frame.items.filter((item) => !seen.has(item.position));
        for (const item of fresh) {
          seen.add(item.position);
          if (lastPosition === undefined || item.position > lastPosition) lastPosition = item.position;
        }
        // Batches of several topics (a viewer's sites) may interleave, so a position below the last
        // one can still be new; only positions far below it are forgotten.
        if (seen.size > seenMax) for (const position of seen) if (position < (lastPosition ?? 0) - seenMax / 2) seen.delete(position);
        options.onFrame({ ...frame, items: fresh });
        return;
      }
      // The alerts stream alone (the alerts screen, the bell) moves the position too, so a reconnect
      // replays only the alerts' events after the last one heard.
      // (With the feed subscribed too, the feed's items alone move it: its batch may come after.)
      if (frame.type === 'alerts' && !options.streams.includes('feed') && frame.last !== undefined && (lastPosition === undefined || frame.last > lastPosition)) lastPosition = frame.last;
      options.onFrame(frame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (closed) return;
      // Closed by the server as a session ended (4001), or refused at the upgrade (the browser does not
      // say why): ask the API who we are — a 401 there ends the session on this page (http.ts), and
      // the screen, unmounted, closes this client; otherwise it was the network, and the socket retries.
      if (event.code === sessionEndedCloseCode || !opened) void api.get('/auth/me').catch(() => undefined);
      options.onState?.('offline');
      timer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  connect();
  return {
    close: () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      socket?.close();
    },
  };
}
