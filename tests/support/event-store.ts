import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { EventStore, type EventStoreOptions } from '../../event-store/event-store.js';
import { eventStoreMigrations } from '../../event-store/schema.js';
import type { EventMetadata } from '../../event-store/types.js';
import { createPool } from '../../platform/database.js';
import { runMigrations, type MigrationSet } from '../../event-store/migrations.js';
import { createTestDatabase } from './database.js';

export const openEventStore = async (options: EventStoreOptions = {}, migrations: MigrationSet[] = []): Promise<{ url: string; pool: pg.Pool; store: EventStore }> => {
  const url = await createTestDatabase();
  const pool = createPool(url, 40);
  await runMigrations(pool, [eventStoreMigrations, ...migrations]);
  return { url, pool, store: new EventStore(pool, options) };
};

export const meta = (tenantId = 'lab-a'): EventMetadata => ({
  correlationId: randomUUID(),
  tenantId,
  actor: 'tester',
  occurredAt: new Date().toISOString(),
});
