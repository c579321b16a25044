import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(() => system?.stop());

const fieldData = (zpl: string) => [...zpl.matchAll(/\^FD([^^]*)\^FS/g)].map((m) => m[1]);

describe('labels through the gateway', () => {
  it("prints a sample's label, and a box's label with one per stored sample, in position order", async () => {
    const { box, positions } = await lab.freezerWithBox('Label freezer', 'MINUS_80', 2, 3);
    const second = await lab.validatedSample('LABEL-DNA-0002');
    const first = await lab.validatedSample('LABEL-DNA-0001');
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: second, p: positions.B2 });
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: first, p: positions.A1 });

    const sample = await lab.gql(`query($id: ID!) { sample(id: $id) { createdAt code128: label datamatrix: label(format: ZPL, symbology: DATAMATRIX) } }`, { id: first });
    expect(sample.errors).toBeUndefined();
    const day = sample.data.sample.createdAt.slice(0, 10);
    expect(sample.data.sample.code128).toMatch(/^\^XA\n[\s\S]*\^BCN[^\n]*\^FDLABEL-DNA-0001\^FS[\s\S]*\^XZ\n$/);
    expect(fieldData(sample.data.sample.code128)).toEqual(['LABEL-DNA-0001', 'LABEL-DNA-0001', 'DNA', day]);
    expect(sample.data.sample.datamatrix).toMatch(/\^BXN,\d+,200,,,,~\^FH\^FDLABEL-DNA-0001\^FS/);

    const read = await lab.gql(`query($id: ID!) { storageUnit(id: $id) { name labels(symbology: DATAMATRIX) positions { label sample { label(symbology: DATAMATRIX) } } } }`, { id: box });
    expect(read.errors).toBeUndefined();
    const job: string = read.data.storageUnit.labels;
    const labels = job.split('^XZ\n').filter(Boolean).map((label) => `${label}^XZ\n`);
    expect(labels).toHaveLength(3);
    expect(fieldData(labels[0]!)).toEqual([box.toUpperCase(), 'Label freezer box 1', '−80 °C', '2 × 3, 2 stored']);
    // What a scanner reads off the box's label finds the box.
    const scanned = await lab.gql(`query($id: ID!) { storageUnit(id: $id) { id name } }`, { id: fieldData(labels[0]!)[0] });
    expect(scanned.data.storageUnit).toEqual({ id: box, name: 'Label freezer box 1' });
    expect(fieldData(labels[1]!).slice(0, 3)).toEqual(['LABEL-DNA-0001', 'LABEL-DNA-0001', 'DNA']);
    expect(fieldData(labels[1]!)[3]).toMatch(/^A1 · \d{4}-\d{2}-\d{2}$/);
    expect(fieldData(labels[2]!)[3]).toMatch(/^B2 · /);
    // A stored sample's own label comes from the samples subgraph through the position.
    const a1 = read.data.storageUnit.positions.find((p: any) => p.label === 'A1');
    expect(a1.sample.label).toBe(sample.data.sample.datamatrix);
  });
});
