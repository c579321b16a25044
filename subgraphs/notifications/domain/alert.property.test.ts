import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../event-store/decider.js';
import { DomainError } from '../../../platform/errors.js';
import { SEVERITIES, type AlertEvent, type AlertSlotEvent, type Severity } from '../events.js';
import { alertDecider, alertExists, raiseAlert, resolveAlert, slotDecider, type Alert, type AlertState, type SlotState } from './alert.js';

const SEED = 19;
const env = <E extends AlertEvent | AlertSlotEvent>(event: E, occurredAt: string): Envelope<never> => ({ ...event, occurredAt, streamVersion: 1 }) as never;

const command = fc.oneof(
  fc.record({ op: fc.constant('raise' as const), severity: fc.constantFrom(...SEVERITIES) }),
  fc.record({ op: fc.constantFrom('acknowledge' as const, 'resolve' as const), note: fc.option(fc.oneof(fc.string(), fc.constantFrom(' ', '\u0000', 'x'.repeat(600)))) }),
  fc.record({ op: fc.constant('escalate' as const), minutes: fc.integer({ min: 0, max: 120 }) }),
);

describe('alert deciders, for any sequence of commands about one subject', () => {
  it('keeps at most one open alert per kind and subject, and severity never drops while open', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let slot: SlotState = slotDecider.initialState();
        const alerts = new Map<string, AlertState>();
        let clock = Date.parse('2026-11-21T10:00:00.000Z');
        let counter = 0;
        for (const c of commands) {
          clock += 60_000;
          const now = new Date(clock).toISOString();
          const current: AlertState = (slot.openAlertId && alerts.get(slot.openAlertId)) || alertDecider.initialState();
          try {
            if (c.op === 'raise') {
              const before = alertExists(current) ? current.severity : null;
              const command = { type: 'RaiseAlert' as const, data: { alertId: `a${++counter}`, kind: 'TEMPERATURE_EXCURSION' as const, severity: c.severity, message: 'm', sourceEventId: `e${counter}`, sampleId: null, storageUnitId: 'f', sequencingJobId: null, subjectId: 'f' } };
              // The route: the alert the slot holds open, else the new one.
              const target = slot.openAlertId ? current : alertDecider.initialState();
              const decided = raiseAlert.decide(command, { slot, alert: target }, { now, versions: { slot: 0, alert: 0 } });
              const [slotEvents, alertEvents] = [decided.slot ?? [], decided.alert ?? []];
              for (const event of slotEvents) slot = slotDecider.evolve(slot, env(event, now));
              for (const event of alertEvents) alerts.set(event.data.alertId, alertDecider.evolve(alerts.get(event.data.alertId) ?? alertDecider.initialState(), env(event, now)));
              const after = alerts.get(slot.openAlertId!) as Alert;
              if (before && alertEvents[0]!.type === 'AlertRepeated') expect(SEVERITIES.indexOf(after.severity)).toBeGreaterThanOrEqual(SEVERITIES.indexOf(before as Severity));
            } else if (c.op === 'acknowledge') {
              for (const event of alertDecider.decide({ type: 'AcknowledgeAlert', data: { by: 'ada', note: c.note } }, current, { now, version: 0 })) {
                alerts.set(event.data.alertId, alertDecider.evolve(current, env(event, now)));
              }
            } else if (c.op === 'resolve') {
              const decided = resolveAlert.decide({ type: 'ResolveAlert', data: { by: 'ada', note: c.note } }, { alert: current, slot }, { now, versions: { alert: 0, slot: 0 } });
              const [alertEvents, slotEvents] = [decided.alert ?? [], decided.slot ?? []];
              for (const event of alertEvents) alerts.set(event.data.alertId, alertDecider.evolve(current, env(event, now)));
              for (const event of slotEvents) slot = slotDecider.evolve(slot, env(event, now));
            } else if (c.op === 'escalate' && alertExists(current)) {
              const at = new Date(clock + c.minutes * 60_000).toISOString();
              for (const event of alertDecider.decide({ type: 'EscalateAlert', data: { expectedLevel: current.escalationLevel, delayMs: 15 * 60_000 } }, current, { now: at, version: 0 })) {
                alerts.set(event.data.alertId, alertDecider.evolve(current, env(event, now)));
              }
            }
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
          }
          const open = [...alerts.values()].filter((alert) => alertExists(alert) && alert.status !== 'RESOLVED');
          expect(open.length).toBeLessThanOrEqual(1);
          if (open.length === 1) expect(slot.openAlertId).toBe((open[0] as Alert).id);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
