import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { bearer } from '../support/tokens.js';

/** Runs in the postgres project and in the production one (NODE_ENV=production, generated secrets). */
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

const now = () => Math.floor(Date.now() / 1000);
const code = (result: { errors?: Array<{ extensions?: Record<string, any> }> }) => result.errors?.[0]?.extensions?.code;
/** A person who signed in `ageSeconds` ago, with a printed name. */
const person = async (sub: string, name: string | undefined, roles = ['technician'], ageSeconds: number | null = 10) =>
  labClient(system, await bearer({ sub, tenant: 'demo', roles, name, authTime: ageSeconds === null ? undefined : now() - ageSeconds }));

const SIGNATURE = `id recordType recordId meaning signer printedName signedAt trailHash trailLength coversCurrentState`;
const SIGN = `mutation($r: RecordRef!, $m: SignatureMeaning!) { signRecord(record: $r, meaning: $m) { position signature { ${SIGNATURE} } } }`;
const sample = (id: string) => ({ type: 'SAMPLE', id });

describe('electronic signatures (21 CFR Part 11)', () => {
  it('records meaning, printed name, signer and time, linked to the trail by its hash, and shows the signature in the history', async () => {
    const ada = await person('ada@demo', 'Ada Lovelace');
    const id = await ada.validatedSample('SIGN-0001');
    const signed = await ada.mutate(SIGN, { r: sample(id), m: 'REVIEWED' });
    expect(signed.signature).toMatchObject({ recordType: 'SAMPLE', recordId: id, meaning: 'REVIEWED', signer: 'ada@demo', printedName: 'Ada Lovelace', trailLength: 4, coversCurrentState: true });
    expect(signed.signature.trailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(Math.abs(Date.parse(signed.signature.signedAt) - Date.now())).toBeLessThan(60_000);

    const read = await ada.gql(`query($id: ID!) { sample(id: $id) { signatures { ${SIGNATURE} } history { type actor data } } }`, { id });
    expect(read.errors).toBeUndefined();
    expect(read.data.sample.signatures).toEqual([signed.signature]);
    expect(read.data.sample.history.at(-1)).toMatchObject({ type: 'RecordSigned', actor: 'ada@demo', data: { meaning: 'REVIEWED', printedName: 'Ada Lovelace', signatureId: signed.signature.id } });
  });

  it('refuses a token authenticated longer ago than SIGNATURE_MAX_AUTH_AGE, or without auth_time, with REAUTHENTICATION_REQUIRED', async () => {
    const fresh = await person('ben@demo', 'Ben Franklin');
    const id = await fresh.validatedSample('SIGN-STALE-01');
    const stale = await person('ben@demo', 'Ben Franklin', ['technician'], 301);
    const refused = await stale.gql(SIGN, { r: sample(id), m: 'REVIEWED' });
    expect(code(refused)).toBe('REAUTHENTICATION_REQUIRED');
    expect(refused.errors![0]!.extensions).toMatchObject({ maxAuthAgeSeconds: 300 });
    expect(code(await (await person('ben@demo', 'Ben Franklin', ['technician'], null)).gql(SIGN, { r: sample(id), m: 'REVIEWED' }))).toBe('REAUTHENTICATION_REQUIRED');
    // Nothing was signed.
    expect((await fresh.gql(`query($id: ID!) { sample(id: $id) { signatures { id } } }`, { id })).data.sample.signatures).toEqual([]);
    expect((await fresh.gql(SIGN, { r: sample(id), m: 'REVIEWED' })).errors).toBeUndefined();
  });

  it('lets only a person sign: no name claim, an API key or a viewer cannot', async () => {
    const admin = await person('admin@demo', 'Grace Hopper', ['admin']);
    const id = await admin.validatedSample('SIGN-WHO-0001');
    const nameless = await (await person('svc@demo', undefined)).gql(SIGN, { r: sample(id), m: 'REVIEWED' });
    expect(code(nameless)).toBe('FORBIDDEN');
    expect(nameless.errors![0]!.extensions).toMatchObject({ reason: 'PRINTED_NAME_REQUIRED' });
    const key = (await admin.gql(`mutation { createApiKey(name: "signing bot", roles: ["admin"], persistedOnly: false) { secret } }`)).data.createApiKey.secret;
    const byKey = await system.gql(SIGN, { r: sample(id), m: 'REVIEWED' }, { 'x-api-key': key });
    expect(code(byKey)).toBe('FORBIDDEN');
    expect(byKey.errors![0]!.extensions).toMatchObject({ reason: 'PRINTED_NAME_REQUIRED' });
    expect(code(await (await person('viv@demo', 'Viv Viewer', ['viewer'])).gql(SIGN, { r: sample(id), m: 'REVIEWED' }))).toBe('FORBIDDEN');
    // APPROVED is a manager's act.
    const technician = await (await person('tom@demo', 'Tom Tech')).gql(SIGN, { r: sample(id), m: 'APPROVED' });
    expect(code(technician)).toBe('FORBIDDEN');
    expect(technician.errors![0]!.extensions).toMatchObject({ requiredRole: 'manager' });
  });

  it('stops covering the record once it changes after signing, while another signature does not count as a change', async () => {
    const ada = await person('ada@demo', 'Ada Lovelace');
    const mia = await person('mia@demo', 'Mia Manager', ['manager']);
    const { sample: registered } = await ada.mutate(`mutation { registerSample(input: { barcode: "SIGN-HASH-01", sampleType: RNA }) { position sample { id } } }`);
    const id = registered.id;
    const first = (await ada.mutate(SIGN, { r: sample(id), m: 'RESPONSIBLE' })).signature;
    const second = (await mia.mutate(SIGN, { r: sample(id), m: 'APPROVED' })).signature;
    expect(second.trailHash).toBe(first.trailHash);
    const both = async () => (await mia.gql(`query($id: ID!) { sample(id: $id) { signatures { id meaning coversCurrentState } } }`, { id })).data.sample.signatures;
    expect(await both()).toEqual([{ id: first.id, meaning: 'RESPONSIBLE', coversCurrentState: true }, { id: second.id, meaning: 'APPROVED', coversCurrentState: true }]);

    await ada.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id });
    const after = (await ada.gql(`query($id: ID!) { sample(id: $id) { signatures { id coversCurrentState } } }`, { id })).data.sample.signatures;
    expect(after).toEqual([{ id: first.id, coversCurrentState: false }, { id: second.id, coversCurrentState: false }]);
    // Signing again covers the new state; the old signatures stay as they were (never edited).
    const again = (await ada.mutate(SIGN, { r: sample(id), m: 'REVIEWED' })).signature;
    expect(again.coversCurrentState).toBe(true);
    expect(again.trailHash).not.toBe(first.trailHash);
    expect(again.trailLength).toBe(first.trailLength + 1);
  });

  it('keeps whoever recorded a QC result from verifying or approving that record (second person)', async () => {
    const bob = await person('bob@demo', 'Bob Bench', ['manager']);
    const ada = await person('ada@demo', 'Ada Lovelace', ['manager']);
    const id = await bob.validatedSample('SIGN-QC-0001');
    const library = (await bob.mutate(`mutation($s: ID!) { prepareLibrary(input: { sampleId: $s, barcode: "SIGN-LIB-01", i7Index: "ACGTACGT", volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 }) { position library { id } } }`, { s: id })).library;
    const pool = (await bob.mutate(`mutation($l: ID!) { createPool(input: { name: "Sign pool", libraries: [{ libraryId: $l }], targetMolarityNm: 2, volumeUl: 50 }) { position pool { id } } }`, { l: library.id })).pool;
    const run = (await bob.mutate(`mutation { createSequencingRun(input: { name: "Sign run", instrument: "MISEQ", flowcellType: "MISEQ_V3", readStructure: "151T8B8B151T" }) { position run { id } } }`)).run;
    await bob.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position } }`, { r: run.id, p: pool.id });
    await bob.mutate(`mutation($r: ID!) { recordLaneQc(runId: $r, lane: 1, metrics: { q30Percent: 91, percentPf: 88, clusterDensityKmm2: 1300 }) { position } }`, { r: run.id });
    const theRun = { type: 'RUN', id: run.id };

    for (const meaning of ['VERIFIED', 'APPROVED']) {
      const refused = await bob.gql(SIGN, { r: theRun, m: meaning });
      expect(code(refused), meaning).toBe('FORBIDDEN');
      expect(refused.errors![0]!.extensions).toMatchObject({ reason: 'SECOND_PERSON_REQUIRED', meaning });
    }
    // The sample's trail holds the lane QC too (its library was pooled onto the lane).
    expect((await bob.gql(SIGN, { r: sample(id), m: 'VERIFIED' })).errors![0]!.extensions).toMatchObject({ reason: 'SECOND_PERSON_REQUIRED' });
    // Bob may still say he reviewed it or is responsible for it; Ada, who recorded nothing, verifies.
    expect((await bob.gql(SIGN, { r: theRun, m: 'RESPONSIBLE' })).errors).toBeUndefined();
    const verified = await ada.mutate(SIGN, { r: theRun, m: 'VERIFIED' });
    expect(verified.signature).toMatchObject({ recordType: 'RUN', recordId: run.id, meaning: 'VERIFIED', printedName: 'Ada Lovelace' });
    const read = await ada.gql(`query($r: ID!) { sequencingRun(id: $r) { signatures { meaning signer coversCurrentState } history { type } } }`, { r: run.id });
    expect(read.data.sequencingRun.signatures).toEqual([
      { meaning: 'RESPONSIBLE', signer: 'bob@demo', coversCurrentState: true },
      { meaning: 'VERIFIED', signer: 'ada@demo', coversCurrentState: true },
    ]);
    expect(read.data.sequencingRun.history.map((e: any) => e.type)).toEqual(['RunCreated', 'PoolLoaded', 'LaneQcRecorded', 'RecordSigned', 'RecordSigned']);
  });

  it('refuses a record that does not exist', async () => {
    const ada = await person('ada@demo', 'Ada Lovelace');
    expect(code(await ada.gql(SIGN, { r: { type: 'RUN', id: '00000000-0000-4000-8000-000000000000' }, m: 'REVIEWED' }))).toBe('NOT_FOUND');
    // A sample's id is no run.
    const id = await ada.validatedSample('SIGN-TYPE-0001');
    expect(code(await ada.gql(SIGN, { r: { type: 'RUN', id }, m: 'REVIEWED' }))).toBe('NOT_FOUND');
  });
});
