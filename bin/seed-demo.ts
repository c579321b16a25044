import type { Runtime } from '../platform/runtime.js';
import { DEMO_TENANT } from '../platform/identity.js';

/**
 * Seeds an empty database with a demo lab that shows every feature, as an ordinary API client of
 * the gateway (so every record has a true history): freezers in each zone, part-full boxes,
 * samples in every status, a completed and a running job with metrics, and open alerts.
 */
export const seedDemo = async (runtime: Runtime, gatewayUrl: string): Promise<boolean> => {
  const any = await runtime.pool.query('SELECT 1 FROM es.events WHERE tenant_id = $1 LIMIT 1', [DEMO_TENANT]);
  if (any.rowCount) return false;
  let position = '0:0';
  const call = async (query: string, variables: Record<string, unknown> = {}): Promise<any> => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tracseq-consistent-with': position, 'x-tracseq-tenant': DEMO_TENANT },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
    if (body.errors?.length) throw new Error(`demo seed: ${body.errors[0]!.message}`);
    const payload = Object.values(body.data ?? {})[0] as { position?: string } | null;
    if (payload?.position) position = payload.position;
    return payload;
  };
  const waitForStatus = async (id: string, status: string) => {
    for (let i = 0; i < 100; i++) {
      if ((await call(`query($id: ID!) { sample(id: $id) { status } }`, { id })).status === status) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`demo seed: sample never became ${status}`);
  };
  const unit = async (input: Record<string, unknown>) => (await call(`mutation($i: CreateStorageUnitInput!) { createStorageUnit(input: $i) { position unit { id } } }`, { i: input })).unit.id as string;
  const positionsOf = async (box: string) => ((await call(`query($id: ID!) { storageUnit(id: $id) { positions { id } } }`, { id: box })).positions as Array<{ id: string }>).map((p) => p.id);
  let serial = 0;
  const sample = async (type: string, project: string, path: string[] = [], reason = 'demo') => {
    serial += 1;
    const { sample: created } = await call(
      `mutation($i: RegisterSampleInput!, $k: String) { registerSample(input: $i, idempotencyKey: $k) { position sample { id } } }`,
      { i: { barcode: `DEMO-${type.slice(0, 3)}-${String(serial).padStart(4, '0')}`, sampleType: type, volumeUl: 200, concentrationNgUl: 35.5, submitter: 'Dr. Ada Demo', projectCode: project }, k: `demo-${serial}` },
    );
    for (const step of path) {
      const needsReason = step === 'rejectSample' || step === 'discardSample';
      await call(
        needsReason ? `mutation($id: ID!, $r: String!) { ${step}(id: $id, reason: $r) { position } }` : `mutation($id: ID!) { ${step}(id: $id) { position } }`,
        { id: created.id, r: needsReason ? reason : undefined },
      );
    }
    return created.id as string;
  };
  const validated = (type: string, project: string) => sample(type, project, ['receiveSample', 'validateSample']);

  const site = await unit({ name: 'Main lab', kind: 'FACILITY' });
  const zones: Array<[string, string]> = [['MINUS_80', 'Ultra-low freezer F1'], ['MINUS_20', 'Freezer F2'], ['PLUS_4', 'Fridge R1'], ['ROOM_TEMPERATURE', 'Shelf S1'], ['PLUS_37', 'Incubator I1']];
  const boxes: Record<string, string[]> = {};
  const freezers: Record<string, string> = {};
  for (const [zone, name] of zones) {
    freezers[zone] = await unit({ name, kind: 'FREEZER', parentId: site, zone });
    const rack = await unit({ name: `${name} / rack 1`, kind: 'RACK', parentId: freezers[zone] });
    boxes[zone] = await positionsOf(await unit({ name: `${name} / box 1`, kind: 'BOX', parentId: rack, rows: 4, columns: 6 }));
  }
  const store = (id: string, zone: string, index: number) => call(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: id, p: boxes[zone]![index] });

  await sample('DNA', 'ONCO-2026');
  await sample('BLOOD', 'CARDIO-7', ['receiveSample']);
  await validated('SALIVA', 'CARDIO-7');
  await sample('SALIVA', 'CARDIO-7', ['rejectSample'], 'tube leaked in transit');
  await sample('TISSUE', 'DERM-3', ['receiveSample', 'discardSample'], 'consent withdrawn');
  for (let i = 0; i < 5; i++) await store(await validated('RNA', 'ONCO-2026'), 'MINUS_80', i);
  for (let i = 0; i < 3; i++) await store(await validated('DNA', 'ONCO-2026'), 'MINUS_20', i);
  await store(await validated('PLASMA', 'CARDIO-7'), 'PLUS_4', 0);
  await store(await validated('CELL_LINE', 'DERM-3'), 'PLUS_37', 0);

  const job = async (name: string, samples: string[], indexes: string[]) => {
    const { job: created } = await call(`mutation($n: String!) { createSequencingJob(input: { name: $n, platform: NOVASEQ_X, priority: HIGH, readStructure: "151T8B8B151T" }) { position job { id } } }`, { n: name });
    for (const [i, id] of samples.entries()) await call(`mutation($j: ID!, $s: ID!, $i7: String!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: $i7, i5Index: "AGCTAGCT", lane: 1) { position } }`, { j: created.id, s: id, i7: indexes[i] });
    await call(`mutation($j: ID!) { queueJob(jobId: $j) { position } }`, { j: created.id });
    await call(`mutation($j: ID!) { startJob(jobId: $j, flowcellId: "FC-${name.replace(/\W/g, '').toUpperCase().slice(0, 10)}") { position } }`, { j: created.id });
    return created.id as string;
  };
  const metrics = (j: string, q30: number, density: number) => call(`mutation($j: ID!, $q: Float!, $d: Float!) { recordRunMetrics(jobId: $j, metrics: { q30Percent: $q, clusterDensityKmm2: $d, percentPf: 85, yieldGb: 310 }) { position } }`, { j, q: q30, d: density });

  const done = [await validated('LIBRARY', 'ONCO-2026'), await validated('LIBRARY', 'ONCO-2026'), await validated('LIBRARY', 'ONCO-2026')];
  const completed = await job('Run 2026-11 A', done, ['ACGTACGT', 'TGCATGCA', 'GATCGATC']);
  await metrics(completed, 92.4, 1010);
  await call(`mutation($j: ID!) { completeJob(jobId: $j) { position } }`, { j: completed });
  const running = await job('Run 2026-11 B', [await validated('LIBRARY', 'DERM-3')], ['CCAAGGTT']);
  await metrics(running, 78.2, 1250);
  const failedRun = await job('Run 2026-11 C', [await validated('DNA', 'CARDIO-7')], ['TTGGAACC']);
  await call(`mutation($j: ID!) { failJob(jobId: $j, reason: "flowcell seal failure") { position } }`, { j: failedRun });
  await waitForStatus(done[0]!, 'SEQUENCED');
  await call(`mutation($id: ID!) { archiveSample(id: $id) { position } }`, { id: done[0] });

  await call(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: -79.5) { position } }`, { u: freezers.MINUS_80 });
  await call(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: -19.2) { position } }`, { u: freezers.MINUS_20 });
  await call(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: 9.6) { position } }`, { u: freezers.PLUS_4 });
  return true;
};
