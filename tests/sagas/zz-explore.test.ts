import { afterAll, beforeAll, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';

let system: TestSystem;
beforeAll(async () => { system = await startTestSystem(); });
afterAll(() => system?.stop());
it('explores', async () => {
  const lab = labClient(system);
  await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(system.runtime.db);
  const facility = await lab.unit({ name: 'Plan site', kind: 'FACILITY' });
  const freezer = await lab.unit({ name: 'Plan freezer', kind: 'FREEZER', parentId: facility, zone: 'MINUS_80' });
  for (let b = 0; b < 2; b++) await lab.unit({ name: `Plan box ${b}`, kind: 'BOX', parentId: freezer, rows: 20, columns: 24 });
  await sql`ANALYZE`.execute(system.runtime.db);
  for (let i = 0; i < 300; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => lab.gql(`mutation($i: SubmitSampleInput!) { submitSample(input: $i) { saga { id } } }`, { i: { sample: { barcode: `XPLORE-${i + j}`, sampleType: 'DNA' }, storageUnitId: freezer } })));
  await new Promise((r) => setTimeout(r, 8000));
  const c = new pg.Client({ connectionString: (system.runtime.config as any).databaseUrl });
  await c.connect();
  const text = (await c.query(`select query from pg_stat_statements where query like 'WITH asked%' limit 1`)).rows[0].query;
  const s = (await c.query(`select stream_id, tenant_id from es.events where stream_type = 'Sample' order by global_position desc limit 1`)).rows[0];
  const k = (await c.query(`select tenant_id, scope, key from es.idempotency_keys limit 1`)).rows[0];
  await c.query(`PREPARE q AS ${text}`);
  for (const mode of ['force_custom_plan', 'force_generic_plan']) {
    await c.query(`SET plan_cache_mode = ${mode}`);
    const plan = await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS ON) EXECUTE q(${c.escapeLiteral(`{${s.stream_id}}`)}, '{1}', ${c.escapeLiteral(s.tenant_id)}, ${c.escapeLiteral(k.scope)}, ${c.escapeLiteral(k.key + 'x')}, 1, true, 0, true)`);
    console.log(`== ${mode}\n` + plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  console.log((await c.query(`select relname, reltuples, relpages, pg_relation_size(oid)/8192 as pages from pg_class where relname in ('events','snapshots','idempotency_keys')`)).rows);
  await c.end();
});
