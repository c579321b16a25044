/**
 * A saga worker that SIGKILLs itself at one fault point (the fault-injection test): no cleanup, no
 * rollback but PostgreSQL's own, as when a machine dies.
 * env: DATABASE_URL, SUBGRAPH_URLS (JSON), INTERNAL_SECRET, SAGA_LEASE_MS, SAGA_TYPE,
 *      FAULT (a FaultPoint), FAULT_AT (the step, `<step>:undo`, or the event type to die at).
 */
import { EventStore } from '../../event-store/event-store.js';
import { createKysely, createPool, createStorePool } from '../../platform/database.js';
import { SagaWorker, type FaultPoint } from '../../sagas/orchestrator/saga-worker.js';
import { variantOf } from './variants.js';

const pool = createPool(process.env.DATABASE_URL!, 4);
new SagaWorker({
  db: createKysely(pool),
  store: new EventStore(createStorePool(process.env.DATABASE_URL!, 2)),
  definitions: [variantOf(process.env.SAGA_TYPE!)],
  subgraphUrls: JSON.parse(process.env.SUBGRAPH_URLS!),
  internalSecret: process.env.INTERNAL_SECRET!,
  leaseMs: Number(process.env.SAGA_LEASE_MS),
  pollMs: 50,
  faults: (point: FaultPoint, where) => {
    if (point === process.env.FAULT && (where.step === process.env.FAULT_AT || where.event === process.env.FAULT_AT)) process.kill(process.pid, 'SIGKILL');
  },
}).start();
