import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  // A lab whose demultiplexer allows no mismatch: pairs 2 apart are fine, 1 apart are not.
  system = await startTestSystem({ SEQUENCING_LAB_CONFIG: JSON.stringify({ indexCheck: { errorMismatches: 0, warningMismatches: 1 } }) });
  lab = labClient(system);
});
afterAll(() => system?.stop());

describe("a sequencing job's index check follows the lab's configured levels", () => {
  it('accepts samples 2 mismatches apart and refuses one 1 apart, naming the mismatches', async () => {
    const job = (await lab.mutate(`mutation { createSequencingJob(input: { name: "Levels", platform: MISEQ }) { position job { id } } }`)).job;
    const add = async (barcode: string, i7: string) =>
      lab.gql(`mutation($j: ID!, $s: ID!, $i7: String!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: $i7) { position job { samples { i7Index } } } }`, { j: job.id, s: await lab.validatedSample(barcode), i7 });
    expect((await add('LEVELS-1', 'ACGTACGT')).errors).toBeUndefined();
    const twoApart = await add('LEVELS-2', 'ACGTACTA');
    expect(twoApart.errors).toBeUndefined();
    expect(twoApart.data.addSampleToJob.job.samples.map((s: { i7Index: string }) => s.i7Index)).toEqual(['ACGTACGT', 'ACGTACTA']);
    const oneApart = await add('LEVELS-3', 'ACGTACGA');
    expect(oneApart.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', reason: 'INDEX_COLLISION', mismatches: 1 } });
    expect(oneApart.errors?.[0].message).toMatch(/1 combined mismatch, the lab needs more than 1/);
  });
});
