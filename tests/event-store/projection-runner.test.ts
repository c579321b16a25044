import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ProjectionRunner } from '../../event-store/projection-runner.js';
import { openProjectionFixtures, type ProjectionFixtures } from '../support/projection-fixtures.js';
import { waitUntil } from '../support/wait.js';

/**
 * What only the postgres bus promises: one active runner per projection across processes. (Kafka
 * spreads partitions over a group's members instead; tests/projections covers both buses.)
 */
let fx: ProjectionFixtures;
beforeAll(async () => {
  fx = await openProjectionFixtures();
});
afterAll(async () => fx?.close());

describe('the postgres projection runner', () => {
  it('runs one active instance per projection; a standby takes over when it stops', async () => {
    const name = 'single-leader';
    const a = new ProjectionRunner(fx.db, fx.store, fx.listener, fx.logging(name));
    const b = new ProjectionRunner(fx.db, fx.store, fx.listener, fx.logging(name));
    await a.start();
    await waitUntil(() => a.active, 5000, 'a active');
    await b.start();
    onTestFinished(() => b.stop());
    await fx.appendTicks(name, 3, 20, 'L');
    await waitUntil(async () => (await fx.applied(name)).total >= 60, 10_000, 'leader applied');
    expect([a.active, b.active]).toEqual([true, false]);
    await a.stop();
    await waitUntil(() => b.active, 5000, 'standby takes over');
    await fx.appendTicks(name, 3, 5, 'L2');
    await waitUntil(async () => (await fx.applied(name)).total >= 75, 10_000, 'standby applied');
    expect(await fx.applied(name)).toMatchObject({ total: 75, distinct: 75 });
  });
});
