import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createKysely, createPool } from '../../platform/database.js';
import { nameStatements } from '../../platform/named-statements.js';
import { createTestDatabase } from '../support/database.js';
import { sql } from 'kysely';

let url: string;
let admin: pg.Pool;

beforeAll(async () => {
  url = await createTestDatabase();
  admin = new pg.Pool({ connectionString: url, max: 2 });
});
afterAll(() => admin.end());

/** The statements this connection has prepared, by text (pg_prepared_statements is per session). */
const preparedOn = async (query: (text: string) => Promise<pg.QueryResult>) =>
  (await query('SELECT statement FROM pg_prepared_statements ORDER BY statement')).rows.map((row) => row.statement as string);

describe('read-model connections prepare their statements by name', () => {
  it('prepares a parameterised statement once per connection, for any values, and leaves the rest unnamed', async () => {
    const pool = createPool(url, 1);
    try {
      const db = createKysely(pool);
      const sums = [];
      for (const n of [1, 2, 3]) sums.push((await pool.query('SELECT $1::int + 1 AS n', [n])).rows[0].n);
      const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
      const found = await sql<{ id: string }>`SELECT id FROM unnest(${ids}::uuid[]) AS t(id) WHERE id = ANY(${ids.slice(1)}::uuid[])`.execute(db);
      await pool.query('SELECT 1');
      expect(sums).toEqual([2, 3, 4]);
      expect(found.rows).toEqual([{ id: ids[1] }]);
      const prepared = await preparedOn((text) => pool.query(text));
      expect(prepared).toEqual(expect.arrayContaining(['SELECT $1::int + 1 AS n', expect.stringContaining('unnest($1::uuid[])')]));
      expect(prepared).toHaveLength(2);
    } finally {
      await pool.end();
    }
  });

  it('answers a SELECT * prepared before another process adds a column, with the new column', async () => {
    await admin.query('CREATE TABLE widened (id int PRIMARY KEY, name text)');
    await admin.query(`INSERT INTO widened VALUES (1, 'one')`);
    const pool = createPool(url, 1);
    try {
      const db = createKysely(pool);
      const viaKysely = async () => (await sql`select * from widened where id = ${1}`.execute(db)).rows;
      expect((await pool.query('SELECT * FROM widened WHERE id = $1', [1])).rows).toEqual([{ id: 1, name: 'one' }]);
      expect(await viaKysely()).toEqual([{ id: 1, name: 'one' }]);
      // A rolling deploy: the next version's migration runs while this connection keeps its plan.
      await admin.query('ALTER TABLE widened ADD COLUMN zone text DEFAULT $$MINUS_80$$');
      expect((await pool.query('SELECT * FROM widened WHERE id = $1', [1])).rows).toEqual([{ id: 1, name: 'one', zone: 'MINUS_80' }]);
      expect(await viaKysely()).toEqual([{ id: 1, name: 'one', zone: 'MINUS_80' }]);
      // Inside a transaction the stale plan aborts it (PostgreSQL's doing); the caller's retry succeeds.
      expect((await pool.query('SELECT * FROM widened WHERE name = $1', ['one'])).rows).toHaveLength(1);
      await admin.query('ALTER TABLE widened ADD COLUMN kind text DEFAULT $$BOX$$');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await expect(client.query('SELECT * FROM widened WHERE name = $1', ['one'])).rejects.toMatchObject({ code: '0A000' });
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        expect((await client.query('SELECT * FROM widened WHERE name = $1', ['one'])).rows).toEqual([{ id: 1, name: 'one', zone: 'MINUS_80', kind: 'BOX' }]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('keeps at most its bound of statements per connection, and runs the others unnamed', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      nameStatements(client, 3);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push((await client.query(`SELECT $1::int * ${i + 1} AS n`, [2])).rows[0].n);
      for (let i = 0; i < 5; i++) answers.push((await client.query(`SELECT $1::int * ${i + 1} AS n`, [3])).rows[0].n);
      expect(answers).toEqual([2, 4, 6, 8, 10, 3, 6, 9, 12, 15]);
      expect(await preparedOn((text) => client.query(text))).toEqual(['SELECT $1::int * 1 AS n', 'SELECT $1::int * 2 AS n', 'SELECT $1::int * 3 AS n']);
    } finally {
      await client.end();
    }
  });

  it('prepares a statement again as its executions grow fourfold, so a plan made on a small table does not outlive its growth', async () => {
    await admin.query('CREATE TABLE grown (k text PRIMARY KEY, v int)');
    await admin.query(`INSERT INTO grown VALUES ('k0', 0)`);
    // Statistics of a one-row table: a scan is its cheapest plan, and stays the plan of a generic one.
    await admin.query('ANALYZE grown');
    const pool = createPool(url, 1, undefined, { genericPlans: true });
    try {
      const client = await pool.connect();
      try {
        const probe = (k: string) => client.query({ name: 'grown_probe', text: 'SELECT v FROM grown WHERE k = $1', values: [k] });
        const plan = async (name: string) => (await client.query(`EXPLAIN (COSTS OFF) EXECUTE ${name}('k1')`)).rows.map((row) => row['QUERY PLAN']).join('\n');
        const prepared = async () => (await client.query(`SELECT name FROM pg_prepared_statements ORDER BY prepare_time`)).rows.map((row) => row.name as string);
        for (let i = 0; i < 16; i++) expect((await probe('k0')).rows).toEqual([{ v: 0 }]);
        expect(await plan('grown_probe')).toContain('Seq Scan');
        await admin.query(`INSERT INTO grown SELECT 'k' || n, n FROM generate_series(1, 20000) AS n`);
        // The seventeenth execution prepares it again: planned from the table's size now, a lookup by key.
        expect((await probe('k1')).rows).toEqual([{ v: 1 }]);
        expect(await plan('grown_probe_r1')).toMatch(/Index (Only )?Scan/);
        // Retired statements stay prepared until eight wait, then go in one DEALLOCATE outside a transaction.
        expect(await prepared()).toEqual(['grown_probe', 'grown_probe_r1']);
        const other = (n: number) => client.query({ name: `grown_other_${n}`, text: `SELECT v + ${n} AS v FROM grown WHERE k = $1`, values: ['k3'] });
        await client.query('BEGIN');
        for (let n = 1; n <= 7; n++) for (let run = 0; run < 17; run++) await other(n);
        expect(await prepared()).toHaveLength(2 + 7 * 2);
        await client.query('COMMIT');
        expect((await other(1)).rows).toEqual([{ v: 4 }]);
        expect(await prepared()).toEqual(['grown_probe_r1', ...Array.from({ length: 7 }, (_, i) => `grown_other_${i + 1}_r1`)]);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('deallocates retired statements on the callback path pg-pool takes, answering every query in order', async () => {
    await admin.query('CREATE TABLE pooled (k int PRIMARY KEY)');
    await admin.query('INSERT INTO pooled SELECT generate_series(1, 100)');
    const pool = createPool(url, 1, undefined, { genericPlans: true });
    try {
      // pool.query hands the connection a callback: the path every read model's query takes.
      const run = (n: number, k: number) => pool.query({ name: `pooled_${n}`, text: `SELECT k * ${n} AS v FROM pooled WHERE k = $1`, values: [k] });
      const answers: number[] = [];
      for (let n = 1; n <= 8; n++) for (let k = 1; k <= 17; k++) answers.push((await run(n, k)).rows[0].v);
      expect(answers).toEqual(Array.from({ length: 8 }, (_, i) => Array.from({ length: 17 }, (_, j) => (i + 1) * (j + 1))).flat());
      // One retired per statement at its seventeenth run; the eighth retirement deallocates all eight
      // (one round trip) before its own statement runs, through the callback.
      const [after, prepared] = await Promise.all([run(1, 50), preparedOn((text) => pool.query(text))]);
      expect(after.rows).toEqual([{ v: 50 }]);
      expect(prepared.filter((text) => text.includes('pooled'))).toHaveLength(8);
      const names = (await pool.query(`SELECT name FROM pg_prepared_statements WHERE statement LIKE '%pooled%' ORDER BY name`)).rows.map((row) => row.name);
      expect(names).toEqual(Array.from({ length: 8 }, (_, i) => `pooled_${i + 1}_r1`));
    } finally {
      await pool.end();
    }
  });
});
