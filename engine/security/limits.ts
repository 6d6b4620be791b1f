// Bounds on sign-in: a fixed-window counter per key (an account, a client address) and a table of
// failures in a row with the lock they lead to. Time is an argument; the decisions are pure functions
// of a key's state, and the tables only remember (each bounded: past its size the oldest key goes).

export interface WindowState {
  windowStart: number;
  count: number;
}

/** Counts one more event in a fixed window; `allowed` is false past `max` in the window. */
export function countInWindow(state: WindowState | undefined, now: number, windowMs: number, max: number): { allowed: boolean; state: WindowState } {
  const current = state !== undefined && now - state.windowStart < windowMs && now >= state.windowStart ? state : { windowStart: now, count: 0 };
  if (current.count >= max) return { allowed: false, state: current };
  return { allowed: true, state: { windowStart: current.windowStart, count: current.count + 1 } };
}

export interface LockState {
  /** Failures in a row since the last success or the last lock's end. */
  failures: number;
  /** While `now` is before this, the account is locked. */
  lockedUntil: number;
}

export const unlocked: LockState = { failures: 0, lockedUntil: 0 };

export function isLocked(state: LockState | undefined, now: number): boolean {
  return state !== undefined && now < state.lockedUntil;
}

/** One more failure: past `failuresMax` in a row the account locks for `lockMs` (and the count starts again). */
export function failureCounted(state: LockState | undefined, now: number, failuresMax: number, lockMs: number): LockState {
  const before = state ?? unlocked;
  const failures = before.failures + 1;
  if (failures >= failuresMax) return { failures: 0, lockedUntil: now + lockMs };
  return { failures, lockedUntil: before.lockedUntil };
}

/** A bounded map: past `max` keys, the one set longest ago is forgotten. */
export class BoundedTable<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export class WindowLimiter {
  private readonly table: BoundedTable<WindowState>;
  constructor(
    private readonly windowMs: number,
    private readonly max: number,
    keysMax: number,
  ) {
    this.table = new BoundedTable(keysMax);
  }

  /** Counts an attempt for `key`; false when the window is full (the attempt is refused). */
  hit(key: string, now: number): boolean {
    const { allowed, state } = countInWindow(this.table.get(key), now, this.windowMs, this.max);
    this.table.set(key, state);
    return allowed;
  }
}
