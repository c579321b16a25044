import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler } from '../../event-store/command-handler.js';
import type { EventStore } from '../../event-store/event-store.js';
import { AlertCommands, type AlertToRaise } from '../../subgraphs/notifications/commands/alert-commands.js';
import { publishedFacts } from '../../subgraphs/notifications/published-facts.js';
import { nameUuid } from '../../platform/ids.js';
import { slotId } from '../../subgraphs/notifications/domain/alert.js';
import { openEventStore } from '../support/event-store.js';

const TENANT = 'lab-a';
const context = { tenantId: TENANT, actor: 'tester' };

/**
 * Raising is a decision over the alert slot and the alert the slot routes to: these run it through
 * the real command handler and event store, where concurrent writers move the slot between the
 * route being read and the decision being appended.
 */
describe('raising alerts through the command handler', () => {
  let store: EventStore;
  let alerts: AlertCommands;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openEventStore();
    store = opened.store;
    alerts = new AlertCommands(new CommandHandler(store), publishedFacts(store));
    close = () => opened.pool.end();
  });
  afterAll(async () => close?.());

  const condition = (unitId: string, sourceEventId = randomUUID()): AlertToRaise => ({
    kind: 'TEMPERATURE_EXCURSION',
    severity: 'CRITICAL',
    message: 'too warm',
    sourceEventId,
    sampleId: null,
    storageUnitId: unitId,
    sequencingJobId: null,
    subjectId: unitId,
  });
  const typesOf = async (streamId: string) => (await store.readStream(streamId, { tenantId: TENANT })).map((event) => event.type);

  it('opens one alert when the same condition is raised concurrently; the others are re-decided as repeats of it', async () => {
    const unit = randomUUID();
    const written = await Promise.all([1, 2, 3].map(() => alerts.raise(context, condition(unit))));
    const ids = new Set(written.map((write) => write.alert.id));
    expect(ids.size).toBe(1);
    const [alertId] = [...ids];
    expect((await typesOf(`Alert-${alertId}`)).sort()).toEqual(['AlertRaised', 'AlertRepeated', 'AlertRepeated']);
    expect(await typesOf(`AlertSlot-${slotId(TENANT, 'TEMPERATURE_EXCURSION', unit)}`)).toEqual(['AlertSlotOpened']);
  });

  it('joins the open alert when the slot holds one: the raise’s own new alert, tried first, is never written', async () => {
    const unit = randomUUID();
    const open = await alerts.raise(context, condition(unit));
    const source = randomUUID();
    const repeat = await alerts.raise(context, condition(unit, source));
    expect(repeat.alert.id).toBe(open.alert.id);
    expect(await typesOf(`Alert-${open.alert.id}`)).toEqual(['AlertRaised', 'AlertRepeated']);
    const ownNewAlert = nameUuid('alert', `${TENANT}/${source}/TEMPERATURE_EXCURSION/${unit}`);
    expect(await typesOf(`Alert-${ownNewAlert}`)).toEqual([]);
  });

  it('routes a raise after a resolve to a new alert, and a redelivered source event raises nothing', async () => {
    const unit = randomUUID();
    const first = await alerts.raise(context, condition(unit));
    await alerts.resolve(context, first.alert.id, 'fixed');
    const source = randomUUID();
    const second = await alerts.raise(context, condition(unit, source));
    expect(second.alert.id).not.toBe(first.alert.id);
    expect(second.alert.status).toBe('OPEN');
    const again = await alerts.raise(context, condition(unit, source));
    expect(again.alert.id).toBe(second.alert.id);
    expect(await typesOf(`Alert-${second.alert.id}`)).toEqual(['AlertRaised']);
    expect(await typesOf(`AlertSlot-${slotId(TENANT, 'TEMPERATURE_EXCURSION', unit)}`)).toEqual(['AlertSlotOpened', 'AlertSlotCleared', 'AlertSlotOpened']);
  });

  it('gives every subscription mapping the same repeat the alert as that repeat left it, from one read of its stream', async () => {
    const unit = randomUUID();
    const handler = new CommandHandler(store);
    const reads: string[] = [];
    const loadAsOf = handler.loadAsOf.bind(handler);
    handler.loadAsOf = ((...args: Parameters<typeof handler.loadAsOf>) => {
      reads.push(args[3]);
      return loadAsOf(...args);
    }) as typeof handler.loadAsOf;
    const shared = new AlertCommands(handler, publishedFacts(store));
    await shared.raise(context, condition(unit));
    const first = await shared.raise(context, { ...condition(unit), message: 'warmer' });
    const second = await shared.raise(context, { ...condition(unit), message: 'warmest' });
    const [atFirst, atSecond] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => shared.asOf(TENANT, first.alert.id, first.position))),
      Promise.all(Array.from({ length: 20 }, () => shared.asOf(TENANT, first.alert.id, second.position))),
    ]);
    expect(new Set(atFirst.map((alert) => alert?.message))).toEqual(new Set(['warmer']));
    expect(new Set(atSecond.map((alert) => alert?.message))).toEqual(new Set(['warmest']));
    expect(reads.sort()).toEqual([first.position, second.position].sort());
  });
});
