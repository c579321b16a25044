import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/** Prometheus text exposition: `name{labels} value` lines with HELP/TYPE headers. */
export class Metrics {
  private readonly lines: string[] = [];

  add(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Record<string, string>, number]>): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const rendered = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
      this.lines.push(`${name}${rendered ? `{${rendered}}` : ''} ${value}`);
    }
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** Lag (events behind the head of the log) and dead letters of some consumers. */
export const consumerMetrics = async (db: Kysely<any>, consumers: readonly string[], metrics: Metrics): Promise<Metrics> => {
  if (consumers.length === 0) return metrics;
  const { rows } = await sql<{ consumer: string; lag: string; dead: string }>`
    SELECT c.name AS consumer,
      coalesce((SELECT max(global_position) FROM es.events), 0) - coalesce(cp.global_position, 0) AS lag,
      (SELECT count(*) FROM es.dead_letters d WHERE d.consumer = c.name AND d.replayed_at IS NULL) AS dead
    FROM unnest(${consumers as string[]}::text[]) AS c(name) LEFT JOIN es.checkpoints cp ON cp.consumer = c.name`.execute(db);
  return metrics
    .add('tracseq_projection_lag_events', 'gauge', 'Events in the log after the consumer checkpoint (approximate).', rows.map((r) => [{ consumer: r.consumer }, Math.max(0, Number(r.lag))]))
    .add('tracseq_dead_letters', 'gauge', 'Events a consumer gave up on, not yet replayed.', rows.map((r) => [{ consumer: r.consumer }, Number(r.dead)]));
};
