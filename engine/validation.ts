// The one schema library (zod), configured once for every boundary: everything imports `z` from
// here, never from 'zod' (eslint enforces it), so the configuration below holds for every parse.
//
// An unknown field is refused without naming it: a field's name is input too, and a terminal or a
// client that puts a card number, a PIN or a password where a name goes must not read it back in
// an error message, a log line or an audit entry. The path still says where the unknown field is.

import { z } from 'zod';

z.config({
  customError: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''}: only the fields this message defines are accepted` : undefined),
});

export { z };
