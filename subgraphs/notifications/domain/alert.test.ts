import { describe, expect, it } from 'vitest';
import { given, givenAcross } from '../../../event-store/testing/decider-spec.js';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../../platform/errors.js';
import type { AlertEvent, AlertSlotEvent, Severity } from '../events.js';
import { alertDecider, raiseAlert, resolveAlert, slotDecider, type AlertCommand, type RaiseAlert } from './alert.js';

const subject = { sampleId: null, storageUnitId: 'f1', sequencingJobId: null, subjectId: 'f1' };

const raise = (severity: Severity = 'CRITICAL', alertId = 'a1', sourceEventId = 'e1', message = 'too warm'): RaiseAlert => ({
  type: 'RaiseAlert',
  data: { alertId, kind: 'TEMPERATURE_EXCURSION', severity, message, sourceEventId, ...subject },
});
const acknowledge = (note: string | null = null): AlertCommand => ({ type: 'AcknowledgeAlert', data: { by: 'ada', note } });
const resolve = (note: string | null = null) => ({ type: 'ResolveAlert', data: { by: 'ada', note } }) as const;
const escalate = (expectedLevel: number, delayMs = 60_000): AlertCommand => ({ type: 'EscalateAlert', data: { expectedLevel, delayMs } });

const raised = (severity: Severity = 'CRITICAL', alertId = 'a1'): AlertEvent => ({
  type: 'AlertRaised',
  data: { alertId, kind: 'TEMPERATURE_EXCURSION', severity, message: 'too warm', sourceEventId: 'e1', ...subject },
});
const repeated = (severity: Severity, message: string, sourceEventId: string): AlertEvent => ({ type: 'AlertRepeated', data: { alertId: 'a1', severity, message, sourceEventId } });
const acknowledged = (note: string | null = null): AlertEvent => ({ type: 'AlertAcknowledged', data: { alertId: 'a1', by: 'ada', note } });
const resolved = (note: string | null = null): AlertEvent => ({ type: 'AlertResolved', data: { alertId: 'a1', by: 'ada', note } });
const escalated = (level: number): AlertEvent => ({ type: 'AlertEscalated', data: { alertId: 'a1', level } });
const opened = (alertId = 'a1'): AlertSlotEvent => ({ type: 'AlertSlotOpened', data: { alertId } });
const cleared = (alertId = 'a1'): AlertSlotEvent => ({ type: 'AlertSlotCleared', data: { alertId } });

describe('raising an alert (slot + alert)', () => {
  it('opens a new alert in a free slot', () => {
    givenAcross(raiseAlert).when(raise()).then({ slot: [opened()], alert: [raised()] });
  });

  it('repeats the open alert of the same kind and subject instead of opening a second', () => {
    givenAcross(raiseAlert, { slot: [opened()], alert: [raised('WARNING')] })
      .when(raise('CRITICAL', 'a2', 'e2', 'warmer'))
      .then({ alert: [repeated('CRITICAL', 'warmer', 'e2')] });
  });

  it('repeats an acknowledged alert too: it is still open until resolved', () => {
    givenAcross(raiseAlert, { slot: [opened()], alert: [raised(), acknowledged()] })
      .when(raise('INFO', 'a2', 'e2', 'still warm'))
      .then({ alert: [repeated('INFO', 'still warm', 'e2')] });
  });

  it('opens a new alert once the slot was freed by a resolve', () => {
    givenAcross(raiseAlert, { slot: [opened(), cleared()] }).when(raise('CRITICAL', 'a2')).then({ slot: [opened('a2')], alert: [raised('CRITICAL', 'a2')] });
  });

  it('refuses to raise onto a resolved alert', () => {
    given(alertDecider, [raised(), resolved()]).when(raise()).thenThrows(ConflictError, /resolved/);
  });

  it('reads an alert raised before runs could be a subject (no sequencingRunId in its event) as about no run', () => {
    const state = alertDecider.evolve(alertDecider.initialState(), { ...raised(), occurredAt: '2026-12-01T00:00:00.000Z', streamVersion: 1 });
    expect(state).toMatchObject({ id: 'a1', storageUnitId: 'f1', sequencingRunId: null });
  });

  it('refuses to open a slot that holds an open alert', () => {
    given(slotDecider, [opened()]).when({ type: 'OpenSlot', data: { alertId: 'a2' } }).thenThrows(ConflictError, /already open/);
  });
});

describe('acknowledging an alert', () => {
  it('moves OPEN → ACKNOWLEDGED, keeping the note trimmed (blank: none)', () => {
    given(alertDecider, [raised()]).when(acknowledge('  door was open ')).then([acknowledged('door was open')]);
    given(alertDecider, [raised()]).when(acknowledge('   ')).then([acknowledged(null)]);
  });

  it('refuses an alert that is not OPEN, and one that does not exist', () => {
    given(alertDecider, [raised(), acknowledged()]).when(acknowledge()).thenThrows(InvalidTransitionError, /ACKNOWLEDGED to ACKNOWLEDGED/);
    given(alertDecider, [raised(), resolved()]).when(acknowledge()).thenThrows(InvalidTransitionError, /RESOLVED to ACKNOWLEDGED/);
    given(alertDecider).when(acknowledge()).thenThrows(NotFoundError);
  });
});

describe('resolving an alert (alert + slot)', () => {
  it('resolves an OPEN or ACKNOWLEDGED alert and frees its slot', () => {
    givenAcross(resolveAlert, { alert: [raised()], slot: [opened()] }).when(resolve(' fixed ')).then({ alert: [resolved('fixed')], slot: [cleared()] });
    givenAcross(resolveAlert, { alert: [raised(), acknowledged()], slot: [opened()] }).when(resolve()).then({ alert: [resolved()], slot: [cleared()] });
  });

  it('leaves a slot held by another alert as it is', () => {
    givenAcross(resolveAlert, { alert: [raised()], slot: [opened('a9')] }).when(resolve()).then({ alert: [resolved()] });
    given(slotDecider).when({ type: 'ClearSlot', data: { alertId: 'a1' } }).then([]);
  });

  it('refuses a resolved alert and one that does not exist', () => {
    givenAcross(resolveAlert, { alert: [raised(), resolved()], slot: [opened(), cleared()] }).when(resolve()).thenThrows(InvalidTransitionError, /RESOLVED to RESOLVED/);
    givenAcross(resolveAlert).when(resolve()).thenThrows(NotFoundError);
  });
});

// A spec's history happens at the command's time, so "the delay has passed" is a delay of 0 here
// and "not yet" a delay of 1 ms (the e2e suite watches real delays pass).
describe('escalating an alert', () => {
  it('escalates an unacknowledged CRITICAL alert once the delay has passed, one level at a time', () => {
    given(alertDecider, [raised()]).when(escalate(0, 0)).then([escalated(1)]);
    given(alertDecider, [raised(), escalated(1)]).when(escalate(1, 0)).then([escalated(2)]);
  });

  it('does nothing before the delay, for a level someone else already escalated, or for an acknowledged, milder, resolved or unknown alert', () => {
    given(alertDecider, [raised()]).when(escalate(0, 1)).then([]);
    given(alertDecider, [raised(), escalated(1)]).when(escalate(1, 1)).then([]);
    given(alertDecider, [raised(), escalated(1)]).when(escalate(0, 0)).then([]);
    given(alertDecider, [raised(), acknowledged()]).when(escalate(0, 0)).then([]);
    given(alertDecider, [raised('WARNING')]).when(escalate(0, 0)).then([]);
    given(alertDecider, [raised(), resolved()]).when(escalate(0, 0)).then([]);
    given(alertDecider).when(escalate(0, 0)).then([]);
  });
});
