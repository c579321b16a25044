import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { EventConsumer } from '../projection.js';
import type { Event, StoredEvent } from '../types.js';
import { streamTypeOf } from '../types.js';

/**
 * Stamps plain events as the log would store them, in order: one stream per `streamId` (versions
 * counted per stream), increasing global positions, one transaction each.
 */
export const storedEvents = (
  events: ReadonlyArray<Event & { streamId: string }>,
  base: { tenantId?: string; occurredAt?: string; actor?: string | null } = {},
): StoredEvent[] => {
  const versions = new Map<string, number>();
  const tenantId = base.tenantId ?? 'spec-tenant';
  const occurredAt = base.occurredAt ?? '2026-01-01T00:00:00.000Z';
  return events.map(({ streamId, type, data }, index) => {
    const streamVersion = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, streamVersion);
    const globalPosition = String(index + 1);
    const transactionId = String(1000 + index);
    return {
      type,
      data,
      eventId: randomUUID(),
      streamId,
      streamType: streamTypeOf(streamId),
      streamVersion,
      globalPosition,
      transactionId,
      position: `${transactionId}:${globalPosition}`,
      tenantId,
      occurredAt,
      schemaVersion: 1,
      metadata: { correlationId: randomUUID(), tenantId, actor: base.actor ?? 'spec', occurredAt },
    };
  });
};

/**
 * A read model's spec against a real database: applies `events` (each in its own transaction, as a
 * runner would), reads the rows, applies each event a second time (a redelivery or replay) and
 * asserts after each that the rows did not change. A read model that applies batches (`applyBatch`)
 * is then emptied and fed the same events as one batch, and again in batches of two (a redelivery
 * overlapping a batch), and must show the same rows after each. Returns the rows for the spec's own expectations.
 */
export const projectionSpec = async <Rows>(
  db: Kysely<any>,
  consumer: EventConsumer,
  events: readonly StoredEvent[],
  readRows: (db: Kysely<any>) => Promise<Rows>,
): Promise<Rows> => {
  const applyAll = async () => {
    for (const event of events) {
      if (!consumer.handles.has(event.type)) continue;
      await db.transaction().execute((trx) => consumer.apply(trx, event));
    }
  };
  await applyAll();
  const once = await readRows(db);
  // Each event delivered again on its own (a redelivery or replay), checked after each: a guard that
  // only holds when the newest event comes last would pass a replay of everything in order.
  for (const event of events) {
    if (!consumer.handles.has(event.type)) continue;
    await db.transaction().execute((trx) => consumer.apply(trx, event));
    assert.deepEqual(await readRows(db), once, `${consumer.name}: applying ${event.type} (${event.streamId} v${event.streamVersion}) again changed the rows`);
  }
  if (consumer.applyBatch) {
    assert.ok(consumer.reset, `${consumer.name}: a read model that applies batches needs reset() for its spec`);
    const handled = events.filter((event) => consumer.handles.has(event.type));
    await db.transaction().execute((trx) => consumer.reset!(trx));
    await db.transaction().execute((trx) => consumer.applyBatch!(trx, handled));
    assert.deepEqual(await readRows(db), once, `${consumer.name}: one batch left other rows than the events one by one`);
    for (let i = 0; i < handled.length; i++) {
      await db.transaction().execute((trx) => consumer.applyBatch!(trx, handled.slice(i, i + 2)));
      assert.deepEqual(await readRows(db), once, `${consumer.name}: applying a batch of two from event ${i} again changed the rows`);
    }
  }
  return once;
};
