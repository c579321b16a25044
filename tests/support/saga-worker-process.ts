/**
 * A saga worker in its own process, for the crash-recovery test: it runs `submitSample-slow`, whose
 * storeSample step stalls before doing anything, so the test can SIGKILL it mid-step.
 * env: DATABASE_URL, SUBGRAPH_URLS (JSON), INTERNAL_SECRET, SAGA_LEASE_MS.
 */
import { EventStore } from '../../event-store/event-store.js';
import { createKysely, createPool, createStorePool } from '../../platform/database.js';
import { SagaWorker } from '../../sagas/orchestrator/saga-worker.js';
import { slowStoreSaga } from './saga-variants.js';

const pool = createPool(process.env.DATABASE_URL!, 10);
new SagaWorker({
  db: createKysely(pool),
  store: new EventStore(createStorePool(process.env.DATABASE_URL!, 2)),
  definitions: [slowStoreSaga(60_000)],
  subgraphUrls: JSON.parse(process.env.SUBGRAPH_URLS!),
  internalSecret: process.env.INTERNAL_SECRET!,
  leaseMs: Number(process.env.SAGA_LEASE_MS),
  pollMs: 50,
}).start();
console.log('worker started');
