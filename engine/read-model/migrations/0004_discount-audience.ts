// Who a discount rule is for, as the engine prices it (engine/domain/pricing.ts): client groups and
// club members besides segments and counterparties, a fixed contract price besides a percent or money
// off per unit, and a purchase threshold; and a client's groups, so "the discounts in force" of a
// client's pricing conditions are the rules that can price its purchases. Rows written before this
// migration get their values at the next import of the network or `tessera readmodel rebuild`.

import type { MigrationBuilder } from 'node-pg-migrate';

export const up = (pgm: MigrationBuilder): void => {
  pgm.sql(`
    ALTER TABLE readmodel.discounts
      ADD COLUMN fixed_price bigint,
      ADD COLUMN client_groups text[],
      ADD COLUMN members_only boolean NOT NULL DEFAULT false,
      ADD COLUMN threshold jsonb;
    ALTER TABLE readmodel.accounts ADD COLUMN client_groups text[];
  `);
};

export const down = (pgm: MigrationBuilder): void => {
  pgm.sql(`
    ALTER TABLE readmodel.accounts DROP COLUMN client_groups;
    ALTER TABLE readmodel.discounts DROP COLUMN threshold, DROP COLUMN members_only, DROP COLUMN client_groups, DROP COLUMN fixed_price;
  `);
};
