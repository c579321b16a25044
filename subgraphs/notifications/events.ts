/**
 * The notifications context's published events: one union per stream (Alert, AlertSlot) and
 * NotificationsEvent for all of them. Other contexts import this module type-only.
 */
import type { Event } from '../../event-store/types.js';

export const SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type AlertKind = 'TEMPERATURE_EXCURSION' | 'CAPACITY' | 'QC_WARNING' | 'QC_FAILED' | 'SAMPLE_REJECTED' | 'SAGA_FAILED' | 'ESCALATION';
export type AlertStatus = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';

export type AlertSubject = {
  sampleId: string | null;
  storageUnitId: string | null;
  sequencingJobId: string | null;
  /** A sequencing run (its lane QC). Absent on alerts raised before a run could be an alert's subject. */
  sequencingRunId?: string | null;
  /**
   * The sample's barcode as registered (a barcode never changes), so a subscriber's `sample { barcode }`
   * is answered from the alert. Absent on alerts raised before it was recorded; null when the log
   * holds no registration for `sampleId` (a workflow that failed before registering its sample).
   */
  sampleBarcode?: string | null;
  /** The id the "one open alert per kind and subject" rule is keyed on. */
  subjectId: string;
};

export type AlertRaised = Event<'AlertRaised', { alertId: string; kind: AlertKind; severity: Severity; message: string; sourceEventId: string } & AlertSubject>;
/** The same condition again while its alert is open: the alert is updated, not duplicated. */
export type AlertRepeated = Event<'AlertRepeated', { alertId: string; severity: Severity; message: string; sourceEventId: string }>;
export type AlertAcknowledged = Event<'AlertAcknowledged', { alertId: string; by: string | null; note: string | null }>;
export type AlertResolved = Event<'AlertResolved', { alertId: string; by: string | null; note: string | null }>;
export type AlertEscalated = Event<'AlertEscalated', { alertId: string; level: number }>;
export type AlertEvent = AlertRaised | AlertRepeated | AlertAcknowledged | AlertResolved | AlertEscalated;

export type AlertSlotOpened = Event<'AlertSlotOpened', { alertId: string }>;
export type AlertSlotCleared = Event<'AlertSlotCleared', { alertId: string }>;
export type AlertSlotEvent = AlertSlotOpened | AlertSlotCleared;

export type NotificationsEvent = AlertEvent | AlertSlotEvent;
