import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A fresh, empty database for one test file, in its worker's PostgreSQL. */
export const createTestDatabase = async (): Promise<string> => {
  const urls = inject('adminDatabaseUrls');
  const admin = urls[(Number(process.env.VITEST_POOL_ID ?? '1') - 1) % urls.length]!;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return admin.replace(/\/postgres$/, `/${name}`);
};
