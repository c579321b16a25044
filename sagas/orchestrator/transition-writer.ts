import type { EventStore } from '../../event-store/event-store.js';
import { onceThisTick } from '../../event-store/once-this-tick.js';
import { TRANSITIONS_STATEMENT, transitionParameters, type PersistedTransition } from './saga-transition.js';

/** Transitions per statement at most (its arrays grow with it; a bigger one gains little). */
const MAX_BATCH = 64;

interface Queued {
  transition: PersistedTransition;
  resolve: (held: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for one worker's saga transitions: those that become ready while earlier ones are
 * being written go together in one statement (TRANSITIONS_STATEMENT), one round trip and one commit
 * for all. With 16 sagas in flight a worker wrote a statement per step of each; most now share one.
 * A transition waits for no timer: the first of a quiet moment is sent at once.
 */
export class TransitionWriter {
  private readonly queue: Queued[] = [];
  private inFlight = 0;
  private readonly dispatchSoon = onceThisTick(() => this.dispatch());

  constructor(
    private readonly store: EventStore,
    /** The worker whose leases guard every transition it writes. */
    private readonly owner: string,
    /** Statements at once: PostgreSQL runs them on separate cores and flushes their commits together. */
    private readonly maxInFlight = 2,
  ) {}

  /** Writes the transition; false if the worker no longer holds the saga's lease (nothing written). */
  write(transition: PersistedTransition): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ transition, resolve, reject });
      // Transitions readied in the same tick (steps answered by one read) go in one statement.
      this.dispatchSoon();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.dispatch();
      });
    }
  }

  private async send(batch: readonly Queued[]): Promise<void> {
    try {
      const written = await this.store.appendManyWith(
        TRANSITIONS_STATEMENT,
        batch.map((queued) => queued.transition.unit),
        transitionParameters(batch.map((queued) => queued.transition), this.owner),
      );
      written.forEach(({ held }, index) => batch[index]!.resolve(held));
    } catch (error) {
      // The statement is atomic, so nothing of the batch was written: each transition is sent
      // alone, and one saga's failure (its stream written by a worker that took over) stays its own.
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const queued of batch) await this.send([queued]);
    }
  }
}
