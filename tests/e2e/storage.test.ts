import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(() => system?.stop());

const STORE = `mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position storagePosition { id label state sample { id } } } }`;

describe('storage through the gateway', () => {
  it('builds FACILITY > FREEZER > RACK > BOX and rolls capacity, occupancy and reservations up the tree', async () => {
    const { facility, freezer, box, positions } = await lab.freezerWithBox('Rollup', 'MINUS_80', 2, 5);
    expect(Object.keys(positions)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'B1', 'B2', 'B3', 'B4', 'B5']);
    const a = await lab.validatedSample('ROLLUP-000001');
    const b = await lab.validatedSample('ROLLUP-000002');
    await lab.mutate(STORE, { s: a, p: positions.A1 });
    await lab.mutate(`mutation($p: ID!, $s: ID!) { reservePosition(positionId: $p, sampleId: $s) { position } }`, { p: positions.B5, s: b });
    const read = await lab.gql(
      `{ f: storageUnit(id: "${facility}") { kind capacity occupied reserved utilization children { name kind zone } }
        z: storageUnit(id: "${freezer}") { zone minTempC maxTempC capacity occupied }
        b: storageUnit(id: "${box}") { rows columns capacity occupied reserved utilization parent { kind parent { kind } } positions { label state sample { barcode } } } }`,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.f).toEqual({ kind: 'FACILITY', capacity: 10, occupied: 1, reserved: 1, utilization: 0.1, children: [{ name: 'Rollup', kind: 'FREEZER', zone: 'MINUS_80' }] });
    expect(read.data.z).toEqual({ zone: 'MINUS_80', minTempC: -90, maxTempC: -70, capacity: 10, occupied: 1 });
    expect(read.data.b).toMatchObject({ rows: 2, columns: 5, capacity: 10, occupied: 1, reserved: 1, parent: { kind: 'RACK', parent: { kind: 'FREEZER' } } });
    expect(read.data.b.positions[0]).toEqual({ label: 'A1', state: 'OCCUPIED', sample: { barcode: 'ROLLUP-000001' } });
    expect(read.data.b.positions[9]).toEqual({ label: 'B5', state: 'RESERVED', sample: null });
  });

  it('refuses a hierarchy that cannot exist with BAD_USER_INPUT', async () => {
    const bad = await lab.gql(`mutation { createStorageUnit(input: { name: "Loose box", kind: BOX, rows: 9, columns: 9 }) { position } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const noZone = await lab.gql(`mutation { createStorageUnit(input: { name: "F", kind: FACILITY }) { unit { id } position } }`);
    const freezer = await lab.gql(`mutation($p: ID) { createStorageUnit(input: { name: "No zone", kind: FREEZER, parentId: $p }) { position } }`, { p: noZone.data.createStorageUnit.unit.id });
    expect(freezer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a zone on a FACILITY (a building holds freezers of every zone), and gives each freezer in it its own', async () => {
    const zoned = await lab.gql(`mutation { createStorageUnit(input: { name: "FacZ", kind: FACILITY, zone: PLUS_4 }) { unit { id } position } }`);
    expect(zoned.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'zone' });
    expect(zoned.errors?.[0]?.message).toBe('a FACILITY has no zone: each freezer in it has its own');
    const site = await lab.unit({ name: 'Zones site', kind: 'FACILITY' });
    const fridge = await lab.unit({ name: 'Zones fridge', kind: 'FREEZER', parentId: site, zone: 'PLUS_4' });
    await lab.unit({ name: 'Zones deep freezer', kind: 'FREEZER', parentId: site, zone: 'MINUS_80' });
    const rack = await lab.unit({ name: 'Zones rack', kind: 'RACK', parentId: fridge });
    const read = await lab.gql(`query($s: ID!, $r: ID!) { site: storageUnit(id: $s) { zone children { name zone } } rack: storageUnit(id: $r) { zone } }`, { s: site, r: rack });
    expect(read.data).toEqual({
      site: { zone: null, children: [{ name: 'Zones deep freezer', zone: 'MINUS_80' }, { name: 'Zones fridge', zone: 'PLUS_4' }] },
      rack: { zone: 'PLUS_4' },
    });
    const colder = await lab.gql(`mutation($p: ID) { createStorageUnit(input: { name: "Zones box", kind: BOX, parentId: $p, zone: MINUS_80, rows: 1, columns: 1 }) { position } }`, { p: rack });
    expect(colder.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'zone' });
  });

  it('finds a free position only for a sample type the lab has: another spelling or an unknown type is BAD_USER_INPUT, not "any zone"', async () => {
    const { box } = await lab.freezerWithBox('Finder', 'MINUS_20', 1, 2);
    const FIND = `query($t: String!, $u: ID) { findFreePosition(sampleType: $t, underUnitId: $u) { label unit { id } } }`;
    // RNA keeps at −80 °C only: nothing in a −20 °C box; DNA may go there.
    expect((await lab.gql(FIND, { t: 'RNA', u: box })).data).toEqual({ findFreePosition: null });
    expect((await lab.gql(FIND, { t: 'DNA', u: box })).data).toEqual({ findFreePosition: { label: 'A1', unit: { id: box } } });
    for (const t of ['rna', 'BANANA', '']) {
      const refused = await lab.gql(FIND, { t, u: box });
      expect(refused.data?.findFreePosition ?? null, t).toBeNull();
      expect(refused.errors?.[0]?.extensions, t).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sampleType' });
    }
    const byZone = await lab.gql(`{ findFreePosition(sampleType: "rna", zone: MINUS_20) { label } }`);
    expect(byZone.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sampleType' });
    expect(byZone.errors?.[0]?.message).toBe('sampleType "rna" is not one of DNA, RNA, BLOOD, PLASMA, SALIVA, TISSUE, CELL_LINE, LIBRARY, OTHER');
  });

  it("names the person who stored a sample as the actor of its IN_STORAGE status, in the sample's history", async () => {
    const { positions } = await lab.freezerWithBox('Actor', 'MINUS_20');
    const id = await lab.validatedSample('ACTOR-00001');
    await lab.mutate(STORE, { s: id, p: positions.A1 });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id }, (d) => d.sample.status === 'IN_STORAGE', 'sample IN_STORAGE');
    const read = await lab.gql(`query($id: ID!) { sample(id: $id) { custody { action actor } history { type actor } } }`, { id });
    const storedBy = read.data.sample.custody.find((c: any) => c.action === 'STORED').actor;
    const validatedBy = read.data.sample.history.find((e: any) => e.type === 'SampleValidated').actor;
    expect(storedBy).toEqual(expect.any(String));
    expect(storedBy).toBe(validatedBy);
    expect(read.data.sample.history.find((e: any) => e.type === 'SampleStored')).toEqual({ type: 'SampleStored', actor: storedBy });
  });

  it('places a sample, which makes it IN_STORAGE, and records custody for store, move, check-out and check-in', async () => {
    const { positions } = await lab.freezerWithBox('Custody', 'MINUS_20');
    const id = await lab.validatedSample('CUSTODY-00001');
    const stored = await lab.mutate(STORE, { s: id, p: positions.A1 });
    expect(stored.storagePosition).toMatchObject({ label: 'A1', state: 'OCCUPIED', sample: { id } });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id }, (d) => d.sample.status === 'IN_STORAGE', 'sample IN_STORAGE');
    await lab.mutate(`mutation($s: ID!, $p: ID!) { moveSample(sampleId: $s, toPositionId: $p) { position } }`, { s: id, p: positions.B2 });
    await lab.mutate(`mutation($s: ID!) { checkOutSample(sampleId: $s, reason: "aliquot for QC") { position storagePosition { label state } } }`, { s: id });
    const out = await lab.gql(`query($id: ID!) { sample(id: $id) { location { label } } }`, { id });
    expect(out.data.sample.location).toBeNull();
    const back = await lab.mutate(`mutation($s: ID!) { checkInSample(sampleId: $s) { position storagePosition { label state } } }`, { s: id });
    expect(back.storagePosition).toEqual({ label: 'B2', state: 'OCCUPIED' });
    const read = await lab.gql(`query($id: ID!) { sample(id: $id) { barcode status location { label unit { name kind } } custody { action actor positionLabel note } } }`, { id });
    expect(read.data.sample).toMatchObject({ barcode: 'CUSTODY-00001', status: 'IN_STORAGE', location: { label: 'B2', unit: { name: 'Custody box 1', kind: 'BOX' } } });
    expect(read.data.sample.custody.map((c: any) => [c.action, c.positionLabel, c.note])).toEqual([
      ['STORED', 'A1', null],
      ['MOVED', 'B2', 'from A1'],
      ['CHECKED_OUT', 'B2', 'aliquot for QC'],
      ['CHECKED_IN', 'B2', null],
    ]);
    expect(read.data.sample.custody[0].actor).toBe('dev-admin');
  });

  it('names the box of every custody record: position { label unit } for where it went, fromPosition for where a move left', async () => {
    const { rack, positions } = await lab.freezerWithBox('Two boxes', 'MINUS_20');
    const second = await lab.unit({ name: 'Two boxes box 2', kind: 'BOX', parentId: rack, rows: 1, columns: 2 });
    const there = (await lab.gql(`query($id: ID!) { storageUnit(id: $id) { positions { id label } } }`, { id: second })).data.storageUnit.positions[0];
    const id = await lab.validatedSample('TWOBOX-00001');
    await lab.mutate(STORE, { s: id, p: positions.A1 });
    // Same label, another box: the label alone cannot tell the two apart.
    await lab.mutate(`mutation($s: ID!, $p: ID!) { moveSample(sampleId: $s, toPositionId: $p) { position } }`, { s: id, p: there.id });
    await lab.mutate(`mutation($s: ID!) { checkOutSample(sampleId: $s, reason: "imaging") { position } }`, { s: id });
    await lab.mutate(`mutation($s: ID!) { checkInSample(sampleId: $s) { position } }`, { s: id });
    const read = await lab.gql(
      `query($id: ID!) { sample(id: $id) { custody { action positionLabel position { id label unit { name parent { name } } } fromPosition { id label unit { name } } } } }`,
      { id },
    );
    expect(read.errors).toBeUndefined();
    const first = { id: positions.A1, label: 'A1', unit: { name: 'Two boxes box 1', parent: { name: 'Two boxes rack 1' } } };
    const second_ = { id: there.id, label: 'A1', unit: { name: 'Two boxes box 2', parent: { name: 'Two boxes rack 1' } } };
    expect(read.data.sample.custody).toEqual([
      { action: 'STORED', positionLabel: 'A1', position: first, fromPosition: null },
      { action: 'MOVED', positionLabel: 'A1', position: second_, fromPosition: { id: positions.A1, label: 'A1', unit: { name: 'Two boxes box 1' } } },
      { action: 'CHECKED_OUT', positionLabel: 'A1', position: second_, fromPosition: null },
      { action: 'CHECKED_IN', positionLabel: 'A1', position: second_, fromPosition: null },
    ]);
  });

  it('enforces zone rules per sample type', async () => {
    const fridge = await lab.freezerWithBox('Fridge', 'PLUS_4');
    const room = await lab.freezerWithBox('Shelf', 'ROOM_TEMPERATURE');
    const rna = await lab.validatedSample('ZONE-RNA-001', 'RNA');
    const blood = await lab.validatedSample('ZONE-BLD-001', 'BLOOD');
    const tissue = await lab.validatedSample('ZONE-TIS-001', 'TISSUE');
    const refused = await lab.gql(STORE, { s: rna, p: fridge.positions.A1 });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('MINUS_80');
    expect((await lab.gql(STORE, { s: blood, p: room.positions.A1 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await lab.mutate(STORE, { s: blood, p: fridge.positions.A2 });
    await lab.mutate(STORE, { s: tissue, p: room.positions.A3 });
  });

  it('frees the position and closes custody when a stored sample is discarded, and releases a reservation', async () => {
    const { box, positions } = await lab.freezerWithBox('Bench', 'MINUS_80');
    const stored = await lab.validatedSample('BENCH-000001');
    const held = await lab.validatedSample('BENCH-000002');
    await lab.mutate(STORE, { s: stored, p: positions.A1 });
    await lab.mutate(`mutation($p: ID!, $s: ID!) { reservePosition(positionId: $p, sampleId: $s) { position } }`, { p: positions.A2, s: held });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id: stored }, (d) => d.sample.status === 'IN_STORAGE', 'sample IN_STORAGE');
    // The payload, asked without any consistency header, already shows the discarded sample kept nowhere.
    const discarded = await system.gql(`mutation($id: ID!) { discardSample(id: $id, reason: "tube cracked") { position sample { status location { label } } } }`, { id: stored });
    expect(discarded.errors).toBeUndefined();
    expect(discarded.data.discardSample.sample).toEqual({ status: 'DISCARDED', location: null });
    await lab.mutate(`mutation($id: ID!) { discardSample(id: $id, reason: "withdrawn") { position } }`, { id: held });
    const read = await lab.eventually(
      `query($u: ID!, $s: ID!) { storageUnit(id: $u) { occupied reserved positions { label state sample { id } } } sample(id: $s) { location { label } custody { action positionLabel note actor } } }`,
      { u: box, s: stored },
      (d) => d.storageUnit.occupied === 0 && d.storageUnit.reserved === 0 && d.sample.custody.length === 2 && d,
      'position freed and custody closed',
    );
    expect(read.storageUnit.positions.slice(0, 2)).toEqual([
      { label: 'A1', state: 'AVAILABLE', sample: null },
      { label: 'A2', state: 'AVAILABLE', sample: null },
    ]);
    expect(read.sample.location).toBeNull();
    expect(read.sample.custody.map((c: any) => [c.action, c.positionLabel, c.note])).toEqual([
      ['STORED', 'A1', null],
      ['REMOVED', 'A1', 'sample discarded: tube cracked'],
    ]);
    expect(read.sample.custody[1].actor).toBe('dev-admin');
    // The freed position takes the next sample.
    const next = await lab.validatedSample('BENCH-000003');
    expect((await lab.mutate(STORE, { s: next, p: positions.A1 })).storagePosition).toMatchObject({ label: 'A1', state: 'OCCUPIED' });
  });

  it('frees the position when a stored sample is archived after sequencing, naming the archive in custody', async () => {
    const { box, positions } = await lab.freezerWithBox('Archive', 'MINUS_80');
    const stored = await lab.validatedSample('ARCHIVE-000001', 'LIBRARY');
    await lab.mutate(STORE, { s: stored, p: positions.A1 });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id: stored }, (d) => d.sample.status === 'IN_STORAGE', 'sample IN_STORAGE');
    const job = (await lab.mutate(`mutation { createSequencingJob(input: { name: "Archive run", platform: NOVASEQ_X, priority: NORMAL, readStructure: "151T8B8B151T" }) { position job { id } } }`)).job.id;
    await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "ACGTACGT", i5Index: "TTGGCCAA", lane: 1) { position } }`, { j: job, s: stored });
    await lab.mutate(`mutation($j: ID!) { queueJob(jobId: $j) { position } }`, { j: job });
    await lab.mutate(`mutation($j: ID!) { startJob(jobId: $j, flowcellId: "FC-ARCH1") { position } }`, { j: job });
    await lab.mutate(`mutation($j: ID!) { recordRunMetrics(jobId: $j, metrics: { q30Percent: 92 }) { position } }`, { j: job });
    await lab.mutate(`mutation($j: ID!) { completeJob(jobId: $j) { position } }`, { j: job });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id: stored }, (d) => d.sample.status === 'SEQUENCED', 'sample SEQUENCED');
    // Sequencing took a library from the tube; the tube stays in its box until the sample is archived.
    const before = await lab.gql(`query($u: ID!) { storageUnit(id: $u) { occupied } }`, { u: box });
    expect(before.data.storageUnit.occupied).toBe(1);
    // Through the lab client: the reads below are at the archive's position, so the samples read
    // model shows it; freeing the position is storage's reaction to it, which comes eventually.
    const archived = await lab.mutate(`mutation($id: ID!) { archiveSample(id: $id) { position sample { status location { label } } } }`, { id: stored });
    expect(archived.sample).toEqual({ status: 'ARCHIVED', location: null });
    const read = await lab.eventually(
      `query($u: ID!, $s: ID!) { storageUnit(id: $u) { occupied positions { label state } } sample(id: $s) { status location { label } custody { action note } } }`,
      { u: box, s: stored },
      (d) => d.storageUnit.occupied === 0 && d.sample.custody.length === 2 && d,
      'position freed after archiving',
    );
    expect(read.sample.status).toBe('ARCHIVED');
    expect(read.sample.location).toBeNull();
    expect(read.storageUnit.positions[0]).toEqual({ label: 'A1', state: 'AVAILABLE' });
    expect(read.sample.custody.map((c: any) => [c.action, c.note])).toEqual([['STORED', null], ['REMOVED', 'sample archived']]);
  });

  it('stores a RECEIVED sample where its zone allows; it stays RECEIVED until QC, and passing QC makes it IN_STORAGE', async () => {
    const { positions } = await lab.freezerWithBox('Awaiting QC', 'MINUS_80');
    const fridge = await lab.freezerWithBox('Awaiting QC fridge', 'PLUS_4');
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "RNA-AWAIT-01", sampleType: RNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id });
    expect((await lab.gql(STORE, { s: sample.id, p: fridge.positions.A1 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await lab.mutate(STORE, { s: sample.id, p: positions.A1 })).storagePosition).toMatchObject({ label: 'A1', state: 'OCCUPIED' });
    const read = await lab.eventually(`query($id: ID!) { sample(id: $id) { status location { label } } }`, { id: sample.id }, (d) => d.sample.location && d.sample, 'sample located');
    expect(read).toEqual({ status: 'RECEIVED', location: { label: 'A1' } });
    await lab.mutate(`mutation($id: ID!) { validateSample(id: $id) { position } }`, { id: sample.id });
    const stored = await lab.eventually(`query($id: ID!) { sample(id: $id) { status location { label } history { type data } } }`, { id: sample.id }, (d) => d.sample.status === 'IN_STORAGE' && d.sample, 'sample IN_STORAGE after QC');
    expect(stored.location).toEqual({ label: 'A1' });
    expect(stored.history.map((e: any) => e.type).slice(-2)).toEqual(['SampleValidated', 'SampleStored']);
  });

  it('takes an IN_STORAGE sample out for good and puts it back: it stays IN_STORAGE (API.md has no way back) and can be stored again', async () => {
    const { positions } = await lab.freezerWithBox('Back in', 'MINUS_80');
    const id = await lab.validatedSample('BACK-IN-0001');
    await lab.mutate(STORE, { s: id, p: positions.A1 });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id }, (d) => d.sample.status === 'IN_STORAGE', 'sample IN_STORAGE');
    await lab.mutate(`mutation($s: ID!) { removeSampleFromStorage(sampleId: $s, reason: "moved to another site") { position } }`, { s: id });
    expect((await lab.mutate(STORE, { s: id, p: positions.A2 })).storagePosition).toMatchObject({ label: 'A2', state: 'OCCUPIED' });
    const read = await lab.gql(`query($id: ID!) { sample(id: $id) { status location { label } custody { action positionLabel } } }`, { id });
    expect(read.data.sample).toEqual({ status: 'IN_STORAGE', location: { label: 'A2' }, custody: [{ action: 'STORED', positionLabel: 'A1' }, { action: 'REMOVED', positionLabel: 'A1' }, { action: 'STORED', positionLabel: 'A2' }] });
  });

  it('leaves a sample taken out of storage before QC VALIDATED once it passes', async () => {
    const { positions } = await lab.freezerWithBox('Out before QC', 'MINUS_80');
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "DNA-OUT-QC-01", sampleType: DNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id });
    await lab.mutate(STORE, { s: sample.id, p: positions.A1 });
    await lab.mutate(`mutation($s: ID!) { removeSampleFromStorage(sampleId: $s, reason: "needed at the bench") { position } }`, { s: sample.id });
    // The samples context hears of both storage facts before the technician validates.
    const history = `query($id: ID!) { sample(id: $id) { status history { type data } } }`;
    await lab.eventually(history, { id: sample.id }, (d) => d.sample.history.filter((e: any) => e.type === 'SampleStorageNoted').length === 2, 'storage noted twice');
    const validated = await lab.mutate(`mutation($id: ID!) { validateSample(id: $id) { position sample { status } } }`, { id: sample.id });
    expect(validated.sample.status).toBe('VALIDATED');
    const read = await system.gql(history, { id: sample.id }, { 'x-tracseq-consistent-with': validated.position });
    expect(read.data.sample.status).toBe('VALIDATED');
    expect(read.data.sample.history.filter((e: any) => e.type === 'SampleStorageNoted').map((e: any) => e.data.inStorage)).toEqual([true, false]);
  });

  it('refuses samples that are not VALIDATED', async () => {
    const { positions } = await lab.freezerWithBox('Strict', 'MINUS_80');
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "PENDING-0001", sampleType: DNA }) { position sample { id } } }`);
    const refused = await lab.gql(STORE, { s: sample.id, p: positions.A1 });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('PENDING');
  });

  it('lets exactly one of 20 concurrent storeSample calls into one position succeed', async () => {
    const { positions, box } = await lab.freezerWithBox('Race', 'MINUS_80');
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await lab.validatedSample(`RACE-ONE-${String(i).padStart(3, '0')}`));
    const results = await Promise.all(ids.map((s) => lab.gql(STORE, { s, p: positions.A1 })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(19);
    const winner = results.find((r) => !r.errors)!.data.storeSample;
    const read = await system.gql(`{ storageUnit(id: "${box}") { occupied positions { label sample { id } } } }`, {}, { 'x-tracseq-consistent-with': winner.position });
    expect(read.data.storageUnit.occupied).toBe(1);
    expect(read.data.storageUnit.positions.filter((p: any) => p.sample)).toEqual([{ label: 'A1', sample: { id: winner.storagePosition.sample.id } }]);
  });

  it('scopes an idempotency key to the sample: the same key stores another sample too, and repeats for the first', async () => {
    const { positions } = await lab.freezerWithBox('Keys', 'MINUS_80');
    const [a, b] = [await lab.validatedSample('KEYS-000001'), await lab.validatedSample('KEYS-000002')];
    const keyed = (s: string, p: string) => lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p, idempotencyKey: "store-shared") { position storagePosition { label sample { id } } } }`, { s, p });
    const first = await keyed(a, positions.A1);
    expect(await keyed(a, positions.A1)).toEqual(first);
    expect((await keyed(b, positions.A2)).storagePosition).toEqual({ label: 'A2', sample: { id: b } });
  });

  it('answers a repeated createStorageUnit idempotencyKey with the unit the first call created, and creates no second one', async () => {
    const create = () => lab.mutate(`mutation { createStorageUnit(input: { name: "Keyed site", kind: FACILITY }, idempotencyKey: "unit-keyed") { position unit { id name kind } } }`);
    const first = await create();
    const again = await create();
    expect(again).toEqual(first);
    const named = await lab.gql(`query { storageUnits(kind: FACILITY) { id name } }`);
    expect(named.data.storageUnits.filter((unit: { name: string }) => unit.name === 'Keyed site')).toEqual([{ id: first.unit.id, name: 'Keyed site' }]);
  });

  it('lets one sample stored concurrently into two positions land in only one', async () => {
    const { positions, box } = await lab.freezerWithBox('Twice', 'MINUS_80');
    const id = await lab.validatedSample('RACE-TWO-0001');
    const results = await Promise.all([lab.gql(STORE, { s: id, p: positions.A1 }), lab.gql(STORE, { s: id, p: positions.A2 })]);
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.find((r) => r.errors)!.errors![0]!.extensions!.code).toBe('CONFLICT');
    const winner = results.find((r) => !r.errors)!.data.storeSample.position;
    const read = await system.gql(`{ storageUnit(id: "${box}") { occupied } }`, {}, { 'x-tracseq-consistent-with': winner });
    expect(read.data.storageUnit.occupied).toBe(1);
  });

  it('turns a temperature excursion into exactly one open CRITICAL alert, and records the recovery', async () => {
    const { freezer } = await lab.freezerWithBox('Ultra', 'MINUS_80');
    const record = (celsius: number) =>
      lab.mutate(`mutation($u: ID!, $c: Float!) { recordTemperature(unitId: $u, celsius: $c) { position reading { celsius inRange } } }`, { u: freezer, c: celsius });
    expect((await record(-80)).reading).toEqual({ celsius: -80, inRange: true });
    expect((await record(-62.5)).reading).toEqual({ celsius: -62.5, inRange: false });
    await record(-60);
    await record(-81);
    await record(-55);
    const history = await lab.gql(`query($u: ID!) { storageUnit(id: $u) { latestTemperature { celsius inRange } temperatureHistory(limit: 3) { celsius } } }`, { u: freezer });
    expect(history.data.storageUnit).toEqual({ latestTemperature: { celsius: -55, inRange: false }, temperatureHistory: [{ celsius: -55 }, { celsius: -81 }, { celsius: -60 }] });
    const alerts = await lab.eventually(
      `{ alerts(status: [OPEN], minSeverity: CRITICAL, first: 100) { edges { node { id kind severity message storageUnit { id name } } } } }`,
      {},
      (d) => {
        const mine = d.alerts.edges.filter((e: any) => e.node.kind === 'TEMPERATURE_EXCURSION' && e.node.storageUnit.id === freezer);
        return mine.length > 0 && mine.every((e: any) => e.node.message.includes('-55')) ? mine : undefined;
      },
      'excursion alert updated by the second excursion',
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0].node).toMatchObject({ severity: 'CRITICAL', storageUnit: { name: 'Ultra' } });
    const stream = await system.runtime.pool.query(`SELECT event_type FROM es.events WHERE stream_id = $1 ORDER BY stream_version`, [`StorageUnit-${freezer}`]);
    expect(stream.rows.map((r) => r.event_type).filter((t) => t !== 'TemperatureRecorded')).toEqual([
      'StorageUnitCreated', 'TemperatureExcursionStarted', 'TemperatureRecovered', 'TemperatureExcursionStarted',
    ]);
  });

  it('raises capacity alerts at 80% (WARNING) and 95% (CRITICAL) of a box', async () => {
    const { box, positions } = await lab.freezerWithBox('Full', 'MINUS_80', 4, 5);
    const labels = Object.keys(positions);
    for (let i = 0; i < 19; i++) {
      const id = await lab.validatedSample(`FULL-${String(i).padStart(6, '0')}`);
      await lab.mutate(STORE, { s: id, p: positions[labels[i]!] });
      if (i === 15) {
        const warning = await lab.eventually(
          `{ alerts(status: [OPEN], first: 100) { edges { node { kind severity storageUnit { id } } } } }`,
          {},
          (d) => d.alerts.edges.find((e: any) => e.node.kind === 'CAPACITY' && e.node.storageUnit.id === box),
          '80% alert',
        );
        expect(warning.node.severity).toBe('WARNING');
      }
    }
    const critical = await lab.eventually(
      `{ alerts(status: [OPEN], first: 100) { edges { node { kind severity message storageUnit { id } } } } }`,
      {},
      (d) => {
        const mine = d.alerts.edges.filter((e: any) => e.node.kind === 'CAPACITY' && e.node.storageUnit.id === box);
        return mine.length === 1 && mine[0].node.severity === 'CRITICAL' ? mine[0] : undefined;
      },
      '95% alert on the same open alert',
    );
    expect(critical.node.message).toContain('95%');
  });
});
