import { decideAcross, routeFrom, type Command, type Decider } from '../../../event-store/decider.js';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../../platform/errors.js';
import { SEVERITIES, type AlertEvent, type AlertKind, type AlertSlotEvent, type AlertStatus, type AlertSubject, type Severity } from '../events.js';

export interface Alert extends Omit<AlertSubject, 'sequencingRunId' | 'sampleBarcode'> {
  id: string;
  /** Null on alerts raised before runs could be a subject (their events have none). */
  sequencingRunId: string | null;
  /** Null without a sample, or on alerts raised before the barcode was recorded on them. */
  sampleBarcode: string | null;
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

/** A lab condition worth a person's attention; `alertId` names the alert if this opens a new one. */
export type RaiseAlert = Command<'RaiseAlert', { alertId: string; kind: AlertKind; severity: Severity; message: string; sourceEventId: string } & AlertSubject>;
export type AcknowledgeAlert = Command<'AcknowledgeAlert', { by: string | null; note: string | null }>;
export type ResolveAlert = Command<'ResolveAlert', { by: string | null; note: string | null }>;
/** `expectedLevel`: the level the escalator saw, so two escalators racing escalate once. */
export type EscalateAlert = Command<'EscalateAlert', { expectedLevel: number; delayMs: number }>;
export type AlertCommand = RaiseAlert | AcknowledgeAlert | ResolveAlert | EscalateAlert;

const missing = (): never => {
  throw new NotFoundError('alert not found');
};

export const alertDecider: Decider<AlertCommand, AlertEvent, AlertState> = {
  streamType: 'Alert',
  // 2: sequencingRunId. 3: sampleBarcode.
  stateSchema: 3,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state, { now }) => {
    switch (command.type) {
      case 'RaiseAlert': {
        const { alertId, ...data } = command.data;
        if (!alertExists(state)) return [{ type: 'AlertRaised', data: { alertId, ...data } }];
        // A resolved alert is history: the same condition again is a new alert (a new id), never this one.
        if (state.status === 'RESOLVED') throw new ConflictError(`alert ${state.id} is resolved`);
        return [{ type: 'AlertRepeated', data: { alertId: state.id, severity: data.severity, message: data.message, sourceEventId: data.sourceEventId } }];
      }
      case 'AcknowledgeAlert': {
        if (!alertExists(state)) return missing();
        if (state.status !== 'OPEN') throw new InvalidTransitionError(state.status, 'ACKNOWLEDGED', 'alert');
        return [{ type: 'AlertAcknowledged', data: { alertId: state.id, by: command.data.by, note: command.data.note?.trim() || null } }];
      }
      case 'ResolveAlert': {
        if (!alertExists(state)) return missing();
        if (state.status === 'RESOLVED') throw new InvalidTransitionError(state.status, 'RESOLVED', 'alert');
        return [{ type: 'AlertResolved', data: { alertId: state.id, by: command.data.by, note: command.data.note?.trim() || null } }];
      }
      case 'EscalateAlert': {
        // Nothing to do is not an error: the escalator asks about every alert it sees as due.
        const { expectedLevel, delayMs } = command.data;
        if (!alertExists(state) || state.status !== 'OPEN' || state.severity !== 'CRITICAL' || state.escalationLevel !== expectedLevel) return [];
        if (Date.parse(now) - Date.parse(state.lastEscalatedAt ?? state.raisedAt) < delayMs) return [];
        return [{ type: 'AlertEscalated', data: { alertId: state.id, level: state.escalationLevel + 1 } }];
      }
      default: {
        const unknown: never = command;
        throw new Error(`unknown alert command ${(unknown as Command).type}`);
      }
    }
  },
  evolve: (state, event) => {
    if (event.type === 'AlertRaised') {
      const { alertId, ...data } = event.data;
      return { id: alertId, ...data, sequencingRunId: data.sequencingRunId ?? null, sampleBarcode: data.sampleBarcode ?? null, status: 'OPEN', raisedAt: event.occurredAt, acknowledgedBy: null, acknowledgedAt: null, resolvedAt: null, escalationLevel: 0, lastEscalatedAt: null };
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
export type OpenSlot = Command<'OpenSlot', { alertId: string }>;
export type ClearSlot = Command<'ClearSlot', { alertId: string }>;
export type SlotCommand = OpenSlot | ClearSlot;

export const slotDecider: Decider<SlotCommand, AlertSlotEvent, SlotState> = {
  streamType: 'AlertSlot',
  stateSchema: 1,
  initialState: () => ({ openAlertId: null }),
  decide: (command, state) => {
    switch (command.type) {
      case 'OpenSlot':
        if (state.openAlertId) throw new ConflictError(`alert ${state.openAlertId} is already open for this subject`);
        return [{ type: 'AlertSlotOpened', data: { alertId: command.data.alertId } }];
      case 'ClearSlot':
        // Only the alert holding the slot frees it; any other leaves it as it is.
        return state.openAlertId === command.data.alertId ? [{ type: 'AlertSlotCleared', data: { alertId: command.data.alertId } }] : [];
      default: {
        const unknown: never = command;
        throw new Error(`unknown slot command ${(unknown as Command).type}`);
      }
    }
  },
  evolve: (_state, event) => ({ openAlertId: event.type === 'AlertSlotOpened' ? event.data.alertId : null }),
};

export const slotId = (tenantId: string, kind: AlertKind, subjectId: string) => `${tenantId}/${kind}/${subjectId}`;

/**
 * Raising: a new alert that takes the slot of its kind and subject, or, while the slot holds an open
 * alert, a repeat of that one (its severity only goes up).
 */
export const raiseAlert = decideAcross({ slot: slotDecider, alert: alertDecider }, (command: RaiseAlert, { slot, alert }, { now, versions }) => {
  if (slot.openAlertId) return { alert: alertDecider.decide(command, alert, { now, version: versions.alert }) };
  return {
    slot: slotDecider.decide({ type: 'OpenSlot', data: { alertId: command.data.alertId } }, slot, { now, version: versions.slot }),
    alert: alertDecider.decide(command, alert, { now, version: versions.alert }),
  };
});

/** The streams a raise touches: the slot, and the alert it holds open (or the new one). */
export const raiseRoute = (tenantId: string, command: RaiseAlert) => {
  const slot = slotId(tenantId, command.data.kind, command.data.subjectId);
  // Mostly the slot is free (or holds this very alert, on a redelivery): the command's own alert.
  return routeFrom(raiseAlert, 'slot', slot, (state) => ({ slot, alert: state.openAlertId ?? command.data.alertId }), { slot, alert: command.data.alertId });
};

/** Resolving frees the slot, so the same condition later opens a new alert. */
export const resolveAlert = decideAcross({ alert: alertDecider, slot: slotDecider }, (command: ResolveAlert, { alert, slot }, { now, versions }) => {
  const resolved = alertDecider.decide(command, alert, { now, version: versions.alert });
  return { alert: resolved, slot: slotDecider.decide({ type: 'ClearSlot', data: { alertId: (alert as Alert).id } }, slot, { now, version: versions.slot }) };
});

/** The slot of a resolve is the alert's own kind and subject, read from the alert. */
export const resolveRoute = (tenantId: string, alertId: string) =>
  routeFrom(resolveAlert, 'alert', alertId, (state) => ({
    alert: alertId,
    // An unknown alert is refused by the decision; any slot id will do to get there.
    slot: alertExists(state) ? slotId(tenantId, state.kind, state.subjectId) : slotId(tenantId, 'ESCALATION', `missing/${alertId}`),
  }));

/**
 * The alert open for one kind and subject, resolved because its condition was dealt with elsewhere
 * (the alert an ESCALATION is about was resolved; a rejected sample was resubmitted), its slot freed.
 * Nothing open (none raised, or resolved by hand already) is not an error: policies ask after every
 * such event, and again on a redelivery.
 */
export type ResolveOpenAlert = Command<'ResolveOpenAlert', { by: string | null; note: string | null }>;

export const resolveOpenAlert = decideAcross({ slot: slotDecider, alert: alertDecider }, (command: ResolveOpenAlert, { slot, alert }, { now, versions }) => {
  if (!slot.openAlertId || !alertExists(alert) || alert.id !== slot.openAlertId || alert.status === 'RESOLVED') return {};
  return resolveAlert.decide({ type: 'ResolveAlert', data: command.data }, { alert, slot }, { now, versions });
});

/** The slot of a kind and subject, and the alert it holds open. */
export const resolveOpenAlertRoute = (tenantId: string, kind: AlertKind, subjectId: string) => {
  const slot = slotId(tenantId, kind, subjectId);
  // An empty slot decides nothing; any alert id will do to get there.
  return routeFrom(resolveOpenAlert, 'slot', slot, (state) => ({ slot, alert: state.openAlertId ?? `none/${subjectId}` }));
};
