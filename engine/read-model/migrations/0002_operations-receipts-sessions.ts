// The read model's second schema step: what retail receipts, wash sessions and shifts add, and the
// two tables the HTTP API searches and reports from.
// - `operations`: the feed — one row per decision a person looks for (a fuel transaction, a receipt,
//   a return, a top-up, a wash session's charge, a decline), with the columns every filter needs and
//   an index per filter ending in the cursor (at, position).
// - `sale_lines`: every line sold or returned (a fuel transaction is one line; a return's lines are
//   negative), the one table the sales reports add up.
// - `payments`: money per payment method (returns negative), for the payment-methods report.
// - `receipts`, `shifts`, `wash_sessions`: the cards of a receipt, a cash shift and a session.
// Returns made at a till without a card have no account: `refunds.account` and `refunds.card` may be null.

import type { MigrationBuilder } from 'node-pg-migrate';

export const up = (pgm: MigrationBuilder): void => {
  pgm.sql(`
    CREATE TABLE readmodel.operations (
      position bigint PRIMARY KEY,
      network text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('fuel', 'sale', 'refund', 'topup', 'wash', 'decline')),
      result text NOT NULL CHECK (result IN ('approved', 'declined')),
      -- The operation's own id (tx id, refund id, session id, a declined request's id) and the
      -- receipt or transaction it belongs to (a return: the one returned).
      reference text NOT NULL,
      tx_id text,
      account text,
      counterparty text,
      client text,
      card text,
      card_hash text,
      site text,
      terminal text,
      product text,
      volume bigint,
      amount bigint NOT NULL,
      discount bigint NOT NULL,
      bonus bigint NOT NULL,
      method text,
      reason text,
      at timestamptz NOT NULL
    );
    CREATE INDEX operations_by_period ON readmodel.operations (network, at, position);
    CREATE INDEX operations_by_card ON readmodel.operations (network, card_hash, at, position) WHERE card_hash IS NOT NULL;
    CREATE INDEX operations_by_counterparty ON readmodel.operations (network, counterparty, at, position) WHERE counterparty IS NOT NULL;
    CREATE INDEX operations_by_client ON readmodel.operations (network, client, at, position) WHERE client IS NOT NULL;
    CREATE INDEX operations_by_site ON readmodel.operations (network, site, at, position);
    CREATE INDEX operations_by_terminal ON readmodel.operations (network, terminal, at, position);
    CREATE INDEX operations_by_kind ON readmodel.operations (network, kind, at, position);
    CREATE INDEX operations_declined ON readmodel.operations (network, at, position) WHERE result = 'declined';
    CREATE INDEX operations_by_reference ON readmodel.operations (reference);
    CREATE INDEX operations_by_tx ON readmodel.operations (tx_id) WHERE tx_id IS NOT NULL;

    CREATE TABLE readmodel.receipts (
      tx_id text PRIMARY KEY,
      position bigint NOT NULL UNIQUE,
      network text NOT NULL,
      account text,
      counterparty text,
      client text,
      card text,
      card_hash text,
      site text NOT NULL,
      terminal text NOT NULL,
      shift integer,
      amount bigint NOT NULL,
      discount bigint NOT NULL,
      bonus bigint NOT NULL,
      payments jsonb NOT NULL,
      messages jsonb NOT NULL,
      at timestamptz NOT NULL
    );
    CREATE INDEX receipts_by_period ON readmodel.receipts (network, at, position);

    CREATE TABLE readmodel.sale_lines (
      position bigint NOT NULL,
      line integer NOT NULL,
      network text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('fuel', 'sale', 'refund', 'wash')),
      tx_id text NOT NULL,
      refund_id text,
      -- A return's line: the line of the receipt (fuel: 0) it gives back.
      returned_line integer,
      account text,
      counterparty text,
      client text,
      site text NOT NULL,
      terminal text NOT NULL,
      product text NOT NULL,
      qty bigint NOT NULL,
      list_price bigint,
      price bigint,
      amount bigint NOT NULL,
      discount bigint NOT NULL,
      discount_rule text,
      at timestamptz NOT NULL,
      PRIMARY KEY (position, line)
    );
    CREATE INDEX sale_lines_by_period ON readmodel.sale_lines (network, at);
    CREATE INDEX sale_lines_by_tx ON readmodel.sale_lines (tx_id, line);
    CREATE INDEX sale_lines_by_account ON readmodel.sale_lines (account, at) WHERE account IS NOT NULL;

    CREATE TABLE readmodel.payments (
      position bigint NOT NULL,
      method text NOT NULL,
      network text NOT NULL,
      kind text NOT NULL,
      tx_id text NOT NULL,
      account text,
      site text,
      terminal text NOT NULL,
      amount bigint NOT NULL,
      at timestamptz NOT NULL,
      PRIMARY KEY (position, method)
    );
    CREATE INDEX payments_by_period ON readmodel.payments (network, at);

    CREATE TABLE readmodel.shifts (
      shift_id text PRIMARY KEY,
      network text NOT NULL,
      terminal text NOT NULL,
      site text NOT NULL,
      number integer NOT NULL,
      kind text NOT NULL,
      cashier text,
      status text NOT NULL CHECK (status IN ('open', 'closed')),
      opened_at timestamptz NOT NULL,
      closed_at timestamptz,
      totals jsonb,
      opened_position bigint NOT NULL,
      closed_position bigint
    );
    CREATE INDEX shifts_by_site ON readmodel.shifts (network, site, opened_at);

    CREATE TABLE readmodel.wash_sessions (
      session_id text PRIMARY KEY,
      network text NOT NULL,
      client text NOT NULL,
      account text,
      number integer NOT NULL,
      tariff text NOT NULL,
      tariff_name text NOT NULL,
      site text NOT NULL,
      terminal text NOT NULL,
      plate text,
      client_name text NOT NULL,
      member boolean NOT NULL,
      rate bigint NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'stopped', 'charged')),
      started_at timestamptz NOT NULL,
      stopped_at timestamptz,
      minutes integer,
      amount bigint,
      auto boolean,
      comments jsonb NOT NULL DEFAULT '[]',
      charged_at timestamptz,
      started_position bigint NOT NULL
    );
    CREATE INDEX wash_sessions_by_site ON readmodel.wash_sessions (network, site, started_at);
    CREATE INDEX wash_sessions_by_client ON readmodel.wash_sessions (network, client, started_at);

    ALTER TABLE readmodel.refunds ALTER COLUMN account DROP NOT NULL, ALTER COLUMN card DROP NOT NULL;
    ALTER TABLE readmodel.refunds ADD COLUMN shift integer, ADD COLUMN payments jsonb;
  `);
};

export const down = (pgm: MigrationBuilder): void => {
  pgm.sql(`
    DROP TABLE readmodel.operations, readmodel.receipts, readmodel.sale_lines, readmodel.payments, readmodel.shifts, readmodel.wash_sessions;
    ALTER TABLE readmodel.refunds DROP COLUMN shift, DROP COLUMN payments;
  `);
};
