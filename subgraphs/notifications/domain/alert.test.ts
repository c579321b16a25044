import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../event-store/decider.js';
import { InvalidTransitionError } from '../../../platform/errors.js';
import type { AlertEvent } from './events.js';
import { acknowledgeAlert, alertDecider, escalateAlert, raiseAlert, resolveAlert, slotDecider, type AlertState } from './alert.js';

const at = (event: AlertEvent, occurredAt = '2026-11-21T10:00:00.000Z'): Envelope<AlertEvent> => ({ ...event, occurredAt, streamVersion: 1 });
const raise = { alertId: 'a1', kind: 'TEMPERATURE_EXCURSION' as const, severity: 'CRITICAL' as const, message: 'too warm', sourceEventId: 'e1', sampleId: null, storageUnitId: 'f1', sequencingJobId: null, subjectId: 'f1' };
const open = (): AlertState => alertDecider.evolve(alertDecider.initialState(), at(raiseAlert(raise, { openAlertId: null }, { status: 'NONE' })[1][0]!));

describe('alerts', () => {
  it('opens one alert per kind and subject; a repeat updates it', () => {
    const [slot, alert] = raiseAlert(raise, { openAlertId: null }, { status: 'NONE' });
    expect([slot[0]!.type, alert[0]!.type]).toEqual(['AlertSlotOpened', 'AlertRaised']);
    const [noSlotChange, repeat] = raiseAlert({ ...raise, message: 'warmer', sourceEventId: 'e2' }, { openAlertId: 'a1' }, open());
    expect(noSlotChange).toEqual([]);
    expect(repeat[0]).toMatchObject({ type: 'AlertRepeated', data: { alertId: 'a1', message: 'warmer' } });
  });

  it('moves OPEN → ACKNOWLEDGED → RESOLVED and refuses anything else', () => {
    const acknowledged = alertDecider.evolve(open(), at(acknowledgeAlert(open(), 'ada', 'door')[0]!));
    expect(acknowledged).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'ada' });
    expect(() => acknowledgeAlert(acknowledged, 'ada', null)).toThrow(InvalidTransitionError);
    const [resolvedEvents, slotEvents] = resolveAlert(acknowledged, 'ada', null);
    const resolved = alertDecider.evolve(acknowledged, at(resolvedEvents[0]!));
    expect(resolved.status).toBe('RESOLVED');
    expect(slotDecider.evolve({ openAlertId: 'a1' }, { ...slotEvents[0]!, occurredAt: 'x', streamVersion: 2 })).toEqual({ openAlertId: null });
    expect(() => resolveAlert(resolved, 'ada', null)).toThrow(InvalidTransitionError);
    expect(() => acknowledgeAlert(resolved, 'ada', null)).toThrow(InvalidTransitionError);
  });

  it('escalates an unacknowledged CRITICAL alert once per delay, never an acknowledged or milder one', () => {
    const later = (ms: number) => new Date(Date.parse('2026-11-21T10:00:00.000Z') + ms).toISOString();
    expect(escalateAlert(open(), 0, later(59_000), 60_000)).toEqual([]);
    expect(escalateAlert(open(), 0, later(60_000), 60_000)[0]).toMatchObject({ type: 'AlertEscalated', data: { level: 1 } });
    expect(escalateAlert(open(), 1, later(60_000), 60_000)).toEqual([]); // someone else escalated first
    const acknowledged = alertDecider.evolve(open(), at(acknowledgeAlert(open(), 'ada', null)[0]!));
    expect(escalateAlert(acknowledged, 0, later(600_000), 60_000)).toEqual([]);
    const warning = alertDecider.evolve(alertDecider.initialState(), at(raiseAlert({ ...raise, severity: 'WARNING' }, { openAlertId: null }, { status: 'NONE' })[1][0]!));
    expect(escalateAlert(warning, 0, later(600_000), 60_000)).toEqual([]);
  });
});
