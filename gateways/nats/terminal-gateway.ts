// The terminal gateway: subscribes to `<prefix>.v1.term.*.>` in queue group `engine`, decodes and
// validates each request, and hands it to the engine. Bad input is answered `error`/`BAD_REQUEST`
// and changes nothing. It also answers `<prefix>.v1.sys.ping` and `<prefix>.v1.admin.import`,
// publishes every committed event on `<prefix>.v1.evt.<networkId>.<type>`, and pushes each site's
// price list on `<prefix>.v1.cfg.<siteId>.prices` when it starts and whenever list prices change.

import type { Engine, Reply, SitePriceList, TerminalRequest } from '../../engine/index.js';
import { constants, describeIssues, errorReply, ImportError, isOperation, networkDocumentSchema, reasonMessages, requestSchemas } from '../../engine/index.js';
import type { Bus, BusMessage, BusSubscription } from '../bus/bus.js';
import type { Encoding } from './codec.js';
import { decodeBody, encodeBody } from './codec.js';
import type { Metrics } from '../metrics.js';

export interface TerminalGatewayOptions {
  prefix: string;
  metrics?: Metrics;
}

export class TerminalGateway {
  private readonly subscriptions: BusSubscription[] = [];
  /** Stops following the engine's commits and price lists (on stop: the bus may close after it). */
  private readonly unfollow: (() => void)[] = [];
  constructor(
    private readonly bus: Bus,
    private readonly engine: Engine,
    private readonly options: TerminalGatewayOptions,
  ) {
  }

  start(): void {
    const { prefix } = this.options;
    this.subscriptions.push(this.bus.subscribe(`${prefix}.v1.term.*.>`, (message) => this.onTerminalRequest(message), 'engine'));
    this.subscriptions.push(this.bus.subscribe(`${prefix}.v1.sys.ping`, (message) => this.onPing(message), 'engine'));
    this.subscriptions.push(this.bus.subscribe(`${prefix}.v1.admin.import`, (message) => this.onImport(message), 'engine'));
    this.unfollow.push(this.engine.onCommitted((committed) => {
      const network = typeof committed.event['network'] === 'string' ? committed.event['network'] : 'system';
      this.bus.publish(`${prefix}.v1.evt.${network}.${committed.event.type}`, encodeBody({ key: committed.key, seq: committed.seq, position: committed.position, ...committed.event, at: committed.at }, 'msgpack'));
    }));
    const push = (list: SitePriceList): void => this.bus.publish(`${prefix}.v1.cfg.${list.site}.prices`, encodeBody({ ...list }, 'msgpack'));
    this.unfollow.push(this.engine.prices.onPriceList(push));
    for (const list of this.engine.prices.current()) push(list);
  }

  /**
   * Stops new deliveries; messages the bus has already received are still handled (and so decided),
   * then the returned promise resolves.
   */
  async stop(): Promise<void> {
    for (const unfollow of this.unfollow.splice(0)) unfollow();
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.drain()));
  }

  private onTerminalRequest(message: BusMessage): void {
    const encoding = encodingOf(message);
    const tokens = message.subject.split('.');
    this.handle(tokens[3] ?? '', tokens.slice(4).join('.'), message.data, encoding, (body) =>
      message.respond(body, encoding === 'json' ? { 'Content-Type': 'application/json' } : undefined),
    );
  }

  /** One terminal request from any transport: decode, validate, decide, answer through `respond`. */
  handle(terminalId: string, op: string, data: Uint8Array, encoding: Encoding, respond: (body: Uint8Array) => void): void {
    const started = performance.now();
    const send = (reply: Reply, opLabel: string): void => {
      respond(encodeBody(reply, encoding));
      const metrics = this.options.metrics;
      if (metrics) {
        metrics.decisions.inc({ op: opLabel, result: reply.result, reason: reply.reason });
        metrics.latency.observe({ op: opLabel }, (performance.now() - started) / 1000);
      }
    };
    if (data.length > constants.requestBytesMax) {
      send(errorReply('', 'BAD_REQUEST', `the body is larger than ${constants.requestBytesMax} bytes`), 'invalid');
      return;
    }
    const decoded = decodeBody(data, encoding);
    const readable = decoded.ok ? decoded.value : decoded.readable;
    const requestId = isRecord(readable) && typeof readable['id'] === 'string' ? readable['id'].slice(0, constants.requestIdLengthMax) : '';
    if (!decoded.ok) {
      send(errorReply(requestId, 'BAD_REQUEST', decoded.message), 'invalid');
      return;
    }
    if (!isOperation(op)) {
      send(errorReply(requestId, 'BAD_REQUEST', `unknown operation "${op.slice(0, 32)}"`), 'invalid');
      return;
    }
    const parsed = requestSchemas[op].safeParse(decoded.value);
    if (!parsed.success) {
      send(errorReply(requestId, 'BAD_REQUEST', describeIssues(parsed.error)), op);
      return;
    }
    if (!this.engine.acceptingRequests) {
      send(errorReply(requestId, 'UNAVAILABLE', reasonMessages.UNAVAILABLE), op);
      return;
    }
    const request = { op, request: parsed.data } as TerminalRequest;
    if (!this.engine.knowsTerminal(terminalId)) {
      send({ id: request.request.id, result: 'declined', reason: 'TERMINAL_UNKNOWN', message: reasonMessages.TERMINAL_UNKNOWN }, op);
      return;
    }
    this.engine.submit(terminalId, request, (reply) => send(reply, op));
  }

  private onPing(message: BusMessage): void {
    const encoding = encodingOf(message);
    const reply = this.engine.ready ? { result: 'approved', reason: 'OK' } : { result: 'error', reason: 'UNAVAILABLE', message: reasonMessages.UNAVAILABLE };
    message.respond(encodeBody(reply, encoding));
  }

  private onImport(message: BusMessage): void {
    const encoding = encodingOf(message);
    const respond = (body: Record<string, unknown>): void => message.respond(encodeBody(body, encoding));
    if (message.data.length > constants.importRequestBytesMax) {
      respond({ result: 'error', reason: 'BAD_REQUEST', message: `an import part is at most ${constants.importRequestBytesMax} bytes; send large documents in parts` });
      return;
    }
    const decoded = decodeBody(message.data, encoding);
    if (!decoded.ok) {
      respond({ result: 'error', reason: 'BAD_REQUEST', message: decoded.message });
      return;
    }
    const parsed = networkDocumentSchema.safeParse(decoded.value);
    if (!parsed.success) {
      respond({ result: 'error', reason: 'BAD_REQUEST', message: describeIssues(parsed.error) });
      return;
    }
    this.engine.import(parsed.data).then(
      (summary) => {
        const { changedKeys: _keys, ...counts } = summary;
        respond({ result: 'approved', reason: 'OK', ...counts });
      },
      (error: unknown) => respond({ result: 'error', reason: 'BAD_REQUEST', message: error instanceof ImportError ? error.message : 'the import failed' }),
    );
  }
}

function encodingOf(message: BusMessage): Encoding {
  return message.header('Content-Type')?.toLowerCase().startsWith('application/json') ? 'json' : 'msgpack';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
