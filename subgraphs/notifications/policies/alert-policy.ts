import type { EventConsumer } from '../../../event-store/projection.js';
import type { StoredEvent } from '../../../event-store/types.js';
import type { AlertCommands } from '../commands/alert-commands.js';
import type { RaiseAlert } from '../domain/alert.js';

export const ALERT_POLICY = 'notifications-alert-policy';

type Raise = Omit<RaiseAlert, 'alertId' | 'sourceEventId'>;
const subject = (ids: Partial<Pick<RaiseAlert, 'sampleId' | 'storageUnitId' | 'sequencingJobId'>>, subjectId: string) => ({
  sampleId: ids.sampleId ?? null,
  storageUnitId: ids.storageUnitId ?? null,
  sequencingJobId: ids.sequencingJobId ?? null,
  subjectId,
});

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** What each lab event means for the people watching alerts. */
export const ALERT_RULES: Record<string, (data: any) => Raise | null> = {
  TemperatureExcursionStarted: (d) => ({
    kind: 'TEMPERATURE_EXCURSION',
    severity: 'CRITICAL',
    message: `Temperature ${fmt(d.celsius)} °C is outside ${fmt(d.minTempC)}…${fmt(d.maxTempC)} °C`,
    ...subject({ storageUnitId: d.unitId }, d.unitId),
  }),
  CapacityThresholdCrossed: (d) => ({
    kind: 'CAPACITY',
    severity: d.threshold >= 95 ? 'CRITICAL' : 'WARNING',
    message: `${d.threshold}% of capacity reached (${d.occupied} of ${d.capacity} positions occupied)`,
    ...subject({ storageUnitId: d.unitId }, d.unitId),
  }),
  RunMetricsRecorded: (d) =>
    d.qcVerdict === 'PASS'
      ? null
      : {
          kind: d.qcVerdict === 'FAIL' ? 'QC_FAILED' : 'QC_WARNING',
          severity: d.qcVerdict === 'FAIL' ? 'CRITICAL' : 'WARNING',
          message: `Run QC ${d.qcVerdict}: Q30 ${d.metrics.q30Percent ?? '–'}%, cluster density ${d.metrics.clusterDensityKmm2 ?? '–'} K/mm²`,
          ...subject({ sequencingJobId: d.jobId }, d.jobId),
        },
  SampleRejected: (d) => ({
    kind: 'SAMPLE_REJECTED',
    severity: 'INFO',
    message: `Sample rejected${d.reason ? `: ${d.reason}` : ''}`,
    ...subject({ sampleId: d.sampleId }, d.sampleId),
  }),
  SagaFailed: (d) => ({
    kind: 'SAGA_FAILED',
    // FAILED: a compensation gave up, something is left half-done for a person to undo.
    severity: d.status === 'FAILED' ? 'CRITICAL' : 'WARNING',
    message: `${d.sagaType ?? 'Workflow'} ${String(d.status ?? 'failed').toLowerCase()}: ${d.error ?? 'no reason given'}`,
    ...subject({ sampleId: d.sampleId ?? null }, d.sagaId),
  }),
};

/** Raises alerts from the log; idempotent per source event (the raise is keyed by it). */
export const alertPolicy = (alerts: AlertCommands): EventConsumer => ({
  name: ALERT_POLICY,
  handles: new Set(Object.keys(ALERT_RULES)),
  async apply(_trx, event: StoredEvent) {
    const raise = ALERT_RULES[event.type]!(event.data);
    if (!raise) return;
    await alerts.raise(
      { tenantId: event.tenantId, actor: 'alert-policy', correlationId: event.metadata.correlationId, causationId: event.eventId, now: event.occurredAt },
      { ...raise, sourceEventId: event.eventId },
    );
  },
});
