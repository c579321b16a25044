/**
 * A sleep that a notification cuts short. A notification that arrives while the loop is busy is
 * remembered, so the loop's next sleep returns at once and no wake-up is lost.
 */
export class WakeSignal {
  private pending = false;
  private wake: (() => void) | null = null;

  /** Wakes the sleeper now, or the next sleep if none is sleeping. */
  readonly notify = (): void => {
    this.pending = true;
    this.wake?.();
  };

  /** Forgets a remembered notification: the step about to run reads everything it announced. */
  clear(): void {
    this.pending = false;
  }

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        self.pending = false;
        resolve();
      }
      this.wake = done;
    });
  }
}
