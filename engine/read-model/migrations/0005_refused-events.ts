// Events the read model refused (PostgreSQL refused their rows, or a projection failed on them): each
// was retried alone, then set aside here and skipped, so one bad event does not stop every later one
// from being projected. The engine's journal still holds them; `tessera readmodel rebuild` after a fix
// projects them again.

import type { MigrationBuilder } from 'node-pg-migrate';

export const up = (pgm: MigrationBuilder): void => {
  pgm.sql(`
    CREATE TABLE readmodel.refused_events (
      position bigint PRIMARY KEY,
      key text NOT NULL,
      seq integer NOT NULL,
      type text NOT NULL,
      network text,
      error text NOT NULL,
      refused_at timestamptz NOT NULL DEFAULT now()
    );
  `);
};

export const down = (pgm: MigrationBuilder): void => {
  pgm.sql(`DROP TABLE readmodel.refused_events;`);
};
