import type pg from 'pg';
import { progress, type ProgressOutput } from './progress.js';

/**
 * After a rebuild rewound a projection, follows its runner (wherever it runs) through the log with
 * progress, until it reaches the head as it was at the start. Positions stand in for events (the
 * log's positions are dense but for rolled-back appends). Returns false when nothing moved for
 * `stallMs`: no runner is active for it, which the message says.
 */
export const followRebuild = async (pool: pg.Pool, consumer: string, options: { out?: ProgressOutput; stallMs?: number; pollMs?: number } = {}): Promise<boolean> => {
  const stallMs = options.stallMs ?? 30_000;
  const head = Number((await pool.query<{ head: string }>('SELECT coalesce(max(global_position), 0) AS head FROM es.events')).rows[0]!.head);
  const bar = progress({ label: `rebuild ${consumer}`, total: head, unit: 'events', out: options.out });
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const { rows } = await pool.query<{ position: string }>('SELECT global_position AS position FROM es.checkpoints WHERE consumer = $1', [consumer]);
    const position = Math.min(head, Number(rows[0]?.position ?? 0));
    if (position !== last) {
      last = position;
      movedAt = Date.now();
      bar.update(position);
    }
    if (position >= head) {
      bar.finish('caught up');
      return true;
    }
    if (Date.now() - movedAt > stallMs) {
      bar.finish(`no progress for ${Math.round(stallMs / 1000)}s: no runner is active for ${consumer}. Start its projections role (or npm start); it replays the log from where it is.`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
};
