/** The time source of the emulator: message dates and webhook error dates come from it. */
export interface Clock {
  /**
   * The current time.
   *
   * @returns Milliseconds since the Unix epoch.
   */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when a test moves it. */
export class ManualClock implements Clock {
  #now: number;

  /**
   * Creates a manual clock.
   *
   * @param start The start time in milliseconds since the epoch (default 2026-01-01T00:00:00Z).
   */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  /**
   * The current time.
   *
   * @returns Milliseconds since the Unix epoch.
   */
  now(): number {
    return this.#now;
  }

  /**
   * Moves the clock forward.
   *
   * @param ms How many milliseconds to add (may be fractional seconds' worth).
   * @returns The new time.
   */
  advance(ms: number): number {
    this.#now += ms;
    return this.#now;
  }

  /**
   * Sets the clock.
   *
   * @param ms Milliseconds since the epoch.
   */
  set(ms: number): void {
    this.#now = ms;
  }
}
