// The read model's first schema: everything lives in the `readmodel` schema, so that a rebuild can
// drop it whole. Journal events (`events`), what they mean for search and reports (holds,
// transactions, refunds, top-ups, declines, PIN events, imports, balances over time), the reference
// data of each network, and the projector's own state (checkpoint, reference sync requests).
// Money and quantities are bigint (minor units, millilitres); times are timestamptz (the engine's
// milliseconds fit exactly). Card numbers never appear: only the masked form and the keyed hash.
// node-pg-migrate runs this (migrate.ts); the SQL is plain so that it reads as the schema it is.

import type { MigrationBuilder } from 'node-pg-migrate';

export const up = (pgm: MigrationBuilder): void => {
  pgm.sql(`
    CREATE SCHEMA IF NOT EXISTS readmodel;

    -- The projector's position in the journal: the last event applied, committed with it.
    CREATE TABLE readmodel.checkpoint (
      name text PRIMARY KEY,
      position bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO readmodel.checkpoint (name, position) VALUES ('journal', 0);

    -- Every journal event, whatever its type (unknown types land only here).
    CREATE TABLE readmodel.events (
      position bigint PRIMARY KEY,
      key text NOT NULL,
      seq bigint NOT NULL,
      type text NOT NULL,
      network text,
      at timestamptz NOT NULL,
      body jsonb NOT NULL,
      CONSTRAINT events_key_seq UNIQUE (key, seq)
    );
    CREATE INDEX events_network_type_at ON readmodel.events (network, type, at, position);

    -- Authorisation holds: placed by 'authorized', closed once by 'completed', 'reversed' or 'expired'.
    CREATE TABLE readmodel.holds (
      auth_id text PRIMARY KEY,
      position bigint NOT NULL UNIQUE,
      network text NOT NULL,
      account text NOT NULL,
      hold_number bigint NOT NULL,
      card text NOT NULL,
      card_hash text NOT NULL,
      terminal text NOT NULL,
      site text NOT NULL,
      product text NOT NULL,
      price bigint NOT NULL,
      list_price bigint NOT NULL,
      discount bigint NOT NULL,
      discount_rule text,
      amount bigint NOT NULL,
      volume bigint NOT NULL,
      authorized_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'authorized' CHECK (status IN ('authorized', 'completed', 'reversed', 'expired')),
      closed_position bigint,
      closed_at timestamptz,
      closed_terminal text,
      released bigint,
      tx_id text
    );
    CREATE INDEX holds_open_by_account ON readmodel.holds (account) WHERE status = 'authorized';
    CREATE INDEX holds_card ON readmodel.holds (card_hash, authorized_at, position);

    -- Completed fuel transactions: the search (card, counterparty, client, site, terminal, tx id,
    -- period) pages by the cursor (at, position); each filter has an index ending in it.
    CREATE TABLE readmodel.transactions (
      position bigint PRIMARY KEY,
      tx_id text NOT NULL UNIQUE,
      auth_id text NOT NULL,
      network text NOT NULL,
      account text NOT NULL,
      counterparty text,
      client text,
      card text NOT NULL,
      card_hash text,
      site text NOT NULL,
      terminal text NOT NULL,
      product text NOT NULL,
      amount bigint NOT NULL,
      volume bigint NOT NULL,
      price bigint NOT NULL,
      list_price bigint NOT NULL,
      discount bigint NOT NULL,
      discount_rule text,
      bonus bigint NOT NULL,
      at timestamptz NOT NULL
    );
    CREATE INDEX transactions_by_period ON readmodel.transactions (network, at, position);
    CREATE INDEX transactions_by_card ON readmodel.transactions (card_hash, at, position);
    CREATE INDEX transactions_by_account ON readmodel.transactions (account, at, position);
    CREATE INDEX transactions_by_counterparty ON readmodel.transactions (network, counterparty, at, position) WHERE counterparty IS NOT NULL;
    CREATE INDEX transactions_by_client ON readmodel.transactions (network, client, at, position) WHERE client IS NOT NULL;
    CREATE INDEX transactions_by_site ON readmodel.transactions (network, site, at, position);
    CREATE INDEX transactions_by_terminal ON readmodel.transactions (network, terminal, at, position);

    CREATE TABLE readmodel.refunds (
      position bigint PRIMARY KEY,
      refund_id text NOT NULL UNIQUE,
      tx_id text NOT NULL,
      network text NOT NULL,
      account text NOT NULL,
      card text NOT NULL,
      card_hash text,
      site text,
      terminal text NOT NULL,
      amount bigint NOT NULL,
      bonus bigint NOT NULL,
      at timestamptz NOT NULL
    );
    CREATE INDEX refunds_by_tx ON readmodel.refunds (tx_id);
    CREATE INDEX refunds_by_period ON readmodel.refunds (network, at, position);

    CREATE TABLE readmodel.topups (
      position bigint PRIMARY KEY,
      network text NOT NULL,
      account text NOT NULL,
      amount bigint NOT NULL,
      method text NOT NULL,
      terminal text NOT NULL,
      site text,
      at timestamptz NOT NULL
    );
    CREATE INDEX topups_by_account ON readmodel.topups (account, at, position);
    CREATE INDEX topups_by_period ON readmodel.topups (network, at, position);

    CREATE TABLE readmodel.declines (
      position bigint PRIMARY KEY,
      network text NOT NULL,
      terminal text NOT NULL,
      site text NOT NULL,
      request_id text NOT NULL,
      reason text NOT NULL,
      operation text NOT NULL,
      card text,
      product text,
      amount bigint,
      volume bigint,
      at timestamptz NOT NULL
    );
    CREATE INDEX declines_by_period ON readmodel.declines (network, at, position);
    CREATE INDEX declines_by_reason ON readmodel.declines (network, reason, at);

    CREATE TABLE readmodel.pin_events (
      position bigint PRIMARY KEY,
      network text NOT NULL,
      card text NOT NULL,
      card_hash text NOT NULL,
      type text NOT NULL CHECK (type IN ('pin.failed', 'pin.reset')),
      failures integer,
      at timestamptz NOT NULL
    );
    CREATE INDEX pin_events_by_card ON readmodel.pin_events (card_hash, at);

    CREATE TABLE readmodel.network_imports (
      position bigint PRIMARY KEY,
      network text NOT NULL,
      created bigint NOT NULL,
      updated bigint NOT NULL,
      unchanged bigint NOT NULL,
      catalog_changed boolean NOT NULL,
      at timestamptz NOT NULL
    );

    -- Balances over time: one row per event that moves an account's money or points.
    CREATE TABLE readmodel.balance_changes (
      position bigint PRIMARY KEY,
      network text NOT NULL,
      account text NOT NULL,
      kind text NOT NULL,
      reference text,
      delta bigint NOT NULL,
      balance_after bigint NOT NULL,
      bonus_delta bigint NOT NULL,
      bonus_after bigint NOT NULL,
      at timestamptz NOT NULL
    );
    CREATE INDEX balance_changes_by_account ON readmodel.balance_changes (account, at, position);

    -- Each account's balance after the last event applied (the running balance starts from the
    -- opening balance of the reference data).
    CREATE TABLE readmodel.balances (
      account text PRIMARY KEY,
      network text NOT NULL,
      balance bigint NOT NULL,
      bonus bigint NOT NULL,
      position bigint NOT NULL,
      at timestamptz NOT NULL
    );

    -- Reference data, as the engine holds it now (refreshed after each network.imported event).
    CREATE TABLE readmodel.reference_sync (
      network text PRIMARY KEY,
      requested_position bigint NOT NULL,
      synced_position bigint NOT NULL DEFAULT 0
    );

    CREATE TABLE readmodel.networks (
      id text PRIMARY KEY,
      name text NOT NULL,
      currency text NOT NULL,
      timezone text NOT NULL,
      bonus_rate integer,
      bonus_redeem boolean,
      bonus_products text[]
    );

    CREATE TABLE readmodel.sites (
      network text NOT NULL,
      id text NOT NULL,
      name text NOT NULL,
      kind text NOT NULL,
      PRIMARY KEY (network, id)
    );

    CREATE TABLE readmodel.terminals (
      network text NOT NULL,
      id text NOT NULL,
      site text NOT NULL,
      kind text NOT NULL,
      status text NOT NULL,
      PRIMARY KEY (network, id)
    );

    CREATE TABLE readmodel.products (
      network text NOT NULL,
      code text NOT NULL,
      name text NOT NULL,
      product_group text NOT NULL,
      unit text NOT NULL,
      hold_minutes integer,
      PRIMARY KEY (network, code)
    );

    -- A price with no site is the network's; a site's price overrides it. A price with valid_from
    -- is a scheduled change: it applies from then until the next one (none: from the beginning).
    CREATE TABLE readmodel.prices (
      network text NOT NULL,
      product text NOT NULL,
      site text,
      price bigint NOT NULL,
      valid_from timestamptz
    );
    CREATE UNIQUE INDEX prices_by_product_site ON readmodel.prices (network, product, coalesce(site, ''), coalesce(valid_from, '-infinity'));

    CREATE TABLE readmodel.discounts (
      network text NOT NULL,
      id text NOT NULL,
      name text NOT NULL,
      percent integer,
      per_unit bigint,
      products text[],
      segments text[],
      counterparties text[],
      sites text[],
      hours text,
      valid_from timestamptz,
      valid_to timestamptz,
      PRIMARY KEY (network, id)
    );

    CREATE TABLE readmodel.tariffs (
      network text NOT NULL,
      code text NOT NULL,
      name text NOT NULL,
      per_minute bigint NOT NULL,
      per_minute_member bigint,
      minimum_minutes integer,
      PRIMARY KEY (network, code)
    );

    CREATE TABLE readmodel.accounts (
      key text PRIMARY KEY,
      network text NOT NULL,
      owner text NOT NULL CHECK (owner IN ('counterparty', 'client')),
      owner_id text NOT NULL,
      name text NOT NULL,
      segment text,
      member boolean,
      opening_balance bigint NOT NULL,
      credit_limit bigint NOT NULL
    );
    CREATE INDEX accounts_by_network ON readmodel.accounts (network, owner, owner_id);

    CREATE TABLE readmodel.counterparties (
      network text NOT NULL,
      id text NOT NULL,
      name text NOT NULL,
      segment text,
      account text NOT NULL,
      PRIMARY KEY (network, id)
    );

    CREATE TABLE readmodel.clients (
      network text NOT NULL,
      id text NOT NULL,
      name text NOT NULL,
      member boolean NOT NULL,
      account text NOT NULL,
      PRIMARY KEY (network, id)
    );

    CREATE TABLE readmodel.client_plates (
      network text NOT NULL,
      plate text NOT NULL,
      client text NOT NULL,
      PRIMARY KEY (network, plate)
    );

    -- Cards: the masked number and the keyed hash only (never the number, never the PIN's hash).
    CREATE TABLE readmodel.cards (
      network text NOT NULL,
      hash text NOT NULL,
      masked text NOT NULL,
      account text NOT NULL,
      status text NOT NULL,
      expires text,
      limits jsonb NOT NULL,
      restrictions jsonb NOT NULL,
      PRIMARY KEY (network, hash)
    );
    CREATE INDEX cards_by_account ON readmodel.cards (account);
    CREATE INDEX cards_by_masked ON readmodel.cards (network, masked);
  `);
};

export const down = (pgm: MigrationBuilder): void => {
  // Every table but node-pg-migrate's own, which lives in the same schema.
  pgm.sql(`
    DO $$
    DECLARE t record;
    BEGIN
      FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'readmodel' AND tablename <> 'migrations' LOOP
        EXECUTE format('DROP TABLE readmodel.%I CASCADE', t.tablename);
      END LOOP;
    END $$;
  `);
};
