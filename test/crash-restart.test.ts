// The real CLI as a child process (`tessera serve --demo` over NATS): killed with SIGKILL under load
// and restarted on the same data directory, nothing a terminal saw is lost, repeats get the first
// reply, and the money adds up (adversarial.md 4, 6, I3–I5); stopped with SIGTERM under load, every
// request sent before the signal is answered and the process exits 0 (adversarial.md 23).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect } from 'nats';
import type { NatsConnection } from 'nats';
import { pack, unpack } from 'msgpackr';
import { demoCards, demoNetwork, demoPins, Engine } from '../engine/index.js';
import type { Reply, TerminalRequest } from '../engine/index.js';
import { natsForTests, sleep } from './support/nats.js';
import type { NatsServerHandle } from './support/nats.js';
import { call } from './support/wire.js';
import type { Body } from './support/wire.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const fleetPin = demoPins.fleet ?? '1234';
const pumps = [1, 2, 3, 4, 5, 6].map((n) => `MSK-01-P${n}`).concat([1, 2, 3, 4].map((n) => `MSK-02-P${n}`));

interface EngineProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(dataDir: string, natsUrl: string): EngineProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/cli/main.ts', 'serve', '--demo', '--data', dataDir, '--nats', natsUrl, '--http', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NATS_URL: natsUrl },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** Waits until the engine answers `tessera.v1.sys.ping` (fails if the process exits first). */
async function waitUntilReady(nc: NatsConnection, engine: EngineProcess): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (engine.child.exitCode !== null || engine.child.signalCode !== null) throw new Error(`the engine exited before it was ready:\n${engine.output()}`);
    try {
      const reply = await nc.request('tessera.v1.sys.ping', pack({}), { timeout: 1_000 });
      const body = unpack(reply.data) as Body;
      if (body['result'] === 'approved') return;
    } catch {
      // no responders yet
    }
    await sleep(50);
  }
  throw new Error(`the engine did not answer the ping:\n${engine.output()}`);
}

async function stopCli(engine: EngineProcess | undefined): Promise<void> {
  if (engine === undefined || engine.child.exitCode !== null || engine.child.signalCode !== null) return;
  engine.child.kill('SIGKILL');
  await engine.exited;
}

interface Sent {
  terminal: string;
  op: 'authorize' | 'complete';
  body: Body;
  /** The reply the terminal saw, if it saw one. */
  bytes?: Uint8Array;
  reply?: Body;
}

const money = (volume: number, price: number): number => {
  const product = volume * price;
  const whole = Math.floor(product / 1000);
  return product - whole * 1000 >= 500 ? whole + 1 : whole;
};

describe('kill -9 under load, then restart on the same data', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let dataDir: string;
  let engine: EngineProcess | undefined;

  beforeAll(async () => {
    nats = await natsForTests();
    nc = await connect({ servers: nats.url, name: 'tessera-crash-test' });
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-'));
  });

  afterEach(async () => {
    await stopCli(engine); // never two engines on one data directory
  });

  afterAll(async () => {
    await stopCli(engine);
    await nc?.drain().catch(() => undefined);
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const inquire = async (id: string): Promise<{ balance: number; volume: number; amount: number; limits: unknown }> => {
    const reply = (await call(nc, 'MSK-01-POS1', 'inquire', { id, card: demoCards.fleet, pin: fleetPin })).body;
    expect(reply).toMatchObject({ result: 'approved' });
    const limits = reply['limits'] as { kind: string; used: number }[];
    return {
      balance: Number(reply['balance']),
      volume: limits.find((limit) => limit.kind === 'volume')?.used ?? Number.NaN,
      amount: limits.find((limit) => limit.kind === 'amount')?.used ?? Number.NaN,
      limits,
    };
  };

  // Two rounds on the same data, killed at different points of the load (after 12 and after 30 approvals seen).
  for (const [round, killAfter] of [
    [1, 12],
    [2, 30],
  ] as const) {
    it(`round ${round}: every approval seen survives, repeats get the first reply, the books balance`, async () => {
      engine = startCli(dataDir, nats.url);
      await waitUntilReady(nc, engine);
      const opening = await inquire(`r${round}-inquire-opening`);

      /** Every hold approved in this round (by authId) and what was charged on it. */
      const holds = new Map<string, { amount: number; volume: number; charged?: { amount: number; volume: number } }>();
      const books = (): { balance: number; volume: number; amount: number; open: string[] } => {
        const result = { balance: opening.balance, volume: opening.volume, amount: opening.amount, open: [] as string[] };
        for (const [authId, hold] of holds) {
          const used = hold.charged ?? hold;
          result.balance -= used.amount;
          result.volume += used.volume;
          result.amount += used.amount;
          if (hold.charged === undefined) result.open.push(authId);
        }
        return result;
      };
      const record = (entry: Sent): void => {
        const reply = entry.reply;
        if (reply === undefined || reply['result'] !== 'approved') return;
        if (entry.op === 'authorize') holds.set(String(reply['authId']), { amount: Number(reply['approvedAmount']), volume: Number(reply['approvedVolume']) });
        else {
          const hold = holds.get(String(entry.body['authId']));
          expect(hold, 'a completion of a hold nobody saw approved').toBeDefined();
          if (hold) hold.charged = { amount: Number(reply['amount']), volume: Number(reply['volume']) };
        }
      };

      // Load: ten pumps authorise 1 l each in a loop and complete every other hold with 0.8 l.
      // The engine is killed as soon as `killAfter` approvals have been seen, with requests in flight.
      const sent: Sent[] = [];
      let approvalsSeen = 0;
      let killed = false;
      const running = engine;
      const send = async (entry: Sent): Promise<boolean> => {
        sent.push(entry);
        try {
          const reply = await call(nc, entry.terminal, entry.op, entry.body, { timeoutMs: 2_000 });
          entry.bytes = reply.bytes;
          entry.reply = reply.body;
        } catch {
          return false; // no reply seen: the engine is gone
        }
        if (entry.reply['result'] === 'approved') approvalsSeen++;
        if (!killed && approvalsSeen >= killAfter) {
          killed = true;
          running.child.kill('SIGKILL');
        }
        return true;
      };
      const worker = async (terminal: string): Promise<void> => {
        for (let index = 0; index < 40 && !killed; index++) {
          const auth: Sent = { terminal, op: 'authorize', body: { id: `r${round}-${terminal}-a${index}`, card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 1_000 } };
          if (!(await send(auth))) return;
          if (auth.reply?.['result'] !== 'approved' || index % 2 === 1 || killed) continue;
          const complete: Sent = { terminal, op: 'complete', body: { id: `r${round}-${terminal}-c${index}`, authId: auth.reply['authId'], volume: 800 } };
          if (!(await send(complete))) return;
        }
      };
      await Promise.all(pumps.map((terminal) => worker(terminal)));
      expect(killed).toBe(true);
      expect((await running.exited).signal).toBe('SIGKILL');

      const seen = sent.filter((entry) => entry.reply !== undefined);
      expect(seen.filter((entry) => entry.reply?.['result'] === 'approved').length).toBeGreaterThanOrEqual(killAfter);
      for (const entry of seen) expect(entry.reply).toMatchObject({ result: 'approved', reason: 'OK' });
      for (const entry of seen) record(entry);

      // Restart on the same data directory: no recovery step.
      engine = startCli(dataDir, nats.url);
      await waitUntilReady(nc, engine);

      // Every request again, with its id. What a terminal saw comes back byte for byte. What it did
      // not see was either decided before the kill (the retry must get that decision) or not (it is
      // decided now); either way the only right answer here is an approval: the hold of every
      // completion was seen approved and open, and nothing else could have closed it.
      await Promise.all(
        pumps.map(async (terminal) => {
          for (const entry of sent.filter((item) => item.terminal === terminal)) {
            const again = await call(nc, entry.terminal, entry.op, entry.body);
            if (entry.bytes !== undefined) {
              expect(Buffer.from(again.bytes).equals(Buffer.from(entry.bytes)), `${String(entry.body['id'])}: ${JSON.stringify(again.body)} vs ${JSON.stringify(entry.reply)}`).toBe(true);
              continue;
            }
            expect(again.body, `the retry of ${entry.op} ${String(entry.body['id'])} (no reply seen before the kill)`).toMatchObject({ id: entry.body['id'], result: 'approved', reason: 'OK' });
            entry.bytes = again.bytes;
            entry.reply = again.body;
            record(entry);
            const third = await call(nc, entry.terminal, entry.op, entry.body);
            expect(Buffer.from(third.bytes).equals(Buffer.from(again.bytes))).toBe(true);
          }
        }),
      );

      // The books: opening − charges − open holds, and the limits count the same.
      const expected = books();
      const after = await inquire(`r${round}-inquire-after-restart`);
      expect({ balance: after.balance, volume: after.volume, amount: after.amount }).toEqual({ balance: expected.balance, volume: expected.volume, amount: expected.amount });

      // Holds still open after the restart can be completed.
      for (const authId of expected.open) {
        const reply = await call(nc, 'MSK-01-POS1', 'complete', { id: `r${round}-close-${authId}`, authId, volume: 500 });
        expect(reply.body).toMatchObject({ result: 'approved', amount: money(500, 5909), volume: 500 });
        record({ terminal: 'MSK-01-POS1', op: 'complete', body: { authId }, reply: reply.body });
      }
      const closed = books();
      expect(closed.open).toEqual([]);
      expect((await inquire(`r${round}-inquire-closed`)).balance).toBe(closed.balance);
    });
  }
});

describe('SIGTERM under load', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let dataDir: string;
  let engine: EngineProcess | undefined;

  beforeAll(async () => {
    nats = await natsForTests();
    nc = await connect({ servers: nats.url, name: 'tessera-drain-test' });
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-'));
  });

  afterAll(async () => {
    await stopCli(engine);
    await nc?.drain().catch(() => undefined);
    await nats?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every request sent before the signal (approved or declined) and exits 0', async () => {
    engine = startCli(dataDir, nats.url);
    await waitUntilReady(nc, engine);
    const running = engine;

    // 2000 authorisations from 14 pumps (fleet card by volume, card "small" by amount: many end
    // declined on limits or funds, which is an answer too), all on the server before the signal,
    // which is sent once the engine is busy answering them.
    const terminals = [...pumps, 'TVR-01-P1', 'TVR-01-P2', 'TVR-01-P3', 'TVR-01-P4'];
    let answered = 0;
    const requests = Array.from({ length: 2_000 }, (_, index) => {
      const terminal = terminals[index % terminals.length] ?? 'MSK-01-P1';
      const body =
        index % 2 === 0
          ? { id: `drain-${index}`, card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 1_000 }
          : { id: `drain-${index}`, card: demoCards.small, product: 'AI92', amount: 6_000 };
      return call(nc, terminal, 'authorize', body, { timeoutMs: 30_000 }).then(
        (reply): Body => {
          answered++;
          return reply.body;
        },
        (error: unknown): Body => ({ id: body.id, result: 'no reply', reason: String(error) }),
      );
    });
    await nc.flush();
    for (let wait = 0; wait < 2_000 && answered < 100; wait++) await sleep(5);
    running.child.kill('SIGTERM');

    const replies = await Promise.all(requests);
    const exit = await running.exited;
    const unanswered = replies.filter((reply) => reply['result'] !== 'approved' && reply['result'] !== 'declined');
    expect(unanswered.map((reply) => `${String(reply['id'])}: ${String(reply['result'])}/${String(reply['reason'])}`)).toEqual([]);
    expect(exit, running.output()).toEqual({ code: 0, signal: null });
  });
});

describe('a crash after a decision is committed and before its reply record is (deterministic, in-process)', () => {
  // The window the kill -9 rounds above hit by chance, opened on purpose: the engine's decision
  // (the account's event) is on disk, the idempotency record of the reply never gets written
  // (as when the process dies between the two writes), the engine restarts, the terminal retries.
  const dirs: string[] = [];
  const engines: Engine[] = [];
  afterAll(async () => {
    for (const engine of engines) await engine.close().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const open = (dataDir: string): Engine => {
    const engine = new Engine({ dataDir, schedulers: false });
    engines.push(engine);
    return engine;
  };
  const submit = (engine: Engine, request: TerminalRequest): Promise<Reply> => new Promise((resolve) => engine.submit('MSK-01-P1', request, resolve));
  const inquiry: TerminalRequest = { op: 'inquire', request: { id: 'inquire', card: demoCards.fleet, pin: fleetPin } };
  /** Submits `request`, lets its decision and reply record commit, loses the reply, and restarts. */
  const crashAfterCommit = async (engine: Engine, dataDir: string, request: TerminalRequest, type: string): Promise<{ engine: Engine; event: Record<string, unknown> }> => {
    const committed = new Promise<Record<string, unknown>>((resolve) => engine.onCommitted((event) => (event.event.type === type ? resolve(event.event) : undefined)));
    // The reply record is written in the same LMDB transaction as the decision's events (actors/settle.ts),
    // so the crash window is "committed, reply never sent": the commit happens, the reply is lost.
    vi.spyOn(engine.store, 'afterFlush').mockImplementation(() => undefined);
    let answered = false;
    engine.submit('MSK-01-P1', request, () => (answered = true));
    const event = await committed;
    await engine.store.flushed();
    expect(answered).toBe(false);
    await engine.close();
    return { engine: open(dataDir), event };
  };

  it('the retry of a completion committed before the crash gets its approval, not AUTH_ALREADY_CLOSED', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-'));
    dirs.push(dataDir);
    const engine = open(dataDir);
    await engine.import(demoNetwork());
    const auth = await submit(engine, { op: 'authorize', request: { id: 'a1', card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 10_000 } });
    expect(auth).toMatchObject({ result: 'approved', approvedAmount: money(10_000, 5909) });
    const complete: TerminalRequest = { op: 'complete', request: { id: 'c1', authId: String(auth['authId']), volume: 5_000 } };
    const restarted = await crashAfterCommit(engine, dataDir, complete, 'completed');
    expect(restarted.event).toMatchObject({ authId: auth['authId'], amount: money(5_000, 5909) });
    const retry = await submit(restarted.engine, complete);
    expect(retry).toMatchObject({ id: 'c1', result: 'approved', reason: 'OK', amount: money(5_000, 5909), volume: 5_000, txId: restarted.event['txId'] });
  });

  it('the retry of an authorisation committed before the crash places no second hold', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-'));
    dirs.push(dataDir);
    const engine = open(dataDir);
    await engine.import(demoNetwork());
    const authorize: TerminalRequest = { op: 'authorize', request: { id: 'a1', card: demoCards.fleet, pin: fleetPin, product: 'AI95', volume: 10_000 } };
    const restarted = await crashAfterCommit(engine, dataDir, authorize, 'authorized');
    const retry = await submit(restarted.engine, authorize);
    const balance = (await submit(restarted.engine, inquiry))['balance'];
    expect({ authId: retry['authId'], balance }).toEqual({ authId: restarted.event['authId'], balance: 60_000_000 - money(10_000, 5909) });
  });
});
