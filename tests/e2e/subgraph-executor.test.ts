import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

/**
 * The rest of the suite runs the subgraphs on graphql-jit, the default. SUBGRAPH_EXECUTOR=graphql-js
 * is the operator's fallback: the same answers, pages, federated reads and typed errors.
 */
let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem({ SUBGRAPH_EXECUTOR: 'graphql-js' });
  lab = labClient(system);
});
afterAll(() => system?.stop());

describe('subgraphs executing with graphql-js (SUBGRAPH_EXECUTOR=graphql-js)', () => {
  it('answers pages with their count, federated fields and typed errors as with the compiled executor', async () => {
    const ids: string[] = [];
    for (const barcode of ['EXEC-0001', 'EXEC-0002', 'EXEC-0003']) ids.push(await lab.validatedSample(barcode));
    const page = await lab.gql(`{ samples(first: 2, filter: { barcodePrefix: "EXEC-" }) { totalCount edges { node { barcode status location { label } sequencingJobs { name } alerts { kind } } } pageInfo { hasNextPage } } }`);
    expect(page.errors).toBeUndefined();
    expect(page.data.samples).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    expect(page.data.samples.edges).toHaveLength(2);
    expect(page.data.samples.edges[0].node).toMatchObject({ status: 'VALIDATED', location: null, sequencingJobs: [], alerts: [] });
    const refused = await lab.gql(`mutation($id: ID!) { archiveSample(id: $id) { position } }`, { id: ids[0] });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'VALIDATED', to: 'ARCHIVED' });
  });
});
