// A client's wash sessions, decided by the client's session actor: at most one open at a time, so
// "one open session per client" is one actor's rule. Starting picks the tariff's rate (club member
// or guest); stopping bills every started minute, at least the tariff's minimum, at that rate, and
// hands the charge to the client's account, which owns the money. The charge waits as pending in
// this state until the account confirms it, so a crash between the two is resumed, never lost and
// never charged twice (the account remembers the last session it charged).
// Pure: `decideSession(state, context, command, now)` → events and the outcome; `evolveSession`
// applies an event.

import type { NetworkCatalog, TariffInfo } from '../network/catalog.js';
import type { Outcome } from '../protocol/replies.js';
import { approved, declined } from '../protocol/replies.js';
import { constants } from '../constants.js';
import { assertNever } from '../assert.js';
import { encodeHandle } from './handles.js';
import type { DeclinedEvent } from './declined.js';
import type { SessionCharge } from './account-state.js';

const minuteMs = 60_000;

/** Who the session's client is, as the session actor reads it from reference data. */
export interface SessionClient {
  id: string;
  name: string;
  member: boolean;
  plate?: string;
  /** A guest first seen by plate: the session actor records the client when the first session starts. */
  guest: boolean;
}

export interface OpenSession {
  number: number;
  sessionId: string;
  tariff: string;
  tariffName: string;
  rate: number;
  minimumMinutes: number;
  maximumMinutes: number;
  site: string;
  terminal: string;
  plate?: string;
  startedAt: number;
  comments: { at: number; text: string }[];
}

/** A stopped session whose charge the account has not confirmed yet (with what its reply shows). */
export interface PendingCharge extends SessionCharge {
  startedAt: number;
  stoppedAt: number;
  rate: number;
  /** The stop request (terminal, request id); none for an automatic stop. */
  request?: StopRequest;
}

export interface StopRequest {
  terminal: string;
  id: string;
}

export interface SessionState {
  open?: OpenSession;
  /** Sessions started so far (the next number is one more): a guest with more than one is a repeat visitor. */
  visits: number;
  pending: Map<number, PendingCharge>;
  /** The last session stopped (its charge), so a stop request repeated after a crash gets its answer. */
  lastStopped?: PendingCharge;
  /** Whether the client record exists (guests get one at their first start). */
  registered: boolean;
}

interface SessionFacts {
  network: string;
  client: string;
  sessionId: string;
  number: number;
  tariff: string;
  site: string;
  terminal: string;
}

export type SessionEvent =
  | ({ type: 'guest.registered'; plate: string; name: string; at: number } & Pick<SessionFacts, 'network' | 'client'>)
  | ({ type: 'session.started'; tariffName: string; rate: number; member: boolean; minimumMinutes: number; maximumMinutes: number; plate?: string; name: string; visits: number; comment?: string; at: number } & SessionFacts)
  | ({
      type: 'session.stopped';
      startedAt: number;
      stoppedAt: number;
      minutes: number;
      rate: number;
      amount: number;
      plate?: string;
      comments: { at: number; text: string }[];
      auto: boolean;
      request?: StopRequest;
      at: number;
    } & SessionFacts)
  | ({ type: 'session.settled'; amount: number; at: number } & Pick<SessionFacts, 'network' | 'client' | 'sessionId' | 'number'>)
  | DeclinedEvent;

export type SessionCommand =
  | { type: 'start'; client: SessionClient; tariff: string; site: string; terminal: string; comment?: string }
  | { type: 'stop'; sessionNumber?: number; terminal: string; comment?: string; request?: StopRequest }
  | { type: 'autostop'; sessionNumber: number }
  | { type: 'settled'; sessionNumber: number; amount: number };

export interface SessionContext {
  /** The session actor's key: `sess:<network>:<clientId>`. */
  key: string;
  networkId: string;
  clientId: string;
  catalog: NetworkCatalog;
}

export interface SessionDecision {
  events: SessionEvent[];
  outcome: Outcome;
  /** A charge for the account to apply (stop and auto-stop), in the same turn. */
  charge?: PendingCharge;
}

export function initialSessionState(): SessionState {
  return { visits: 0, pending: new Map(), registered: false };
}

/** Every started minute counts, and at least the tariff's minimum: ceil(elapsed / 1 min), ≥ minimum. */
export function billedMinutes(startedAt: number, stoppedAt: number, minimumMinutes: number): number {
  const elapsed = Math.max(0, stoppedAt - startedAt);
  return Math.max(minimumMinutes, Math.ceil(elapsed / minuteMs));
}

/** The rate a client pays: the member rate for club members where the tariff has one, else the guest rate. */
export function rateFor(tariff: TariffInfo, member: boolean): number {
  return member && tariff.perMinuteMember !== undefined ? tariff.perMinuteMember : tariff.perMinute;
}

export function decideSession(state: SessionState, context: SessionContext, command: SessionCommand, now: number): SessionDecision {
  switch (command.type) {
    case 'start':
      return start(state, context, command, now);
    case 'stop': {
      const open = state.open;
      if (open === undefined || (command.sessionNumber !== undefined && command.sessionNumber !== open.number)) {
        // The same stop request again (its reply was lost with a crash before the account answered):
        // hand the same charge to the account again; it charges once and answers.
        const repeated = command.request !== undefined ? stopOf(state, command.request) : undefined;
        if (repeated !== undefined) return { events: [], outcome: approved(stopFields(repeated)), charge: repeated };
        return { events: [], outcome: declined('SESSION_NOT_FOUND') };
      }
      return stop(context, open, command.terminal, command.comment, false, now, now, command.request);
    }
    case 'autostop': {
      const open = state.open;
      if (open === undefined || open.number !== command.sessionNumber) return { events: [], outcome: declined('SESSION_NOT_FOUND') };
      const due = open.startedAt + open.maximumMinutes * minuteMs;
      if (now < due) return { events: [], outcome: declined('SESSION_NOT_FOUND', 'not due yet') };
      // Billed up to the maximum, not for the time nobody noticed.
      return stop(context, open, open.terminal, `stopped automatically after ${open.maximumMinutes} minutes`, true, due, now);
    }
    case 'settled': {
      if (!state.pending.has(command.sessionNumber)) return { events: [], outcome: approved({}) };
      const pending = state.pending.get(command.sessionNumber);
      const event: SessionEvent = { type: 'session.settled', network: context.networkId, client: context.clientId, sessionId: pending?.sessionId ?? '', number: command.sessionNumber, amount: command.amount, at: now };
      return { events: [event], outcome: approved({}) };
    }
    default:
      return assertNever(command);
  }
}

function start(state: SessionState, context: SessionContext, command: Extract<SessionCommand, { type: 'start' }>, now: number): SessionDecision {
  const tariff = context.catalog.tariffs.get(command.tariff);
  if (tariff === undefined || (tariff.sites !== undefined && !tariff.sites.includes(command.site))) return { events: [], outcome: declined('TARIFF_UNKNOWN') };
  if (state.open !== undefined) return { events: [], outcome: declined('SESSION_ALREADY_OPEN', `session ${state.open.sessionId} is open`, { sessionId: state.open.sessionId }) };
  const events: SessionEvent[] = [];
  const client = command.client;
  if (client.guest && !state.registered && client.plate !== undefined) {
    events.push({ type: 'guest.registered', network: context.networkId, client: client.id, plate: client.plate, name: client.name, at: now });
  }
  const number = state.visits + 1;
  const sessionId = encodeHandle('session', context.key, number);
  const rate = rateFor(tariff, client.member);
  const minimumMinutes = tariff.minimumMinutes ?? 0;
  const maximumMinutes = tariff.maximumMinutes ?? constants.sessionMaximumMinutesDefault;
  const started: Extract<SessionEvent, { type: 'session.started' }> = {
    type: 'session.started',
    network: context.networkId,
    client: client.id,
    sessionId,
    number,
    tariff: tariff.code,
    tariffName: tariff.name,
    site: command.site,
    terminal: command.terminal,
    rate,
    member: client.member,
    minimumMinutes,
    maximumMinutes,
    name: client.name,
    visits: number,
    at: now,
  };
  if (client.plate !== undefined) started.plate = client.plate;
  if (command.comment !== undefined) started.comment = command.comment;
  events.push(started);
  const fields: Record<string, unknown> = {
    sessionId,
    startedAt: now,
    rate,
    tariff: tariff.code,
    minimumMinutes,
    maximumMinutes,
    client: { id: client.id, name: client.name, member: client.member, visits: number, ...(client.plate !== undefined ? { plate: client.plate } : {}) },
  };
  return { events, outcome: approved(fields) };
}

/** The stopped session a request stopped, if it is still pending or the last one stopped. */
function stopOf(state: SessionState, request: StopRequest): PendingCharge | undefined {
  const same = (charge: PendingCharge | undefined): boolean => charge?.request?.terminal === request.terminal && charge.request.id === request.id;
  for (const charge of state.pending.values()) if (same(charge)) return charge;
  return same(state.lastStopped) ? state.lastStopped : undefined;
}

function stop(context: SessionContext, open: OpenSession, terminal: string, comment: string | undefined, auto: boolean, stoppedAt: number, now: number, request?: StopRequest): SessionDecision {
  const minutes = billedMinutes(open.startedAt, stoppedAt, open.minimumMinutes);
  const amount = minutes * open.rate;
  const comments = comment !== undefined ? [...open.comments, { at: now, text: comment }] : open.comments;
  const event: Extract<SessionEvent, { type: 'session.stopped' }> = {
    type: 'session.stopped',
    network: context.networkId,
    client: context.clientId,
    sessionId: open.sessionId,
    number: open.number,
    tariff: open.tariff,
    site: open.site,
    terminal,
    startedAt: open.startedAt,
    stoppedAt,
    minutes,
    rate: open.rate,
    amount,
    comments,
    auto,
    at: now,
  };
  if (open.plate !== undefined) event.plate = open.plate;
  if (request !== undefined) event.request = request;
  const charge: PendingCharge = { number: open.number, sessionId: open.sessionId, amount, minutes, tariff: open.tariff, site: open.site, terminal, startedAt: open.startedAt, stoppedAt, rate: open.rate };
  if (request !== undefined) charge.request = request;
  return { events: [event], outcome: approved(stopFields(charge)), charge };
}

/** The reply to a stop (the account adds the balance after the charge). */
export function stopFields(charge: PendingCharge): Record<string, unknown> {
  return { sessionId: charge.sessionId, startedAt: charge.startedAt, stoppedAt: charge.stoppedAt, minutes: charge.minutes, rate: charge.rate, amount: charge.amount };
}

export function evolveSession(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'guest.registered':
      state.registered = true;
      return state;
    case 'session.started': {
      const open: OpenSession = {
        number: event.number,
        sessionId: event.sessionId,
        tariff: event.tariff,
        tariffName: event.tariffName,
        rate: event.rate,
        minimumMinutes: event.minimumMinutes,
        maximumMinutes: event.maximumMinutes,
        site: event.site,
        terminal: event.terminal,
        startedAt: event.at,
        comments: event.comment !== undefined ? [{ at: event.at, text: event.comment }] : [],
      };
      if (event.plate !== undefined) open.plate = event.plate;
      state.open = open;
      state.visits = Math.max(state.visits, event.number);
      state.registered = true;
      return state;
    }
    case 'session.stopped': {
      if (state.open?.number === event.number) delete state.open;
      const charge: PendingCharge = {
        number: event.number,
        sessionId: event.sessionId,
        amount: event.amount,
        minutes: event.minutes,
        tariff: event.tariff,
        site: event.site,
        terminal: event.terminal,
        startedAt: event.startedAt,
        stoppedAt: event.stoppedAt,
        rate: event.rate,
      };
      if (event.request !== undefined) charge.request = event.request;
      state.pending.set(event.number, charge);
      state.lastStopped = charge;
      return state;
    }
    case 'session.settled':
      state.pending.delete(event.number);
      return state;
    case 'declined':
      return state;
    default:
      return assertNever(event);
  }
}

/** What an attendant's board shows of an open session at `now`: elapsed time and the cost so far. */
export function runningCost(open: Pick<OpenSession, 'startedAt' | 'rate' | 'minimumMinutes'>, now: number): { elapsedMs: number; minutes: number; amount: number } {
  const minutes = billedMinutes(open.startedAt, now, open.minimumMinutes);
  return { elapsedMs: Math.max(0, now - open.startedAt), minutes, amount: minutes * open.rate };
}

// ---- snapshots ---------------------------------------------------------------------------------

export interface SessionSnapshot {
  open?: OpenSession;
  visits: number;
  pending: PendingCharge[];
  lastStopped?: PendingCharge;
  registered: boolean;
}

export function encodeSessionSnapshot(state: SessionState): SessionSnapshot {
  return {
    ...(state.open !== undefined ? { open: state.open } : {}),
    visits: state.visits,
    pending: [...state.pending.values()],
    ...(state.lastStopped !== undefined ? { lastStopped: state.lastStopped } : {}),
    registered: state.registered,
  };
}

export function decodeSessionSnapshot(snapshot: SessionSnapshot): SessionState {
  const state: SessionState = { visits: snapshot.visits, pending: new Map(snapshot.pending.map((charge) => [charge.number, charge])), registered: snapshot.registered };
  if (snapshot.open !== undefined) state.open = snapshot.open;
  if (snapshot.lastStopped !== undefined) state.lastStopped = snapshot.lastStopped;
  return state;
}
