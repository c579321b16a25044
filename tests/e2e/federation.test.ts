import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { STORAGE_PROJECTION } from '../../subgraphs/storage/read-model/storage-projection.js';
import { labClient } from '../support/lab.js';
import { askWhileHeld } from '../support/log-holds.js';
import { waitUntil } from '../support/wait.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;
let stored: string[] = [];
let rejected: string[] = [];
let jobId = '';

const SAMPLES_WITH_EVERYTHING = `query($first: Int, $prefix: String = "FED-") { samples(first: $first, filter: { projectCode: "FED", barcodePrefix: $prefix }) {
  edges { node { barcode status location { label unit { name parent { name } } } custody { action } sequencingJobs { name status } alerts { kind severity } } } } }`;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
  const csv = ['barcode,sampleType,projectCode', ...Array.from({ length: 200 }, (_, i) => `FED-${String(i).padStart(4, '0')},DNA,FED`)].join('\n');
  const imported = await lab.mutate(`mutation($csv: String!) { importSamples(csv: $csv) { position imported { id } errors { row message } } }`, { csv });
  expect(imported.errors).toEqual([]);
  const ids: string[] = imported.imported.map((s: { id: string }) => s.id);
  const { positions } = await lab.freezerWithBox('Fed', 'MINUS_80', 2, 10);
  stored = ids.slice(0, 10);
  rejected = ids.slice(190);
  const labels = Object.keys(positions);
  for (const [i, id] of stored.entries()) {
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id });
    await lab.mutate(`mutation($id: ID!) { validateSample(id: $id) { position } }`, { id });
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: id, p: positions[labels[i]!] });
  }
  for (const id of rejected) await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "label unreadable") { position } }`, { id });
  jobId = (await lab.mutate(`mutation { createSequencingJob(input: { name: "Fed run", platform: MISEQ }) { position job { id } } }`)).job.id;
  const indexes = ['AAAAAAAA', 'CCCCCCCC', 'GGGGGGGG', 'TTTTTTTT', 'ACACACAC'];
  // IN_STORAGE comes from a policy over storage's events: wait for all ten (on Kafka, streams' events need not apply in log order).
  await lab.eventually(`{ samples(filter: { projectCode: "FED", status: [IN_STORAGE] }) { totalCount } }`, {}, (d) => d.samples.totalCount === stored.length, 'stored samples IN_STORAGE');
  for (const [i, id] of stored.slice(0, 5).entries()) {
    await lab.mutate(`mutation($j: ID!, $s: ID!, $i7: String!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: $i7, lane: 1) { position } }`, { j: jobId, s: id, i7: indexes[i] });
  }
  await lab.eventually(`{ alerts(first: 500) { totalCount } }`, {}, (d) => d.alerts.totalCount >= 10, 'rejection alerts');
});
afterAll(() => system?.stop());

describe('one query across all four subgraphs', () => {
  it('resolves samples with location, custody, jobs and alerts from storage, sequencing and notifications', async () => {
    const read = await lab.gql(SAMPLES_WITH_EVERYTHING, { first: 200 });
    expect(read.errors).toBeUndefined();
    const nodes = read.data.samples.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(200);
    const first = nodes.find((n: any) => n.barcode === 'FED-0000');
    expect(first).toEqual({
      barcode: 'FED-0000',
      status: 'IN_STORAGE',
      location: { label: 'A1', unit: { name: 'Fed box 1', parent: { name: 'Fed rack 1' } } },
      custody: [{ action: 'STORED' }],
      sequencingJobs: [{ name: 'Fed run', status: 'PENDING' }],
      alerts: [],
    });
    const last = nodes.find((n: any) => n.barcode === 'FED-0199');
    expect(last).toMatchObject({ status: 'REJECTED', location: null, sequencingJobs: [], alerts: [{ kind: 'SAMPLE_REJECTED', severity: 'INFO' }] });
  });

  it('resolves an alert’s sample, its storage location and the job from other subgraphs', async () => {
    const read = await lab.gql(`{ alerts(first: 1) { edges { node { kind message sample { barcode status location { label } sequencingJobs { id } } storageUnit { id } sequencingJob { id } } } } }`);
    expect(read.errors).toBeUndefined();
    expect(read.data.alerts.edges[0].node).toMatchObject({ kind: 'SAMPLE_REJECTED', sample: { status: 'REJECTED', location: null, sequencingJobs: [] }, storageUnit: null, sequencingJob: null });
    const job = await lab.gql(`query($j: ID!) { sequencingJob(id: $j) { samples { lane sample { barcode location { label } } } } }`, { j: jobId });
    expect(job.data.sequencingJob.samples[0]).toEqual({ lane: 1, sample: { barcode: 'FED-0000', location: { label: 'A1' } } });
  });

  it('batches entity lookups: a constant, small number of SQL statements per subgraph, however many samples', async () => {
    const count = async (first: number, prefix: string) => {
      const before = new Map(system.runtime.sqlStatements);
      const read = await lab.gql(SAMPLES_WITH_EVERYTHING, { first, prefix });
      expect(read.errors).toBeUndefined();
      expect(read.data.samples.edges).toHaveLength(first);
      expect(read.data.samples.edges.filter((e: any) => e.node.location).length).toBe(10);
      return Object.fromEntries([...system.runtime.sqlStatements].map(([name, n]) => [name, n - (before.get(name) ?? 0)]));
    };
    // FED-0000…FED-0009 are the stored ones: both pages hold all 10 stored samples and their jobs.
    const few = await count(10, 'FED-000');
    const many = await count(200, 'FED-');
    expect(many).toEqual(few);
    // samples: the page; storage: locations + custody, then units, then their parents; sequencing: jobs of samples; notifications: alerts of samples.
    expect(many.samples).toBeLessThanOrEqual(1);
    expect(many.storage).toBeLessThanOrEqual(4);
    expect(many.sequencing).toBeLessThanOrEqual(1);
    expect(many.notifications).toBeLessThanOrEqual(1);
  });

  it('shares identical in-flight subgraph queries of one caller, never across tenants, never mutations', async () => {
    const query = `query($b: String!) { sampleByBarcode(barcode: $b) { id barcode } }`;
    const before = system.runtime.sqlStatements.get('samples')!;
    const same = await Promise.all(Array.from({ length: 20 }, () => system.gql(query, { b: 'FED-0042' })));
    expect(same.every((r) => r.data.sampleByBarcode.barcode === 'FED-0042')).toBe(true);
    expect(system.runtime.sqlStatements.get('samples')! - before).toBeLessThan(20);

    const otherTenant = await Promise.all([system.gql(query, { b: 'FED-0042' }), system.gql(query, { b: 'FED-0042' }, { 'x-tracseq-tenant': 'elsewhere' })]);
    expect(otherTenant[0]!.data.sampleByBarcode).not.toBeNull();
    expect(otherTenant[1]!.data.sampleByBarcode).toBeNull();

    const register = `mutation { registerSample(input: { barcode: "SINGLE-FLIGHT-1", sampleType: DNA }) { sample { id } } }`;
    const writes = await Promise.all(Array.from({ length: 5 }, () => system.gql(register)));
    expect(writes.filter((r) => !r.errors)).toHaveLength(1);
    expect(writes.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(4);
  });
});

describe('a federated read at a position', () => {
  it('never shows a later subgraph behind an earlier one: a sample IN_STORAGE comes with its location', async () => {
    const { positions } = await lab.freezerWithBox('Cut', 'MINUS_80', 1, 2);
    const sampleId = await lab.validatedSample('CUT-0001');
    const before = lab.position;
    // Storage has applied everything up to `before`; then its read model is held back.
    await lab.gql(`query($id: ID!) { storageUnit(id: $id) { id } }`, { id: Object.values(positions)[0] });
    const read = await askWhileHeld(system.runtime.db, STORAGE_PROJECTION, async () => {
      await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: sampleId, p: positions.A1 });
      // Samples learns of the storing (a policy) and shows IN_STORAGE; storage's own read model has not applied it.
      await waitUntil(async () => (await system.gql(`query($id: ID!) { sample(id: $id) { status } }`, { id: sampleId })).data?.sample?.status === 'IN_STORAGE', 10_000, 'samples shows IN_STORAGE');
      // The storage fetch waits for storage to reach what the samples answer showed.
      return () => system.gql(`query($id: ID!) { sample(id: $id) { status location { label } } }`, { id: sampleId }, { 'x-tracseq-consistent-with': before });
    });
    expect(read.errors).toBeUndefined();
    expect(read.data.sample).toEqual({ status: 'IN_STORAGE', location: { label: 'A1' } });
    // How far a subgraph's answer reached is between the gateway and its subgraphs.
    expect(JSON.stringify(read)).not.toContain('tracseqReadPosition');
  });
});
