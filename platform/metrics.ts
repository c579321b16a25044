import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * Every /metrics is prom-client: the process's default metrics (one registry per process, since
 * the all-in-one start runs every role in one process and the figures are the process's), then the
 * role's own registry, then figures a subgraph computes per scrape (saga states) via `Metrics`.
 */
let processRegistry: Registry | null = null;
const processMetrics = (): Registry => {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
};

/** Per-scrape figures with the shape `add(name, type, help, samples)`: a subgraph's own (e.g. saga states). */
export class Metrics {
  readonly registry = new Registry();

  add(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Record<string, string>, number]>): this {
    const labelNames = [...new Set(samples.flatMap(([labels]) => Object.keys(labels)))];
    const metric = type === 'gauge' ? new Gauge({ name, help, labelNames, registers: [this.registry] }) : new Counter({ name, help, labelNames, registers: [this.registry] });
    for (const [labels, value] of samples) {
      if (metric instanceof Gauge) metric.set(labels, value);
      else metric.inc(labels, value);
    }
    return this;
  }
}

/** The /metrics route: process metrics, the role's registry, and optional per-scrape figures. */
export const metricsRoute = (role: Registry, perScrape?: (metrics: Metrics) => Promise<void>) => async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
  let scrape = new Metrics();
  try {
    await perScrape?.(scrape);
  } catch {
    scrape = new Metrics();
  }
  const parts = await Promise.all([processMetrics().metrics(), role.metrics(), scrape.registry.metrics()]);
  res.setHeader('content-type', role.contentType);
  res.end(parts.filter((part) => part.trim() !== '').join('\n'));
};

/** Clients of a pg pool, read at scrape time: saturation (busy = max, waiting > 0) means queries queue. */
export const poolMetrics = (registry: Registry, pool: pg.Pool, name: string): void => {
  const max = (pool.options as { max?: number }).max ?? 10;
  new Gauge({
    name: 'tracseq_pg_pool_clients',
    help: 'PostgreSQL pool clients by state (busy: checked out; idle: open, free).',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      this.set({ pool: name, state: 'busy' }, pool.totalCount - pool.idleCount);
      this.set({ pool: name, state: 'idle' }, pool.idleCount);
    },
  });
  new Gauge({
    name: 'tracseq_pg_pool_waiting_requests',
    help: 'Queries waiting for a free PostgreSQL pool client.',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.set({ pool: name }, pool.waitingCount);
    },
  });
  new Gauge({
    name: 'tracseq_pg_pool_max_clients',
    help: 'Size limit of the PostgreSQL pool.',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.set({ pool: name }, max);
    },
  });
};

/** Lag (events behind the head of the log) and dead letters of some consumers, queried per scrape. */
export const consumerMetrics = (registry: Registry, db: Kysely<any>, consumers: readonly string[]): void => {
  let pending: Promise<Array<{ consumer: string; lag: number; dead: number }>> | null = null;
  // Both gauges come from one query; the promise is shared by the two collects of one scrape.
  const read = async () =>
    consumers.length === 0 ? [] : (pending ??= sql<{ consumer: string; lag: string; dead: string }>`
      SELECT c.name AS consumer,
        coalesce((SELECT max(global_position) FROM es.events), 0) - coalesce(cp.global_position, 0) AS lag,
        (SELECT count(*) FROM es.dead_letters d WHERE d.consumer = c.name AND d.replayed_at IS NULL) AS dead
      FROM unnest(${consumers as string[]}::text[]) AS c(name) LEFT JOIN es.checkpoints cp ON cp.consumer = c.name`
      .execute(db)
      .then(({ rows }) => rows.map((r) => ({ consumer: r.consumer, lag: Math.max(0, Number(r.lag)), dead: Number(r.dead) })))
      // With the database away the process figures still matter; these two go absent (alertable).
      .catch(() => [])
      .finally(() => setImmediate(() => (pending = null))));
  new Gauge({
    name: 'tracseq_projection_lag_events',
    help: 'Events in the log after the consumer checkpoint (approximate).',
    labelNames: ['consumer'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await read()) this.set({ consumer: row.consumer }, row.lag);
    },
  });
  new Gauge({
    name: 'tracseq_dead_letters',
    help: 'Events a consumer gave up on, not yet replayed.',
    labelNames: ['consumer'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await read()) this.set({ consumer: row.consumer }, row.dead);
    },
  });
};

/** A counter whose value lives elsewhere (read at scrape time). */
export const externalCounter = (registry: Registry, options: { name: string; help: string; labels: Record<string, string>; read: () => number }): void => {
  new Counter({
    name: options.name,
    help: options.help,
    labelNames: Object.keys(options.labels),
    registers: [registry],
    collect() {
      this.reset();
      this.inc(options.labels, options.read());
    },
  });
};

export { Registry };
