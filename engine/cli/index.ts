// The runnable engine: the server composition (engine + bus + gateways) and the CLI's commands.

export { serve } from './serve.js';
export type { RunningServer, ServeOptions } from './serve.js';
export { simulate } from './simulate.js';
export { splitDocument } from './import-command.js';
