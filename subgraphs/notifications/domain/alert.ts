import type { LegacyDecider } from '../../../event-store/decider.js';
import { BadInputError, InvalidTransitionError } from '../../../platform/errors.js';
import { SEVERITIES, type AlertEvent, type AlertKind, type AlertSlotEvent, type AlertStatus, type AlertSubject, type Severity } from './events.js';

export interface Alert extends AlertSubject {
  id: string;
  kind: AlertKind;
  severity: Severity;
  status: AlertStatus;
  message: string;
  raisedAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  escalationLevel: number;
  lastEscalatedAt: string | null;
  sourceEventId: string;
}

export type AlertState = { status: 'NONE' } | Alert;
export const alertExists = (state: AlertState): state is Alert => state.status !== 'NONE';

const higher = (a: Severity, b: Severity): Severity => (SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b);

export const alertDecider: LegacyDecider<AlertState, AlertEvent> = {
  streamType: 'Alert',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  evolve: (state, event) => {
    if (event.type === 'AlertRaised') {
      const { alertId, ...data } = event.data;
      return { id: alertId, ...data, status: 'OPEN', raisedAt: event.occurredAt, acknowledgedBy: null, acknowledgedAt: null, resolvedAt: null, escalationLevel: 0, lastEscalatedAt: null };
    }
    if (!alertExists(state)) return state;
    switch (event.type) {
      case 'AlertRepeated':
        return { ...state, severity: higher(state.severity, event.data.severity), message: event.data.message };
      case 'AlertAcknowledged':
        return { ...state, status: 'ACKNOWLEDGED', acknowledgedBy: event.data.by, acknowledgedAt: event.occurredAt };
      case 'AlertResolved':
        return { ...state, status: 'RESOLVED', resolvedAt: event.occurredAt };
      case 'AlertEscalated':
        return { ...state, escalationLevel: event.data.level, lastEscalatedAt: event.occurredAt };
    }
  },
};

/** Which alert is open for one (kind, subject): the "one open alert" rule's aggregate. */
export type SlotState = { openAlertId: string | null };

export const slotDecider: LegacyDecider<SlotState, AlertSlotEvent> = {
  streamType: 'AlertSlot',
  stateSchema: 1,
  initialState: () => ({ openAlertId: null }),
  evolve: (_state, event) => ({ openAlertId: event.type === 'AlertSlotOpened' ? event.data.alertId : null }),
};

export const slotId = (tenantId: string, kind: AlertKind, subjectId: string) => `${tenantId}/${kind}/${subjectId}`;

export interface RaiseAlert extends AlertSubject {
  alertId: string;
  kind: AlertKind;
  severity: Severity;
  message: string;
  sourceEventId: string;
}

/** Opens a new alert, or, while one is open for the same kind and subject, updates that one. */
export const raiseAlert = (command: RaiseAlert, slot: SlotState, open: AlertState): [AlertSlotEvent[], AlertEvent[]] => {
  if (slot.openAlertId && alertExists(open) && open.status !== 'RESOLVED') {
    return [[], [{ type: 'AlertRepeated', data: { alertId: open.id, severity: command.severity, message: command.message, sourceEventId: command.sourceEventId } }]];
  }
  const { alertId, ...data } = command;
  return [[{ type: 'AlertSlotOpened', data: { alertId } }], [{ type: 'AlertRaised', data: { alertId, ...data } }]];
};

export const acknowledgeAlert = (state: AlertState, by: string | null, note: string | null): AlertEvent[] => {
  if (!alertExists(state)) throw new BadInputError('no such alert', { field: 'id' });
  if (state.status !== 'OPEN') throw new InvalidTransitionError(state.status, 'ACKNOWLEDGED', 'alert');
  return [{ type: 'AlertAcknowledged', data: { alertId: state.id, by, note: note?.trim() || null } }];
};

export const resolveAlert = (state: AlertState, by: string | null, note: string | null): [AlertEvent[], AlertSlotEvent[]] => {
  if (!alertExists(state)) throw new BadInputError('no such alert', { field: 'id' });
  if (state.status === 'RESOLVED') throw new InvalidTransitionError(state.status, 'RESOLVED', 'alert');
  return [[{ type: 'AlertResolved', data: { alertId: state.id, by, note: note?.trim() || null } }], [{ type: 'AlertSlotCleared', data: { alertId: state.id } }]];
};

/** A CRITICAL alert left OPEN past the escalation delay goes one level up (once per delay). */
export const escalateAlert = (state: AlertState, expectedLevel: number, now: string, delayMs: number): AlertEvent[] => {
  if (!alertExists(state) || state.status !== 'OPEN' || state.severity !== 'CRITICAL' || state.escalationLevel !== expectedLevel) return [];
  const since = Date.parse(state.lastEscalatedAt ?? state.raisedAt);
  if (Date.parse(now) - since < delayMs) return [];
  return [{ type: 'AlertEscalated', data: { alertId: state.id, level: state.escalationLevel + 1 } }];
};
