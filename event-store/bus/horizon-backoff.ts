/**
 * How soon to look again when committed events wait behind an older open transaction. Most such
 * transactions are another reader's batch or an append in flight and end within milliseconds, so
 * the first look comes soon; a long one (a slow command, a migration) is then polled less often.
 */
export class HorizonBackoff {
  private nextMs: number;

  constructor(
    private readonly maxMs = 20,
    private readonly firstMs = Math.min(2, maxMs),
  ) {
    this.nextMs = firstMs;
  }

  /** The delay before the next look; each call while still blocked doubles it, up to `maxMs`. */
  delay(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    return delay;
  }

  /** The reader got past the horizon: the next wait starts short again. */
  reset(): void {
    this.nextMs = this.firstMs;
  }
}
