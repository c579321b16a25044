import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';
import { bearer } from '../support/tokens.js';
import { sql } from 'kysely';
import { bindPolicy } from '../../event-store/projection.js';
import { publishedFacts } from '../../subgraphs/notifications/published-facts.js';
import { AlertCommands } from '../../subgraphs/notifications/commands/alert-commands.js';
import { alertPolicy } from '../../subgraphs/notifications/policies/alert-policy.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  // 0.005 minutes = 300 ms, so escalation can be watched within a test.
  system = await startTestSystem({ ALERT_ESCALATION_MINUTES: '0.005' });
  lab = labClient(system);
});
afterAll(() => system?.stop());

const ALERTS = `{ alerts(first: 100) { edges { node { id kind severity status escalationLevel acknowledgedBy message storageUnit { id } } } } }`;
const alertsOf = (data: any, unitId: string, kind: string) => data.alerts.edges.map((e: any) => e.node).filter((a: any) => a.kind === kind && a.storageUnit?.id === unitId);

const excursion = async (name: string) => {
  const { freezer } = await lab.freezerWithBox(name, 'MINUS_20');
  await lab.mutate(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: -2) { position } }`, { u: freezer });
  const [alert] = await lab.eventually(ALERTS, {}, (d) => alertsOf(d, freezer, 'TEMPERATURE_EXCURSION').length === 1 && alertsOf(d, freezer, 'TEMPERATURE_EXCURSION'), 'excursion alert');
  return { freezer, alert };
};

describe('alerts', () => {
  it('resolve a SAMPLE_REJECTED alert once the sample is resubmitted, by whoever resubmitted it', async () => {
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "RESUBMIT-ALERT-01", sampleType: DNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "haemolysed") { position } }`, { id: sample.id });
    const REJECTED = `{ alerts(first: 100) { edges { node { id kind status resolvedAt sample { id } } } } }`;
    const rejectionOf = (d: any) => d.alerts.edges.map((e: any) => e.node).find((a: any) => a.kind === 'SAMPLE_REJECTED' && a.sample?.id === sample.id);
    const open = await lab.eventually(REJECTED, {}, rejectionOf, 'the rejection alert');
    expect(open.status).toBe('OPEN');
    await lab.mutate(`mutation($id: ID!) { resubmitSample(id: $id) { position } }`, { id: sample.id });
    const resolved = await lab.eventually(REJECTED, {}, (d) => rejectionOf(d)?.status === 'RESOLVED' && rejectionOf(d), 'the alert resolved');
    expect(resolved).toMatchObject({ id: open.id, status: 'RESOLVED' });
    expect(resolved.resolvedAt).not.toBeNull();
  });

  it('carry the barcode of the sample they are about, and no sample when the log never registered it', async () => {
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "ALERT-BC-01", sampleType: DNA }) { position sample { id } } }`);
    const alerts = new AlertCommands(system.runtime.commands, publishedFacts(system.runtime.store));
    const context = { tenantId: 'demo', actor: 'policy:test', correlationId: crypto.randomUUID() };
    const about = (sampleId: string) => alerts.raise(context, { kind: 'SAMPLE_REJECTED', severity: 'INFO', message: 'test', sourceEventId: crypto.randomUUID(), sampleId, storageUnitId: null, sequencingJobId: null, subjectId: sampleId });
    const known = await about(sample.id);
    expect(known.alert.sampleBarcode).toBe('ALERT-BC-01');
    // A workflow that failed before registering its sample names a sample the log does not hold.
    const unknown = await about(crypto.randomUUID());
    expect(unknown.alert.sampleBarcode).toBeNull();
    const read = await system.gql(`query($a: ID!, $b: ID!) { a: alert(id: $a) { sample { id barcode } } b: alert(id: $b) { sample { id barcode } } }`, { a: known.alert.id, b: unknown.alert.id },
      { 'x-tracseq-consistent-with': unknown.position });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ a: { sample: { id: sample.id, barcode: 'ALERT-BC-01' } }, b: { sample: null } });
  });

  it('escalates a CRITICAL alert nobody acknowledges, with an ESCALATION alert about it', async () => {
    const { freezer, alert } = await excursion('Escalating');
    const escalated = await lab.eventually(ALERTS, {}, (d) => {
      const [original] = alertsOf(d, freezer, 'TEMPERATURE_EXCURSION');
      const escalations = alertsOf(d, freezer, 'ESCALATION');
      return original?.escalationLevel >= 2 && escalations.length === 1 ? { original, escalation: escalations[0] } : undefined;
    }, 'two escalations');
    expect(escalated.original.id).toBe(alert.id);
    expect(escalated.escalation).toMatchObject({ severity: 'CRITICAL', status: 'OPEN' });
    expect(escalated.escalation.message).toContain('escalated to level');
  });

  it('stops escalating once acknowledged; resolving frees the subject for a new alert', async () => {
    const { freezer, alert } = await excursion('Watched');
    const acked = await lab.mutate(`mutation($id: ID!) { acknowledgeAlert(id: $id, note: "door was open") { position alert { status acknowledgedBy acknowledgedAt escalationLevel } } }`, { id: alert.id });
    expect(acked.alert).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'dev-admin' });
    const again = await lab.gql(`mutation($id: ID!) { acknowledgeAlert(id: $id) { position } }`, { id: alert.id });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'ACKNOWLEDGED', to: 'ACKNOWLEDGED' });
    // The marker: an alert raised after the acknowledgement escalates twice, so the escalation
    // worker has looked at the acknowledged one on at least two rounds since.
    const marker = await excursion('Unwatched');
    await lab.eventually(ALERTS, {}, (d) => alertsOf(d, marker.freezer, 'TEMPERATURE_EXCURSION')[0]?.escalationLevel >= 2, 'a later alert escalated twice');
    const quiet = await lab.gql(ALERTS);
    expect(alertsOf(quiet.data, freezer, 'TEMPERATURE_EXCURSION')[0].escalationLevel).toBe(acked.alert.escalationLevel);
    const resolved = await lab.mutate(`mutation($id: ID!) { resolveAlert(id: $id, note: "door closed") { position alert { status resolvedAt } } }`, { id: alert.id });
    expect(resolved.alert.status).toBe('RESOLVED');
    // Back in range, then out again: a new excursion is a new alert.
    await lab.mutate(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: -20) { position } }`, { u: freezer });
    await lab.mutate(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: 0) { position } }`, { u: freezer });
    const both = await lab.eventually(ALERTS, {}, (d) => alertsOf(d, freezer, 'TEMPERATURE_EXCURSION').length === 2 && alertsOf(d, freezer, 'TEMPERATURE_EXCURSION'), 'a second alert');
    expect(both.map((a: any) => a.status).sort()).toEqual(['OPEN', 'RESOLVED']);
  });

  it('resolves the ESCALATION alert with the alert it escalates, as whoever resolved that, once per resolve', async () => {
    const { freezer, alert } = await excursion('Escalated then resolved');
    const [escalation] = await lab.eventually(ALERTS, {}, (d) => alertsOf(d, freezer, 'ESCALATION').length === 1 && alertsOf(d, freezer, 'ESCALATION'), 'an escalation');
    expect(escalation).toMatchObject({ status: 'OPEN', severity: 'CRITICAL' });
    const manager = labClient(system, await bearer({ sub: 'manager@demo', tenant: 'demo', roles: ['manager'] }));
    const resolved = await manager.mutate(`mutation($id: ID!) { resolveAlert(id: $id, note: "compressor fixed") { position alert { status } } }`, { id: alert.id });
    expect(resolved.alert.status).toBe('RESOLVED');
    const after = await lab.eventually(ALERTS, {}, (d) => {
      const [found] = alertsOf(d, freezer, 'ESCALATION');
      return found?.status === 'RESOLVED' && found;
    }, 'the escalation resolved');
    expect(after.id).toBe(escalation.id);
    const resolves = async () =>
      (await sql<{ actor: string }>`SELECT metadata->>'actor' AS actor FROM es.events
        WHERE stream_id = ${`Alert-${escalation.id}`} AND event_type = 'AlertResolved'`.execute(system.runtime.db)).rows;
    const [once] = await resolves();
    expect(once!.actor).toBe('manager@demo');
    // A redelivery of the source's AlertResolved resolves nothing again.
    const [source] = (await sql<{ event_id: string }>`SELECT event_id::text FROM es.events WHERE stream_id = ${`Alert-${alert.id}`} AND event_type = 'AlertResolved'`.execute(system.runtime.db)).rows;
    await new AlertCommands(system.runtime.commands, publishedFacts(system.runtime.store)).resolveEscalation({ tenantId: 'demo', actor: 'manager@demo', correlationId: 'redelivery', causationId: source!.event_id, now: new Date().toISOString() }, alert.id, source!.event_id);
    expect(await resolves()).toHaveLength(1);
    // No new escalation about the resolved alert.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(alertsOf((await lab.gql(ALERTS)).data, freezer, 'ESCALATION')).toHaveLength(1);
  });

  it('filters by status and minimum severity, and refuses bad ids', async () => {
    // Its own alerts, so the filters have something to keep and something to drop.
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "ALERT-FILTER-1", sampleType: DNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "leaking tube") { position } }`, { id: sample.id });
    const { freezer } = await excursion('Filtered');
    const [info] = await lab.eventually(ALERTS, {}, (d) => {
      const rejected = d.alerts.edges.map((e: any) => e.node).filter((a: any) => a.kind === 'SAMPLE_REJECTED' && a.message.includes('leaking tube'));
      return rejected.length === 1 && rejected;
    }, 'the rejection alert');
    expect(info.severity).toBe('INFO');
    const [critical] = alertsOf((await lab.gql(ALERTS)).data, freezer, 'TEMPERATURE_EXCURSION');
    await lab.mutate(`mutation($id: ID!) { resolveAlert(id: $id) { position } }`, { id: critical.id });

    const ids = (data: any) => data.alerts.edges.map((e: any) => e.node.id);
    const severe = await lab.gql(`{ alerts(minSeverity: CRITICAL, first: 100) { edges { node { id severity } } } }`);
    expect(ids(severe.data)).toContain(critical.id);
    expect(ids(severe.data)).not.toContain(info.id);
    expect(severe.data.alerts.edges.every((e: any) => e.node.severity === 'CRITICAL')).toBe(true);
    const everything = await lab.gql(`{ alerts(minSeverity: INFO, first: 100) { edges { node { id } } } }`);
    expect(ids(everything.data)).toEqual(expect.arrayContaining([critical.id, info.id]));
    const resolved = await lab.gql(`{ alerts(status: [RESOLVED], first: 100) { edges { node { id status } } } }`);
    expect(ids(resolved.data)).toContain(critical.id);
    expect(ids(resolved.data)).not.toContain(info.id);
    expect(resolved.data.alerts.edges.every((e: any) => e.node.status === 'RESOLVED')).toBe(true);
    const open = await lab.gql(`{ alerts(status: [OPEN], first: 100) { edges { node { id } } } }`);
    expect(ids(open.data)).toContain(info.id);
    expect(ids(open.data)).not.toContain(critical.id);

    const bad = await lab.gql(`mutation { resolveAlert(id: "nope") { position } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await lab.gql(`mutation { resolveAlert(id: "00000000-0000-4000-8000-000000000000") { position } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('lane QC alerts on a sequencing run', () => {
  const RUN_ALERTS = `{ alerts(first: 100) { edges { node { id kind severity status message sourceEventId escalationLevel
    sample { id } storageUnit { id } sequencingJob { id } sequencingRun { id name } } } } }`;
  const alertsOfRun = (data: any, runId: string, kind?: string) =>
    data.alerts.edges.map((e: any) => e.node).filter((a: any) => a.sequencingRun?.id === runId && (!kind || a.kind === kind));

  let runs = 0;
  /** A NovaSeq 6000 S4 run (the default thresholds: Q30 below 75 % fails a lane, below 80 % warns) with a one-library pool on `lanes`. */
  const runOnLanes = async (name: string, lanes: number[]) => {
    const n = ++runs;
    const sampleId = await lab.validatedSample(`LANEQC-SRC-${n}`);
    const library = (await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id } } }`,
      { input: { sampleId, barcode: `LANEQC-LIB-${n}`, i7Index: 'ACGTACGT', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 } })).library.id;
    const pool = (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position pool { id } } }`,
      { input: { name: `${name} pool`, libraries: [{ libraryId: library }], targetMolarityNm: 2, volumeUl: 50 } })).pool.id;
    const run = (await lab.mutate(`mutation($n: String!) { createSequencingRun(input: { name: $n, instrument: "NOVASEQ_6000", flowcellType: "S4", readStructure: "151T8B151T" }) { position run { id } } }`, { n: name })).run.id as string;
    for (const lane of lanes) await lab.mutate(`mutation($r: ID!, $l: Int!, $p: ID!) { loadPoolOnLane(runId: $r, lane: $l, poolId: $p) { position } }`, { r: run, l: lane, p: pool });
    return run;
  };
  const recordLane = async (runId: string, lane: number, metrics: Record<string, number>) => {
    const recorded = await lab.mutate(`mutation($r: ID!, $l: Int!, $m: LaneMetricsInput!) { recordLaneQc(runId: $r, lane: $l, metrics: $m) { position run { laneQc { lane verdict } } } }`, { r: runId, l: lane, m: metrics });
    return recorded.run.laneQc.find((qc: { lane: number }) => qc.lane === lane).verdict as string;
  };
  /** The id of the LaneQcRecorded event that judged `lane` (its latest). */
  const laneEvent = async (runId: string, lane: number) => {
    const events = await system.runtime.store.readStream(`SequencingRun-${runId}`, { tenantId: 'demo' });
    return events.filter((event) => event.type === 'LaneQcRecorded' && (event.data as { lane: number }).lane === lane).at(-1)!;
  };

  it('raises one CRITICAL QC_FAILED alert on the run for a failing lane, naming the run, the lane and why; a second failing lane repeats it', async () => {
    const runId = await runOnLanes('NV6K lane QC 1', [1, 2, 3, 4]);
    expect(await recordLane(runId, 2, { q30Percent: 92, percentPf: 85 })).toBe('PASS');
    expect(await recordLane(runId, 1, { q30Percent: 70, percentPf: 85 })).toBe('FAIL');
    const [alert] = await lab.eventually(RUN_ALERTS, {}, (d) => alertsOfRun(d, runId, 'QC_FAILED').length > 0 && alertsOfRun(d, runId, 'QC_FAILED'), 'a QC_FAILED alert on the run');
    // The run resolves through the gateway from the sequencing subgraph.
    expect(alert).toMatchObject({
      severity: 'CRITICAL', status: 'OPEN', message: 'Run "NV6K lane QC 1" lane QC FAIL: lane 1 (Q30 70% is below 75%)',
      sequencingRun: { id: runId, name: 'NV6K lane QC 1' }, sequencingJob: null, sample: null, storageUnit: null,
    });
    // The run's audit trail holds the alert raised about it.
    await lab.eventually(`query($id: ID!) { sequencingRun(id: $id) { history { type streamId } } }`, { id: runId },
      (d) => d.sequencingRun.history.some((e: any) => e.type === 'AlertRaised' && e.streamId === `Alert-${alert.id}`), 'the alert in the run\'s history');

    expect(await recordLane(runId, 3, { q30Percent: 60, percentPf: 50 })).toBe('FAIL');
    const failed = await lab.eventually(RUN_ALERTS, {}, (d) => {
      const found = alertsOfRun(d, runId, 'QC_FAILED');
      return found.some((a: any) => a.message.includes('lane 3')) && found;
    }, 'the second failing lane in the alert');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      id: alert.id, status: 'OPEN', severity: 'CRITICAL', sourceEventId: (await laneEvent(runId, 1)).eventId,
      message: 'Run "NV6K lane QC 1" lane QC FAIL: lane 1 (Q30 70% is below 75%), lane 3 (Q30 60% is below 75%)',
    });

    // A warned lane is a QC_WARNING of its own, as a job's WARN verdict is.
    expect(await recordLane(runId, 4, { q30Percent: 78, percentPf: 85 })).toBe('WARN');
    const [warning] = await lab.eventually(RUN_ALERTS, {}, (d) => alertsOfRun(d, runId, 'QC_WARNING').length > 0 && alertsOfRun(d, runId, 'QC_WARNING'), 'a QC_WARNING alert on the run');
    expect(warning).toMatchObject({ severity: 'WARNING', status: 'OPEN', message: 'Run "NV6K lane QC 1" lane QC WARN: lane 4 (Q30 78% is below 80%)' });
    // Left unacknowledged, the CRITICAL one escalates; its ESCALATION alert points at the run too.
    const [escalation] = await lab.eventually(RUN_ALERTS, {}, (d) => alertsOfRun(d, runId, 'ESCALATION').length > 0 && alertsOfRun(d, runId, 'ESCALATION'), 'the escalation');
    expect(escalation.sequencingRun).toEqual({ id: runId, name: 'NV6K lane QC 1' });
    expect(alertsOfRun((await lab.gql(RUN_ALERTS)).data, runId, 'QC_FAILED')).toHaveLength(1);
  });

  it('raises nothing for a lane that passes', async () => {
    const runId = await runOnLanes('NV6K all pass', [1, 2]);
    expect(await recordLane(runId, 1, { q30Percent: 93, percentPf: 85 })).toBe('PASS');
    // The marker: a failing lane of the same run (one stream, handled in order) after the passing one.
    expect(await recordLane(runId, 2, { q30Percent: 74, percentPf: 85 })).toBe('FAIL');
    await lab.eventually(RUN_ALERTS, {}, (d) => alertsOfRun(d, runId, 'QC_FAILED').length > 0, 'the marker lane\'s alert');
    const alerts = alertsOfRun((await lab.gql(RUN_ALERTS)).data, runId).filter((a: any) => a.kind !== 'ESCALATION');
    // One alert, raised by the failing lane: the passing lane raised none and is not in its message.
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'QC_FAILED', sourceEventId: (await laneEvent(runId, 2)).eventId, message: 'Run "NV6K all pass" lane QC FAIL: lane 2 (Q30 74% is below 75%)' });
  });

  it('raises once per lane QC event (a redelivery adds nothing) and stays open until a person resolves it', async () => {
    const runId = await runOnLanes('NV6K redelivered', [1, 2]);
    await recordLane(runId, 1, { q30Percent: 70, percentPf: 85 });
    const [alert] = await lab.eventually(RUN_ALERTS, {}, (d) => alertsOfRun(d, runId, 'QC_FAILED').length > 0 && alertsOfRun(d, runId, 'QC_FAILED'), 'a QC_FAILED alert on the run');
    const raises = async () =>
      (await sql<{ event_type: string }>`SELECT event_type FROM es.events WHERE stream_id = ${`Alert-${alert.id}`} AND event_type IN ('AlertRaised', 'AlertRepeated') ORDER BY stream_version`.execute(system.runtime.db)).rows.map((row) => row.event_type);
    expect(await raises()).toEqual(['AlertRaised']);
    // The lane's event handled again, as after a crash or by a second process: keyed by it, nothing new.
    const policy = bindPolicy(alertPolicy(new AlertCommands(system.runtime.commands, publishedFacts(system.runtime.store)), publishedFacts(system.runtime.store).runEvents), system.runtime.commands);
    await policy.apply(system.runtime.db, await laneEvent(runId, 1));
    expect(await raises()).toEqual(['AlertRaised']);

    // The lane recorded again and passing does not resolve it: a failed lane is for a person to judge.
    expect(await recordLane(runId, 1, { q30Percent: 90, percentPf: 85 })).toBe('PASS');
    // The marker: a later failing lane repeats the same alert (it was never resolved), naming only the lane failing now.
    expect(await recordLane(runId, 2, { q30Percent: 72, percentPf: 85 })).toBe('FAIL');
    const repeated = await lab.eventually(RUN_ALERTS, {}, (d) => alertsOfRun(d, runId, 'QC_FAILED').find((a: any) => a.message.includes('lane 2')), 'the repeat');
    expect(repeated).toMatchObject({ id: alert.id, status: 'OPEN', message: 'Run "NV6K redelivered" lane QC FAIL: lane 2 (Q30 72% is below 75%)' });
    expect(await raises()).toEqual(['AlertRaised', 'AlertRepeated']);
    // Completing the run (its data released with a failed lane) leaves it open too.
    await lab.mutate(`mutation($r: ID!) { completeSequencingRun(runId: $r) { position run { status } } }`, { r: runId });
    const [open] = alertsOfRun((await lab.gql(RUN_ALERTS)).data, runId, 'QC_FAILED');
    expect(open).toMatchObject({ id: alert.id, status: 'OPEN' });
    const resolved = await lab.mutate(`mutation($id: ID!) { resolveAlert(id: $id, note: "lane 2 re-sequenced") { position alert { status sequencingRun { id } } } }`, { id: alert.id });
    expect(resolved.alert).toEqual({ status: 'RESOLVED', sequencingRun: { id: runId } });
  });
});
