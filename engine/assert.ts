// Assertions for what can never happen. A failed assertion crashes the actor (the supervisor
// restarts it from its journal); business outcomes are reason codes, never exceptions.

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never): never {
  throw new AssertionError(`unexpected value: ${JSON.stringify(value)}`);
}
