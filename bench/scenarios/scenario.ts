// What a bench scenario is: a seeded stream of terminal requests, the follow-ups a terminal sends on
// a reply (a pump completes the hold it was given), and the checks a reply to each request must pass
// whichever system answers. The load generator (bench/generator.ts) calls `next()` at every intended
// send time, `followUp()` on every reply, and `check()` on every reply of a system that decides.
// One scenario is one file of this folder, listed in index.ts.

import type { BenchNetworkSize } from '../network.js';
import { benchDayLimit } from '../network.js';

/** The systems a scenario can be offered to: E (engine), T0 (echo), P2 (PostgreSQL authoriser). */
export type ScenarioSystem = 'engine' | 'echo' | 'postgres';

export type ScenarioOperation = 'authorize' | 'complete' | 'reverse' | 'sale' | 'refund' | 'session.start' | 'session.stop';

/** The kind of card a request uses, which decides the answers it may get. */
export type CardKind = 'plain' | 'limited' | 'unknown';

export interface ScenarioRequest {
  op: ScenarioOperation;
  terminal: string;
  /** The body without `id` (the generator adds a unique one). */
  body: Record<string, unknown>;
  /** authorize: the card's kind. */
  card?: CardKind;
}

/** A decoded reply (the protocol's map). */
export type WireReply = Record<string, unknown>;

export interface ScenarioStream {
  /** The next request of the schedule. */
  next(): ScenarioRequest;
  /** The request a terminal sends at once on this reply, if any. */
  followUp(request: ScenarioRequest, reply: WireReply): ScenarioRequest | undefined;
  /** What is wrong with this reply, if anything (`undefined`: nothing). */
  check(request: ScenarioRequest, reply: WireReply): string | undefined;
}

export interface ScenarioContext {
  network: BenchNetworkSize;
  /** Seeded: the same seed gives the same stream. */
  random: () => number;
}

export interface Scenario {
  name: string;
  /** One line for the report. */
  title: string;
  /** The systems that can answer it (T0 answers anything, so it is offered the transport ceiling only). */
  systems: readonly ScenarioSystem[];
  stream(context: ScenarioContext): ScenarioStream;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * The checks every authorisation reply passes on the bench network, where no account can run out of
 * money: an approval carries a hold handle and at most the amount asked (a limited card at most its
 * day limit); a card without a limit is always approved; a card with one is approved or declined
 * LIMIT_EXCEEDED; an unknown card is declined CARD_UNKNOWN. `error`/UNAVAILABLE (overload) is an
 * outcome the report counts, not a wrong answer.
 */
export function checkAuthorizeReply(request: ScenarioRequest, reply: WireReply): string | undefined {
  const result = reply['result'];
  const reason = reply['reason'];
  if (result === 'error' && reason === 'UNAVAILABLE') return undefined;
  const asked = Number(request.body['amount']);
  const kind = request.card ?? 'plain';
  if (kind === 'unknown') return result === 'declined' && reason === 'CARD_UNKNOWN' ? undefined : `an unknown card got ${String(result)}/${String(reason)}`;
  if (result === 'approved') {
    const amount = reply['approvedAmount'];
    if (typeof reply['authId'] !== 'string' || reply['authId'] === '') return 'an approval without an authId';
    if (!isCount(amount) || amount < 1 || amount > asked) return `approved ${String(amount)} of ${asked} asked`;
    if (kind === 'limited' && amount > benchDayLimit) return `a limited card approved ${amount} > its day limit ${benchDayLimit}`;
    return undefined;
  }
  if (kind === 'limited' && result === 'declined' && reason === 'LIMIT_EXCEEDED') return undefined;
  return `a ${kind} card got ${String(result)}/${String(reason)}`;
}

/** A completion charges exactly what it asked; a reversal is approved. */
export function checkFollowUpReply(request: ScenarioRequest, reply: WireReply): string | undefined {
  const result = reply['result'];
  if (result === 'error' && reply['reason'] === 'UNAVAILABLE') return undefined;
  if (result !== 'approved') return `${request.op} got ${String(result)}/${String(reply['reason'])}`;
  if (request.op === 'complete') {
    if (typeof reply['txId'] !== 'string') return 'a completion without a txId';
    if (reply['amount'] !== request.body['amount']) return `completed ${String(reply['amount'])}, asked ${String(request.body['amount'])}`;
  }
  return undefined;
}

/** The checks of the fuel scenarios (authorisations and their completions or reversals). */
export function checkReply(request: ScenarioRequest, reply: WireReply): string | undefined {
  return request.op === 'authorize' ? checkAuthorizeReply(request, reply) : checkFollowUpReply(request, reply);
}

/** Overload (`error`/UNAVAILABLE) is an outcome the report counts, not a wrong answer. */
export function isOverload(reply: WireReply): boolean {
  return reply['result'] === 'error' && reply['reason'] === 'UNAVAILABLE';
}

export { isCount };

/** A random integer in [0, below). */
export function pick(random: () => number, below: number): number {
  return Math.min(below - 1, Math.floor(random() * below));
}
