import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, collect, wsClient } from '../support/ws.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(async () => {
  await closeAll();
  await system?.stop();
});

const code = (result: { errors?: Array<{ extensions?: { code?: string } }> }) => result.errors?.[0]?.extensions?.code;

const DERIVED = `position sample { id barcode sampleType status volumeUl concentrationNgUl projectCode derivation { kind volumeTakenUl } parent { id } } parent { id volumeUl version }`;
const aliquot = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  lab.gql(`mutation($input: AliquotSampleInput!, $v: Int, $key: String) { aliquotSample(input: $input, expectedVersion: $v, idempotencyKey: $key) { ${DERIVED} } }`, { input, ...extra });
const extract = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  lab.gql(`mutation($input: ExtractSampleInput!, $v: Int, $key: String) { extractSample(input: $input, expectedVersion: $v, idempotencyKey: $key) { ${DERIVED} } }`, { input, ...extra });

const registerReceived = async (barcode: string, sampleType: string, volumeUl: number | null) => {
  const { sample } = await lab.mutate(`mutation($input: RegisterSampleInput!) { registerSample(input: $input) { position sample { id } } }`, {
    input: { barcode, sampleType, volumeUl, concentrationNgUl: 40, projectCode: 'LINEAGE' },
  });
  await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id });
  return sample.id as string;
};

describe('derivation and lineage through the gateway', () => {
  it('extracts DNA from blood and aliquots the extract: volumes fall exactly, children and lineage follow, libraries are reachable', async () => {
    const blood = await registerReceived('LIN-BLOOD-0001', 'BLOOD', 100);

    const extracted = await extract({ parentId: blood, barcode: 'LIN-DNA-0001', sampleType: 'DNA', volumeTakenUl: 20.3, volumeUl: 50, concentrationNgUl: 85 });
    expect(extracted.errors).toBeUndefined();
    const dna = extracted.data.extractSample;
    expect(dna.sample).toMatchObject({ barcode: 'LIN-DNA-0001', sampleType: 'DNA', status: 'PENDING', volumeUl: 50, concentrationNgUl: 85, projectCode: 'LINEAGE', derivation: { kind: 'EXTRACT', volumeTakenUl: 20.3 }, parent: { id: blood } });
    expect(dna.parent).toMatchObject({ id: blood, volumeUl: 79.7 });
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: dna.sample.id });

    // Ten aliquots of 0.1 µL leave exactly 49 µL of the 50: the arithmetic is in nanolitres, not floats.
    let last: any;
    for (let i = 0; i < 10; i++) {
      const result = await aliquot({ parentId: dna.sample.id, barcode: `LIN-DNA-ALQ-${i}`, volumeTakenUl: 0.1 });
      expect(result.errors).toBeUndefined();
      last = result.data.aliquotSample;
    }
    expect(last.parent.volumeUl).toBe(49);
    expect(last.sample).toMatchObject({ sampleType: 'DNA', volumeUl: 0.1, concentrationNgUl: 85, derivation: { kind: 'ALIQUOT', volumeTakenUl: 0.1 } });
    const grandchild = last.sample.id as string;

    // A library from the aliquot, so the lineage reaches sequencing through federation.
    await lab.mutate(`mutation($id: ID!) { validateSample(id: $id) { position } }`, { id: (await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position sample { id } } }`, { id: grandchild })).sample.id });
    await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position } }`, {
      input: { sampleId: grandchild, barcode: 'LIN-LIB-0001', i7Index: 'ACGTACGT', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 },
    });

    const read = await lab.gql(`query($b: ID!, $g: ID!) {
      blood: sample(id: $b) { volumeUl children { barcode } lineage { ancestors { id } descendants { barcode libraries { barcode } } } }
      grandchild: sample(id: $g) { lineage { ancestors { barcode derivation { kind } } } }
      shallow: sample(id: $b) { lineage(depth: 1) { descendants { barcode } } }
    }`, { b: blood, g: grandchild });
    expect(read.errors).toBeUndefined();
    expect(read.data.blood.volumeUl).toBe(79.7);
    expect(read.data.blood.children).toEqual([{ barcode: 'LIN-DNA-0001' }]);
    expect(read.data.blood.lineage.ancestors).toEqual([]);
    const descendants = read.data.blood.lineage.descendants;
    expect(descendants.map((d: any) => d.barcode)).toEqual(['LIN-DNA-0001', ...Array.from({ length: 10 }, (_, i) => `LIN-DNA-ALQ-${i}`)]);
    expect(descendants.find((d: any) => d.barcode === 'LIN-DNA-ALQ-9').libraries).toEqual([{ barcode: 'LIN-LIB-0001' }]);
    expect(read.data.grandchild.lineage.ancestors).toEqual([{ barcode: 'LIN-DNA-0001', derivation: { kind: 'EXTRACT' } }, { barcode: 'LIN-BLOOD-0001', derivation: null }]);
    expect(read.data.shallow.lineage.descendants).toEqual([{ barcode: 'LIN-DNA-0001' }]);
    expect(code(await lab.gql(`query($b: ID!) { sample(id: $b) { lineage(depth: 26) { ancestors { id } } } }`, { b: blood }))).toBe('BAD_USER_INPUT');
  }, 60_000);

  it('never overdraws, also when two aliquots race for the last of a sample', async () => {
    const parent = await registerReceived('LIN-RACE-0001', 'SALIVA', 79.7);
    const results = await Promise.all([
      aliquot({ parentId: parent, barcode: 'LIN-RACE-A', volumeTakenUl: 40 }),
      aliquot({ parentId: parent, barcode: 'LIN-RACE-B', volumeTakenUl: 40 }),
    ]);
    expect(results.map(code).sort()).toEqual(['INSUFFICIENT_VOLUME', undefined]);
    const refused = results.find((r) => r.errors)!;
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'INSUFFICIENT_VOLUME', requestedUl: 40, remainingUl: 39.7 });
    expect(results.find((r) => !r.errors)!.data.aliquotSample.parent.volumeUl).toBe(39.7);
  });

  it('decides parallel aliquots from one parent one after the other, none failing for a version the client never sent', async () => {
    const parent = await registerReceived('LIN-PAR-0001', 'DNA', 100);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => aliquot({ parentId: parent, barcode: `LIN-PAR-ALQ-${i}`, volumeTakenUl: 5 })));
    expect(results.map((result) => result.errors)).toEqual(Array.from({ length: 10 }, () => undefined));
    // Each took from what the one before left: 95, 90, … 50 µL, each at its own parent version.
    const left = results.map((result) => result.data.aliquotSample.parent.volumeUl).sort((a: number, b: number) => a - b);
    expect(left).toEqual(Array.from({ length: 10 }, (_, i) => 50 + 5 * i));
    const versions = results.map((result) => result.data.aliquotSample.parent.version).sort((a: number, b: number) => a - b);
    expect(new Set(versions).size).toBe(10);
  });

  it('refuses an aliquot holding more than the volume taken for it; an extract is what the bench measured', async () => {
    const parent = await registerReceived('LIN-BIG-0001', 'BLOOD', 10);
    const big = await aliquot({ parentId: parent, barcode: 'LIN-BIG-A', volumeTakenUl: 1, volumeUl: 999999 });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'volumeUl' });
    const less = await aliquot({ parentId: parent, barcode: 'LIN-BIG-B', volumeTakenUl: 1, volumeUl: 0.8 });
    expect(less.data.aliquotSample.sample.volumeUl).toBe(0.8);
    const eluate = await extract({ parentId: parent, barcode: 'LIN-BIG-C', sampleType: 'DNA', volumeTakenUl: 1, volumeUl: 50 });
    expect(eluate.data.extractSample).toMatchObject({ sample: { volumeUl: 50 }, parent: { volumeUl: 8 } });
  });

  it('refuses what the bench cannot do, each with its own code', async () => {
    const parent = await registerReceived('LIN-RULES-0001', 'BLOOD', 10);
    const unknownVolume = await registerReceived('LIN-RULES-0002', 'BLOOD', null);
    expect(code(await aliquot({ parentId: parent, barcode: 'LIN-RULES-A', volumeTakenUl: 10.5 }))).toBe('INSUFFICIENT_VOLUME');
    expect(code(await aliquot({ parentId: unknownVolume, barcode: 'LIN-RULES-B', volumeTakenUl: 1 }))).toBe('INSUFFICIENT_VOLUME');
    expect(code(await aliquot({ parentId: parent, barcode: 'LIN-RULES-C', volumeTakenUl: 0 }))).toBe('BAD_USER_INPUT');
    expect(code(await aliquot({ parentId: parent, barcode: 'LIN-RULES-D', volumeTakenUl: 1, sampleType: 'RNA' }))).toBe('BAD_USER_INPUT');
    expect(code(await extract({ parentId: parent, barcode: 'LIN-RULES-E', volumeTakenUl: 1, sampleType: 'LIBRARY' }))).toBe('BAD_USER_INPUT');
    expect(code(await aliquot({ parentId: parent, barcode: 'LIN-RULES-0002', volumeTakenUl: 1 }))).toBe('CONFLICT');
    expect(code(await aliquot({ parentId: '00000000-0000-4000-8000-000000000000', barcode: 'LIN-RULES-F', volumeTakenUl: 1 }))).toBe('NOT_FOUND');
    expect(code(await aliquot({ parentId: 'not-an-id', barcode: 'LIN-RULES-G', volumeTakenUl: 1 }))).toBe('BAD_USER_INPUT');
    expect(code(await aliquot({ parentId: parent, barcode: 'LIN-RULES-H', volumeTakenUl: 1 }, { v: 1 }))).toBe('CONCURRENCY_CONFLICT');
    const pending = (await lab.mutate(`mutation { registerSample(input: { barcode: "LIN-RULES-0003", sampleType: BLOOD, volumeUl: 5 }) { position sample { id } } }`)).sample.id;
    expect(code(await aliquot({ parentId: pending, barcode: 'LIN-RULES-I', volumeTakenUl: 1 }))).toBe('INVALID_TRANSITION');
    await lab.mutate(`mutation($id: ID!) { discardSample(id: $id, reason: "spilt") { position } }`, { id: parent });
    const discarded = await aliquot({ parentId: parent, barcode: 'LIN-RULES-J', volumeTakenUl: 1 });
    expect(discarded.errors![0]).toMatchObject({ message: 'a DISCARDED sample cannot be aliquoted', extensions: { code: 'INVALID_TRANSITION', from: 'DISCARDED' } });
    // Nothing refused took any volume.
    const read = await lab.gql(`query($id: ID!) { sample(id: $id) { volumeUl children { id } } }`, { id: parent });
    expect(read.data.sample).toEqual({ volumeUl: 10, children: [] });
  });

  it('answers a repeated idempotency key with the first child, taking the volume once', async () => {
    const parent = await registerReceived('LIN-IDEM-0001', 'TISSUE', 30);
    const first = await extract({ parentId: parent, barcode: 'LIN-IDEM-RNA', sampleType: 'RNA', volumeTakenUl: 5 }, { key: 'extract-1' });
    const again = await extract({ parentId: parent, barcode: 'LIN-IDEM-RNA', sampleType: 'RNA', volumeTakenUl: 5 }, { key: 'extract-1' });
    expect(first.errors).toBeUndefined();
    expect(again.errors).toBeUndefined();
    expect(again.data.extractSample.sample.id).toBe(first.data.extractSample.sample.id);
    expect(again.data.extractSample.parent.volumeUl).toBe(25);
    // registerSample(parentId) keeps working beside the derivations, without a derivation record.
    const registered = await lab.mutate(`mutation($p: ID!) { registerSample(input: { barcode: "LIN-IDEM-REG", sampleType: TISSUE, parentId: $p }) { position sample { parent { id } derivation { kind } } } }`, { p: parent });
    expect(registered.sample).toEqual({ parent: { id: parent }, derivation: null });
    const children = await lab.gql(`query($id: ID!) { sample(id: $id) { children { barcode } } }`, { id: parent });
    expect(children.data.sample.children).toEqual([{ barcode: 'LIN-IDEM-RNA' }, { barcode: 'LIN-IDEM-REG' }]);
  });

  it('registers a child whose parentId is the barcode on the parent\'s tube, and refuses one that names no sample', async () => {
    const parent = await registerReceived('LIN-BYCODE-0001', 'TISSUE', 30);
    const registered = await lab.mutate(`mutation { registerSample(input: { barcode: "LIN-BYCODE-0002", sampleType: RNA, parentId: "LIN-BYCODE-0001" }) { position sample { parent { id barcode } } } }`);
    expect(registered.sample.parent).toEqual({ id: parent, barcode: 'LIN-BYCODE-0001' });
    const unknown = await lab.gql(`mutation { registerSample(input: { barcode: "LIN-BYCODE-0003", sampleType: RNA, parentId: "LIN-NO-SUCH-TUBE" }) { position } }`);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const missing = await lab.gql(`mutation { registerSample(input: { barcode: "LIN-BYCODE-0004", sampleType: RNA, parentId: "00000000-0000-4000-8000-000000000000" }) { position } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Nothing half-written: the refused barcodes are still free.
    expect((await lab.gql(`mutation { registerSample(input: { barcode: "LIN-BYCODE-0003", sampleType: RNA }) { position } }`)).errors).toBeUndefined();
  });

  it('reports no status change for volume taken: sampleStatusChanged delivers only moves', async () => {
    const parent = await registerReceived('LIN-SUB-0001', 'PLASMA', 20);
    const client = wsClient(system.gatewayUrl);
    const sub = collect(client, `subscription($id: ID) { sampleStatusChanged(sampleId: $id) { from to sample { volumeUl } } }`, { id: parent });
    await waitUntil(() => system.runtime.liveFeed.size >= 1, 5000, 'subscription live');
    expect((await aliquot({ parentId: parent, barcode: 'LIN-SUB-ALQ', volumeTakenUl: 5 })).errors).toBeUndefined();
    const discarded = await lab.mutate(`mutation($id: ID!) { discardSample(id: $id, reason: "used up") { position } }`, { id: parent });
    await waitUntil(() => sub.results.length >= 1, 10_000, 'discard delivered');
    // Events arrive in order: a volume event mistaken for a status change would have come first.
    // The message carries the event's position: the discard's, which a next read may send as its consistency.
    expect(sub.results[0]).toEqual({ data: { sampleStatusChanged: { from: 'RECEIVED', to: 'DISCARDED', sample: { volumeUl: 15 } } }, extensions: { position: discarded.position } });
  });
});
