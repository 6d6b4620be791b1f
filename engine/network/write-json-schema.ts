// `npm run schema`: writes docs/network.schema.json from the zod schema (the one definition).

import { writeFileSync } from 'node:fs';
import { networkJsonSchema } from './schema.js';

writeFileSync(new URL('../../docs/network.schema.json', import.meta.url), JSON.stringify(networkJsonSchema(), null, 2) + '\n');
