// The engine's clock, injected everywhere time matters. Decisions never read the clock themselves.
// SystemClock anchors wall time once at start and then advances with the monotonic clock, so a wall
// clock that jumps back an hour or forward a day does not expire every hold at once (adversarial 11).

export interface Clock {
  /** Milliseconds since the epoch, as the engine sees it. */
  now(): number;
}

export class SystemClock implements Clock {
  private readonly wallAtStart = Date.now();
  private readonly monotonicAtStart = performance.now();

  now(): number {
    return Math.floor(this.wallAtStart + (performance.now() - this.monotonicAtStart));
  }
}

/** A clock that moves only when told to: for tests and simulations. */
export class SimulatedClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }

  set(at: number): void {
    this.current = at;
  }
}
