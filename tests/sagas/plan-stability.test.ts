import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';
import { waitUntil } from '../support/wait.js';

/**
 * PostgreSQL keeps a prepared statement's generic plan, made from the statistics of its tables at
 * the time. Statistics taken while a table was (nearly) empty say "one row", and a plan that walks
 * the whole table then looks as cheap as a lookup by key; as the lab's history grows, such a
 * statement costs more with every sample ever submitted (the saga claim once ran its due-list once
 * per instance: 98,000 buffers for 15 sagas after 1,500). Here statistics are taken once (of a young
 * lab; of emptied saga tables), history grows without new ones, and every statement the submission
 * path runs must touch about the same buffers per saga as before the growth.
 */
let system: TestSystem;
let lab: ReturnType<typeof labClient>;
let freezer: string;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
  await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(system.runtime.db);
  const facility = await lab.unit({ name: 'Plan site', kind: 'FACILITY' });
  freezer = await lab.unit({ name: 'Plan freezer', kind: 'FREEZER', parentId: facility, zone: 'MINUS_80' });
  for (let b = 0; b < 2; b++) await lab.unit({ name: `Plan box ${b}`, kind: 'BOX', parentId: freezer, rows: 20, columns: 24 });
});
afterAll(() => system?.stop());

let submitted = 0;
/** Submits `count` sagas in waves of 20 and waits until every one completed. */
const run = async (count: number) => {
  for (let i = 0; i < count; i += 20) {
    const wave = Array.from({ length: Math.min(20, count - i) }, () => `PLAN-${String(submitted++).padStart(5, '0')}`);
    const results = await Promise.all(wave.map((barcode) => lab.gql(`mutation($i: SubmitSampleInput!) { submitSample(input: $i) { saga { id } } }`, { i: { sample: { barcode, sampleType: 'DNA' }, storageUnitId: freezer } })));
    for (const result of results) expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  }
  await waitUntil(async () => {
    const { rows } = await sql<{ open: number; failed: string[] }>`SELECT count(*) FILTER (WHERE status IN ('RUNNING', 'COMPENSATING'))::int AS open,
        coalesce(array_agg(status || ': ' || coalesce(error, '')) FILTER (WHERE status NOT IN ('RUNNING', 'COMPENSATING', 'COMPLETED')), '{}') AS failed
      FROM sagas.instances /* plan-stability: the test's own count */`.execute(system.runtime.db);
    expect(rows[0]!.failed).toEqual([]);
    return rows[0]!.open === 0;
  }, 120_000, 'sagas completed');
};

interface Cost {
  query: string;
  calls: number;
  blocks: number;
}
/** Shared buffers each statement of this database touched while `count` sagas ran. */
const measure = async (count: number): Promise<Map<string, Cost>> => {
  await sql`SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`.execute(system.runtime.db);
  await run(count);
  const { rows } = await sql<Cost & { id: string }>`
    SELECT queryid::text AS id, query, calls::int AS calls, (shared_blks_hit + shared_blks_read)::int AS blocks FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%plan-stability%'`.execute(system.runtime.db);
  return new Map(rows.map(({ id, ...cost }) => [id, cost]));
};

/** Statements whose buffers per saga grew more than twice (plus 20) from `early` to `late`. */
const grownBetween = (early: Map<string, Cost>, late: Map<string, Cost>, sagas: number): string[] => {
  const grown: string[] = [];
  for (const [id, before] of early) {
    const after = late.get(id);
    if (!after) continue;
    const perSagaBefore = before.blocks / sagas;
    const perSagaAfter = after.blocks / sagas;
    if (perSagaAfter > 2 * perSagaBefore + 20) grown.push(`${perSagaBefore.toFixed(1)} → ${perSagaAfter.toFixed(1)} buffers per saga (${before.calls} → ${after.calls} calls): ${after.query.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  return grown;
};

describe('statement plans as the history grows', () => {
  const MEASURED = 40;

  it('costs each statement of the submission path the same per saga after five times the history', async () => {
    // Statistics of a young lab (autovacuum analyses a table after its first 50 changes); the
    // connections plan their statements from here on.
    await run(20);
    await sql`ANALYZE`.execute(system.runtime.db);
    await run(40);
    const early = await measure(MEASURED);
    // History goes from 100 to 500 sagas: a statement that walks it costs about five times more.
    await run(400);
    const late = await measure(MEASURED);
    expect(early.size).toBeGreaterThan(10);
    const grown = grownBetween(early, late, MEASURED);
    expect(grown, grown.join('\n')).toEqual([]);
  });

  it('costs the same per saga after the saga tables were emptied and analysed, as history grows again', async () => {
    // A retention job's aftermath: statistics that say the tables are empty however they grow
    // (no rows on pages that exist), so no re-planning helps; the statements must go by key. The
    // worker's claim once ran its due-list once per instance under them.
    await sql`DELETE FROM sagas.steps`.execute(system.runtime.db);
    await sql`DELETE FROM sagas.instances`.execute(system.runtime.db);
    await sql`ANALYZE sagas.instances, sagas.steps`.execute(system.runtime.db);
    const early = await measure(MEASURED);
    await run(300);
    const late = await measure(MEASURED);
    const grown = grownBetween(early, late, MEASURED);
    expect(grown, grown.join('\n')).toEqual([]);
  });
});
