import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';
import { bearer } from '../support/tokens.js';
import { sql } from 'kysely';
import { AlertCommands } from '../../subgraphs/notifications/commands/alert-commands.js';

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
    await new AlertCommands(system.runtime.commands).resolveEscalation({ tenantId: 'demo', actor: 'manager@demo', correlationId: 'redelivery', causationId: source!.event_id, now: new Date().toISOString() }, alert.id, source!.event_id);
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
