import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

// A lab whose saliva kits keep at room temperature, and whose cell lines live only in liquid nitrogen.
beforeAll(async () => {
  system = await startTestSystem({ ZONE_RULES: '{"SALIVA":["MINUS_80","MINUS_20","PLUS_4","ROOM_TEMPERATURE"],"CELL_LINE":["CRYO"]}' });
  lab = labClient(system);
});
afterAll(() => system?.stop());

const STORE = `mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position storagePosition { label state } } }`;

describe('zone rules as lab configuration', () => {
  it('stores what the lab allows and refuses what it does not, with a CRYO zone below −130 °C', async () => {
    const shelf = await lab.freezerWithBox('Kit shelf', 'ROOM_TEMPERATURE');
    const incubator = await lab.freezerWithBox('Incubator', 'PLUS_37');
    const dewar = await lab.freezerWithBox('Dewar', 'CRYO');
    const read = await lab.gql(`query($u: ID!) { storageUnit(id: $u) { zone minTempC maxTempC } }`, { u: dewar.freezer });
    expect(read.data.storageUnit).toEqual({ zone: 'CRYO', minTempC: -196, maxTempC: -130 });
    const saliva = await lab.validatedSample('KIT-SALIVA-01', 'SALIVA');
    const cells = await lab.validatedSample('CELLS-HELA-01', 'CELL_LINE');
    const rna = await lab.validatedSample('CRYO-RNA-0001', 'RNA');
    expect((await lab.mutate(STORE, { s: saliva, p: shelf.positions.A1 })).storagePosition).toEqual({ label: 'A1', state: 'OCCUPIED' });
    const refused = await lab.gql(STORE, { s: cells, p: incubator.positions.A1 });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('needs CRYO');
    await lab.mutate(STORE, { s: cells, p: dewar.positions.A1 });
    await lab.mutate(STORE, { s: rna, p: dewar.positions.A2 });
    // submitSample's up-front check answers with the same rules.
    const submitted = await lab.gql(`mutation($i: SubmitSampleInput!) { submitSample(input: $i) { saga { id } } }`, { i: { sample: { barcode: 'KIT-SALIVA-02', sampleType: 'SALIVA' }, zone: 'ROOM_TEMPERATURE' } });
    expect(submitted.errors).toBeUndefined();
    const wrong = await lab.gql(`mutation($i: SubmitSampleInput!) { submitSample(input: $i) { saga { id } } }`, { i: { sample: { barcode: 'CELLS-HELA-02', sampleType: 'CELL_LINE' }, zone: 'PLUS_37' } });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses to start with rules it cannot apply', async () => {
    const { loadConfig } = await import('../../platform/config.js');
    expect(() => loadConfig({ ZONE_RULES: '{"SALIVA":["HOT"]}' })).toThrow(/ZONE_RULES SALIVA needs a list of zones/);
  });
});
