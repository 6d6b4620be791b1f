// The wire contract of the live streams (`GET /ws`, gateways/http/streams.ts): the frames a client
// sends and receives, as JSON. Types only and one closed list, with no imports, so the dashboard
// (dashboard/src/stream.ts) compiles against the same definitions the server sends; the server
// checks what it builds against them (`satisfies`), so the two cannot drift apart.

export const streamNames = ['feed', 'sessions', 'terminals', 'kpis', 'alerts'] as const;
export type StreamName = (typeof streamNames)[number];

/** A committed event as the feed shows it: the decision's own fields plus its journal position. */
export interface FeedItem {
  position: number;
  at: number;
  type: string;
  network: string;
  site?: string;
  terminal?: string;
  /** The masked card number (`700500******0017`), never the full one. */
  card?: string;
  amount?: number;
  volume?: number;
  product?: string;
  reason?: string;
  [field: string]: unknown;
}

/** Today's figures of a network or a site, from the events since local midnight (money in kopecks, volume in ml). */
export interface TodayFigures {
  day: number;
  sales: { count: number; amount: number };
  fuel: { count: number; amount: number; volume: number };
  declines: number;
  wash: { sessions: number; minutes: number; amount: number };
  topups: { count: number; amount: number };
}

/** An open wash session on a site's board, with its running cost at the frame's instant. */
export interface BoardSession {
  sessionId: string;
  number: number;
  client: string;
  name: string;
  plate?: string;
  member: boolean;
  tariff: string;
  tariffName: string;
  rate: number;
  minimumMinutes: number;
  maximumMinutes: number;
  terminal: string;
  startedAt: number;
  elapsedMs: number;
  minutes: number;
  amount: number;
}

export interface TerminalSeen {
  id: string;
  site: string;
  lastSeenAt: number;
}

/** What the server sends. */
export type ServerFrame =
  | { type: 'hello'; position: number; streams: readonly StreamName[] }
  | { type: 'feed'; items: FeedItem[]; last?: number; replay?: boolean }
  | { type: 'alerts'; items: FeedItem[]; last?: number; replay?: boolean }
  | { type: 'sessions'; site: string; at: number; sessions: BoardSession[] }
  | { type: 'terminals'; terminals: TerminalSeen[] }
  | ({ type: 'kpis'; scope: string } & TodayFigures)
  | { type: 'reset'; reason: string; position: number }
  | { type: 'error'; error: { code: string; message: string } };

/** The one frame a client sends, once, after the socket opens. */
export interface SubscribeFrame {
  type: 'subscribe';
  streams: StreamName[];
  /** The last feed position the client saw: the server replays what came after it. */
  since?: number;
}
