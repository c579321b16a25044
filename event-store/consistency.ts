import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { PgListener } from './bus/pg-listener.js';
import { checkpointOfRow, compareCheckpoints, parsePosition, type Checkpoint } from './position.js';
import { CHECKPOINTS_CHANNEL } from './projection-runner.js';

/**
 * Read-your-writes: waits until every named projection has applied the log up to a position.
 * Checkpoints arrive by NOTIFY, so a waiting request costs no queries after the first.
 */
export class ConsistencyWaiter {
  private readonly known = new Map<string, Checkpoint>();
  private readonly changes = new EventEmitter();

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
    private readonly consumers: readonly string[],
  ) {
    this.changes.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.listener.on(CHECKPOINTS_CHANNEL, this.onCheckpoint);
    await this.listener.listen(CHECKPOINTS_CHANNEL);
  }

  stop(): void {
    this.listener.off(CHECKPOINTS_CHANNEL, this.onCheckpoint);
  }

  private readonly onCheckpoint = (payload: string) => {
    const [consumer, position] = payload.split(' ');
    if (!consumer || !position || !this.consumers.includes(consumer)) return;
    this.advance(consumer, parsePosition(position));
  };

  private advance(consumer: string, checkpoint: Checkpoint): void {
    const previous = this.known.get(consumer);
    if (previous && compareCheckpoints(previous, checkpoint) >= 0) return;
    this.known.set(consumer, checkpoint);
    this.changes.emit('change');
  }

  private reached(target: Checkpoint): boolean {
    return this.consumers.every((consumer) => {
      const at = this.known.get(consumer);
      return at !== undefined && compareCheckpoints(at, target) >= 0;
    });
  }

  private async refresh(): Promise<void> {
    const found = await this.pool.query<{ consumer: string; transaction_id: string; global_position: string }>(
      'SELECT consumer, transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = ANY($1::text[])',
      [this.consumers],
    );
    for (const row of found.rows) {
      this.advance(row.consumer, checkpointOfRow(row));
    }
  }

  /** Resolves true once the read models include `position`, false after `timeoutMs`. */
  async waitFor(position: string, timeoutMs: number): Promise<boolean> {
    const target = parsePosition(position);
    if (this.reached(target)) return true;
    await this.refresh();
    if (this.reached(target)) return true;
    return new Promise((resolve) => {
      const onChange = () => {
        if (!this.reached(target)) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (result: boolean) => {
        clearTimeout(timer);
        this.changes.off('change', onChange);
        resolve(result);
      };
      this.changes.on('change', onChange);
    });
  }
}
