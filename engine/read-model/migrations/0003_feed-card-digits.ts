// The feed's search by a card's last four digits (or its masked number): an index on the masked
// number's last four characters, ending in the cursor (at, position) like every other filter's, so a
// page reads about `limit` index entries instead of the whole table (docs/decisions/0014).

import type { MigrationBuilder } from 'node-pg-migrate';

export const up = (pgm: MigrationBuilder): void => {
  pgm.sql(`CREATE INDEX operations_by_card_digits ON readmodel.operations (network, right(card, 4), at, position) WHERE card IS NOT NULL;`);
};

export const down = (pgm: MigrationBuilder): void => {
  pgm.sql(`DROP INDEX readmodel.operations_by_card_digits;`);
};
