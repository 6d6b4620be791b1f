// P2, what a team would build instead of the engine: the same authorisation decided in PostgreSQL.
// One table per fact (accounts, cards by keyed hash, terminals, prices, day-limit counters, holds,
// charges, idempotency), and one PL/pgSQL function per operation, so that a decision is one round
// trip and one transaction (synchronous_commit on: durable before the reply, like the engine):
//   authorize — the first reply if (terminal, id) was seen; the terminal, card, product; the card's
//               day counter locked (if it has a limit) and the account row locked; approve
//               min(asked, day headroom, balance + credit − holds) — partial approval as the engine;
//               the hold row and the counter and the account's holds updated; the reply stored.
//   complete  — the hold locked; charge the real amount, release the rest (account, day counter).
//   reverse   — the hold locked; release it.
// Locks are always taken hold → day counter → account, so two transactions never wait on each
// other in a circle. Replies have the engine's shape (docs/protocol.md); handles are `p2.<hold>` and
// `p2t.<charge>`. The bench's checks read the same tables (`books`, `checkHandles`).

import { createHmac } from 'node:crypto';
import type pg from 'pg';
import type { Books, HandleCheck } from './audit.js';
import type { SeenKind } from './generator.js';
import type { BenchNetworkSize } from './network.js';
import { benchAccountOf, benchBalance, benchCardNumber, benchDayLimit, benchPrice, benchProduct, benchTerminalId, hasDayLimit, terminalsPerSite } from './network.js';

/** Life of a hold, as the engine's default (engine/constants.ts holdTimeoutMs). */
export const holdLifeMs = 30 * 60 * 1000;

/** Connections of the responder's pool (8–32 is the range that makes sense on a small machine; see docs/decisions). */
export const poolSizeDefault = 16;

const schema = `
CREATE TABLE account (
  id text PRIMARY KEY,
  opening bigint NOT NULL,
  balance bigint NOT NULL,
  credit_limit bigint NOT NULL DEFAULT 0,
  held bigint NOT NULL DEFAULT 0
);
CREATE TABLE card (
  hash bytea PRIMARY KEY,
  account_id text NOT NULL REFERENCES account (id),
  status text NOT NULL,
  day_limit bigint
);
CREATE TABLE terminal (id text PRIMARY KEY, site_id text NOT NULL);
CREATE TABLE price (product text PRIMARY KEY, price bigint NOT NULL);
CREATE TABLE card_day_usage (
  card_hash bytea NOT NULL,
  day date NOT NULL,
  amount bigint NOT NULL,
  PRIMARY KEY (card_hash, day)
);
CREATE TABLE hold (
  id bigserial PRIMARY KEY,
  account_id text NOT NULL,
  card_hash bytea NOT NULL,
  terminal_id text NOT NULL,
  product text NOT NULL,
  price bigint NOT NULL,
  amount bigint NOT NULL,
  volume bigint NOT NULL,
  day date NOT NULL,
  limited boolean NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  status text NOT NULL DEFAULT 'open',
  charged bigint
);
CREATE TABLE charge (
  id bigserial PRIMARY KEY,
  hold_id bigint NOT NULL UNIQUE,
  account_id text NOT NULL,
  amount bigint NOT NULL,
  volume bigint NOT NULL,
  at bigint NOT NULL
);
CREATE TABLE idempotency (
  terminal_id text NOT NULL,
  request_id text NOT NULL,
  fingerprint bytea NOT NULL,
  reply jsonb NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (terminal_id, request_id)
);

CREATE FUNCTION p2_declined(p_id text, p_reason text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('id', p_id, 'result', 'declined', 'reason', p_reason)
$$;

CREATE FUNCTION p2_authorize(p_terminal text, p_id text, p_fingerprint bytea, p_card bytea, p_product text, p_amount bigint, p_now bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_reply jsonb;
  v_fingerprint bytea;
  v_card card%ROWTYPE;
  v_price bigint;
  v_day date;
  v_used bigint;
  v_headroom bigint;
  v_funds bigint;
  v_approved bigint;
  v_volume bigint;
  v_hold bigint;
  v_expires bigint;
BEGIN
  SELECT fingerprint, reply INTO v_fingerprint, v_reply FROM idempotency WHERE terminal_id = p_terminal AND request_id = p_id;
  IF FOUND THEN
    RETURN CASE WHEN v_fingerprint = p_fingerprint THEN v_reply ELSE p2_declined(p_id, 'DUPLICATE_ID_MISMATCH') END;
  END IF;
  PERFORM 1 FROM terminal WHERE id = p_terminal;
  IF NOT FOUND THEN
    v_reply := p2_declined(p_id, 'TERMINAL_UNKNOWN');
  ELSE
    SELECT * INTO v_card FROM card WHERE hash = p_card;
    IF NOT FOUND THEN
      v_reply := p2_declined(p_id, 'CARD_UNKNOWN');
    ELSIF v_card.status <> 'active' THEN
      v_reply := p2_declined(p_id, 'CARD_BLOCKED');
    ELSE
      SELECT price INTO v_price FROM price WHERE product = p_product;
      IF NOT FOUND THEN
        v_reply := p2_declined(p_id, 'PRODUCT_UNKNOWN');
      ELSIF p_amount < v_price THEN
        v_reply := p2_declined(p_id, 'AMOUNT_TOO_SMALL');
      ELSE
        v_day := (to_timestamp(p_now / 1000.0) AT TIME ZONE 'Europe/Moscow')::date;
        v_headroom := p_amount;
        IF v_card.day_limit IS NOT NULL THEN
          SELECT amount INTO v_used FROM card_day_usage WHERE card_hash = p_card AND day = v_day FOR UPDATE;
          IF NOT FOUND THEN
            INSERT INTO card_day_usage (card_hash, day, amount) VALUES (p_card, v_day, 0) ON CONFLICT DO NOTHING;
            SELECT amount INTO v_used FROM card_day_usage WHERE card_hash = p_card AND day = v_day FOR UPDATE;
          END IF;
          v_headroom := GREATEST(0, v_card.day_limit - v_used);
        END IF;
        SELECT balance + credit_limit - held INTO v_funds FROM account WHERE id = v_card.account_id FOR UPDATE;
        v_approved := LEAST(p_amount, v_headroom, GREATEST(0, v_funds));
        v_volume := (v_approved * 1000 + 499) / v_price;
        IF v_volume < 1000 THEN
          v_reply := p2_declined(p_id, CASE WHEN v_headroom < v_price THEN 'LIMIT_EXCEEDED' WHEN v_funds < v_price THEN 'INSUFFICIENT_FUNDS' ELSE 'AMOUNT_TOO_SMALL' END);
        ELSE
          UPDATE account SET held = held + v_approved WHERE id = v_card.account_id;
          IF v_card.day_limit IS NOT NULL THEN
            UPDATE card_day_usage SET amount = amount + v_approved WHERE card_hash = p_card AND day = v_day;
          END IF;
          v_expires := p_now + ${holdLifeMs};
          INSERT INTO hold (account_id, card_hash, terminal_id, product, price, amount, volume, day, limited, created_at, expires_at)
            VALUES (v_card.account_id, p_card, p_terminal, p_product, v_price, v_approved, v_volume, v_day, v_card.day_limit IS NOT NULL, p_now, v_expires)
            RETURNING id INTO v_hold;
          v_reply := jsonb_build_object('id', p_id, 'result', 'approved', 'reason', 'OK', 'authId', 'p2.' || v_hold, 'approvedAmount', v_approved,
                                        'price', v_price, 'discount', 0, 'expiresAt', v_expires, 'approvedVolume', v_volume);
        END IF;
      END IF;
    END IF;
  END IF;
  INSERT INTO idempotency (terminal_id, request_id, fingerprint, reply, at) VALUES (p_terminal, p_id, p_fingerprint, v_reply, p_now);
  RETURN v_reply;
END $$;

-- Closes an open hold: 'completed' charges p_amount (p_volume), 'reversed' and 'expired' release it.
-- The caller holds the hold's row lock.
CREATE FUNCTION p2_close(p_hold hold, p_how text, p_amount bigint, p_volume bigint, p_now bigint, OUT o_available bigint, OUT o_tx bigint)
LANGUAGE plpgsql AS $$
BEGIN
  IF p_hold.limited THEN
    UPDATE card_day_usage SET amount = amount + p_amount - p_hold.amount WHERE card_hash = p_hold.card_hash AND day = p_hold.day;
  END IF;
  UPDATE account SET balance = balance - p_amount, held = held - p_hold.amount WHERE id = p_hold.account_id
    RETURNING balance + credit_limit - held INTO o_available;
  UPDATE hold SET status = p_how, charged = CASE WHEN p_how = 'completed' THEN p_amount END WHERE id = p_hold.id;
  IF p_how = 'completed' THEN
    INSERT INTO charge (hold_id, account_id, amount, volume, at) VALUES (p_hold.id, p_hold.account_id, p_amount, p_volume, p_now) RETURNING id INTO o_tx;
  END IF;
END $$;

CREATE FUNCTION p2_complete(p_terminal text, p_id text, p_fingerprint bytea, p_hold bigint, p_amount bigint, p_volume bigint, p_reverse boolean, p_now bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_reply jsonb;
  v_fingerprint bytea;
  v_hold hold%ROWTYPE;
  v_amount bigint;
  v_volume bigint;
  v_closed record;
BEGIN
  SELECT fingerprint, reply INTO v_fingerprint, v_reply FROM idempotency WHERE terminal_id = p_terminal AND request_id = p_id;
  IF FOUND THEN
    RETURN CASE WHEN v_fingerprint = p_fingerprint THEN v_reply ELSE p2_declined(p_id, 'DUPLICATE_ID_MISMATCH') END;
  END IF;
  SELECT * INTO v_hold FROM hold WHERE id = p_hold FOR UPDATE;
  IF NOT FOUND THEN
    v_reply := p2_declined(p_id, 'AUTH_NOT_FOUND');
  ELSIF v_hold.status <> 'open' THEN
    v_reply := p2_declined(p_id, CASE WHEN v_hold.status = 'expired' THEN 'AUTH_EXPIRED' ELSE 'AUTH_ALREADY_CLOSED' END);
  ELSIF p_now >= v_hold.expires_at THEN
    PERFORM p2_close(v_hold, 'expired', 0, 0, p_now);
    v_reply := p2_declined(p_id, 'AUTH_EXPIRED');
  ELSIF p_reverse THEN
    SELECT * INTO v_closed FROM p2_close(v_hold, 'reversed', 0, 0, p_now);
    v_reply := jsonb_build_object('id', p_id, 'result', 'approved', 'reason', 'OK', 'authId', 'p2.' || v_hold.id, 'released', v_hold.amount, 'balance', v_closed.o_available);
  ELSE
    IF p_volume IS NOT NULL THEN
      v_volume := p_volume;
      v_amount := COALESCE(p_amount, (p_volume * v_hold.price + 500) / 1000);
    ELSE
      v_amount := p_amount;
      v_volume := LEAST(v_hold.volume, (p_amount * 1000 + 499) / v_hold.price);
    END IF;
    IF v_amount > v_hold.amount OR v_volume > v_hold.volume THEN
      v_reply := p2_declined(p_id, 'AMOUNT_EXCEEDS_AUTH');
    ELSE
      SELECT * INTO v_closed FROM p2_close(v_hold, 'completed', v_amount, v_volume, p_now);
      v_reply := jsonb_build_object('id', p_id, 'result', 'approved', 'reason', 'OK', 'txId', 'p2t.' || v_closed.o_tx, 'amount', v_amount, 'volume', v_volume,
                                    'discount', 0, 'bonus', 0, 'balance', v_closed.o_available);
    END IF;
  END IF;
  INSERT INTO idempotency (terminal_id, request_id, fingerprint, reply, at) VALUES (p_terminal, p_id, p_fingerprint, v_reply, p_now);
  RETURN v_reply;
END $$;
`;

/** The keyed hash cards are found by (no card number is stored). */
export function cardHash(secret: Buffer, number: string): Buffer {
  return createHmac('sha256', secret).update(number).digest();
}

const loadChunk = 5_000;

/** Creates the tables and functions and loads the bench network (same cards, accounts, balances as E's). */
export async function loadBenchNetwork(client: pg.ClientBase, network: BenchNetworkSize, secret: Buffer): Promise<void> {
  await client.query(schema);
  for (let first = 0; first < network.accounts; first += loadChunk) {
    const ids = Array.from({ length: Math.min(loadChunk, network.accounts - first) }, (_, offset) => `cp-${first + offset + 1}`);
    await client.query('INSERT INTO account (id, opening, balance) SELECT id, $2, $2 FROM unnest($1::text[]) AS id', [ids, benchBalance]);
  }
  for (let first = 0; first < network.cards; first += loadChunk) {
    const count = Math.min(loadChunk, network.cards - first);
    const hashes: Buffer[] = [];
    const accounts: string[] = [];
    const limits: (number | null)[] = [];
    for (let index = first; index < first + count; index++) {
      hashes.push(cardHash(secret, benchCardNumber(index)));
      accounts.push(benchAccountOf(index, network.accounts));
      limits.push(hasDayLimit(index) ? benchDayLimit : null);
    }
    await client.query("INSERT INTO card (hash, account_id, status, day_limit) SELECT hash, account_id, 'active', day_limit FROM unnest($1::bytea[], $2::text[], $3::bigint[]) AS t (hash, account_id, day_limit)", [hashes, accounts, limits]);
  }
  const terminals = Array.from({ length: network.terminals }, (_, index) => benchTerminalId(index));
  const sites = terminals.map((_, index) => `BS-${Math.floor(index / terminalsPerSite) + 1}`);
  await client.query('INSERT INTO terminal (id, site_id) SELECT * FROM unnest($1::text[], $2::text[])', [terminals, sites]);
  await client.query('INSERT INTO price (product, price) VALUES ($1, $2)', [benchProduct, benchPrice]);
  await client.query('ANALYZE');
  // Start measuring from a clean checkpoint, not in the middle of the one the load would cause.
  await client.query('CHECKPOINT').catch(() => undefined);
}

export const authorizeStatement = 'SELECT p2_authorize($1, $2, $3, $4, $5, $6, $7) AS reply';
export const completeStatement = 'SELECT p2_complete($1, $2, $3, $4, $5, $6, $7, $8) AS reply';

/** The hold number of a P2 handle, or undefined for a handle that is not one. */
export function holdOfHandle(authId: string): string | undefined {
  const match = /^p2\.(\d{1,18})$/.exec(authId);
  return match?.[1];
}

/** The books from the tables (bench/audit.ts), and what is inconsistent in them. */
export async function books(client: pg.ClientBase): Promise<Books> {
  const one = async <Row extends pg.QueryResultRow>(text: string): Promise<Row> => {
    const row = (await client.query<Row>(text)).rows[0];
    if (row === undefined) throw new Error(`no row: ${text}`);
    return row;
  };
  const accounts = await one<{ accounts: string; opening: string; balances: string; held: string }>(
    'SELECT count(*) AS accounts, coalesce(sum(opening), 0)::text AS opening, coalesce(sum(balance), 0)::text AS balances, coalesce(sum(held), 0)::text AS held FROM account',
  );
  const charges = await one<{ charges: string }>('SELECT coalesce(sum(amount), 0)::text AS charges FROM charge');
  const holds = await one<{ approvals: string; completions: string; reversals: string; expiries: string; open: string; open_amount: string }>(`
    SELECT count(*) AS approvals, count(*) FILTER (WHERE status = 'completed') AS completions, count(*) FILTER (WHERE status = 'reversed') AS reversals,
           count(*) FILTER (WHERE status = 'expired') AS expiries, count(*) FILTER (WHERE status = 'open') AS open,
           coalesce(sum(amount) FILTER (WHERE status = 'open'), 0)::text AS open_amount
      FROM hold`);
  const counts = async (text: string): Promise<number> => Number((await one<{ count: string }>(text)).count);
  const violations: string[] = [];
  const mismatch = async (text: string, what: string): Promise<void> => {
    const count = await counts(text);
    if (count > 0) violations.push(`${count} ${what}`);
  };
  await mismatch(
    'SELECT count(*) FROM account a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM charge GROUP BY account_id) c ON c.account_id = a.id WHERE a.opening <> a.balance + coalesce(c.total, 0)',
    'accounts whose balance ≠ opening − their charges',
  );
  await mismatch(
    "SELECT count(*) FROM account a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM hold WHERE status = 'open' GROUP BY account_id) h ON h.account_id = a.id WHERE a.held <> coalesce(h.total, 0)",
    "accounts whose holds ≠ the sum of their open holds",
  );
  await mismatch(
    "SELECT count(*) FROM hold h LEFT JOIN charge c ON c.hold_id = h.id WHERE (h.status = 'completed') <> (c.id IS NOT NULL) OR c.amount <> h.charged OR c.amount > h.amount",
    'holds whose charge row disagrees with them',
  );
  const usedByHolds = "SELECT card_hash, day, sum(CASE status WHEN 'open' THEN amount WHEN 'completed' THEN charged ELSE 0 END) AS used FROM hold WHERE limited GROUP BY card_hash, day";
  await mismatch(`SELECT count(*) FROM (${usedByHolds}) x LEFT JOIN card_day_usage u USING (card_hash, day) WHERE coalesce(u.amount, 0) <> x.used`, 'day counters that disagree with their holds');
  const overLimit = await counts(`
    SELECT count(*) FROM (SELECT card_hash, day, max(used) AS used FROM (
      SELECT card_hash, day, amount AS used FROM card_day_usage UNION ALL SELECT card_hash, day, used FROM (${usedByHolds}) y) z GROUP BY card_hash, day) x
      JOIN card c ON c.hash = x.card_hash WHERE x.used > c.day_limit`);
  return {
    accounts: Number(accounts.accounts),
    opening: accounts.opening,
    balances: accounts.balances,
    charges: charges.charges,
    refunds: '0',
    topups: '0',
    heldAmount: holds.open_amount,
    approvals: Number(holds.approvals),
    completions: Number(holds.completions),
    reversals: Number(holds.reversals),
    expiries: Number(holds.expiries),
    openHolds: Number(holds.approvals) - Number(holds.completions) - Number(holds.reversals) - Number(holds.expiries),
    openHoldsIndexed: Number(holds.open),
    cardsOverDayLimit: overLimit,
    duplicateHandles: 0, // hold ids are a primary key
    violations: accounts.held === holds.open_amount ? violations : [...violations, `Σ account holds ${accounts.held} ≠ Σ open holds ${holds.open_amount}`],
  };
}

/** Whether each handle a generator saw is a hold in the given state. */
export async function checkHandles(client: pg.ClientBase, kind: SeenKind, handles: readonly string[]): Promise<HandleCheck> {
  const ids: string[] = [];
  const result: HandleCheck = { kind, checked: handles.length, missing: 0, examples: [] };
  for (const handle of handles) {
    const id = holdOfHandle(handle);
    if (id === undefined) {
      result.missing++;
      if (result.examples.length < 5) result.examples.push(handle);
    } else ids.push(id);
  }
  const status = kind === 'completed' ? "AND status = 'completed'" : kind === 'reversed' ? "AND status = 'reversed'" : '';
  const { rows } = await client.query<{ id: string }>(`SELECT x::text AS id FROM unnest($1::bigint[]) AS x WHERE NOT EXISTS (SELECT 1 FROM hold WHERE id = x ${status})`, [ids]);
  result.missing += rows.length;
  for (const row of rows) if (result.examples.length < 5) result.examples.push(`p2.${row.id}`);
  return result;
}
