import { policy, type Dispatcher } from '../../../event-store/projection.js';
import type { SagaFailed } from '../../../sagas/events.js';
// Today's homes of the other contexts' published types (moving to subgraphs/<ctx>/events.ts).
import type { SampleRejected } from '../../samples/events.js';
import type { LaneQcRecorded, RunMetricsRecorded } from '../../sequencing/events.js';
import type { CapacityThresholdCrossed, TemperatureExcursionStarted } from '../../storage/events.js';
import type { AlertCommands, AlertToRaise } from '../commands/alert-commands.js';
import { laneQcAlert, runLaneQcAsOf } from '../domain/run-lane-qc.js';
import type { PublishedFacts } from '../published-facts.js';

export const ALERT_POLICY = 'notifications-alert-policy';

/** Every event that can mean an alert: the policy's handler map is exactly this union. */
export type AlertSource = TemperatureExcursionStarted | CapacityThresholdCrossed | RunMetricsRecorded | LaneQcRecorded | SampleRejected | SagaFailed;


type Raise = Omit<AlertToRaise, 'sourceEventId'>;
const subject = (ids: Partial<Pick<AlertToRaise, 'sampleId' | 'storageUnitId' | 'sequencingJobId' | 'sequencingRunId'>>, subjectId: string) => ({
  sampleId: ids.sampleId ?? null,
  storageUnitId: ids.storageUnitId ?? null,
  sequencingJobId: ids.sequencingJobId ?? null,
  sequencingRunId: ids.sequencingRunId ?? null,
  subjectId,
});

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/**
 * What each lab event means for the people watching alerts; the map is also the list of events the
 * policy reacts to. Idempotent per source event: the raise is keyed by it, so a redelivery raises
 * nothing new.
 */
/** `runEvents`: a lane QC alert reads the run's name and its other lanes' verdicts as of the lane's own event. */
export const alertPolicy = (alerts: AlertCommands, runEvents: PublishedFacts['runEvents']) => {
  const raise = async (event: { eventId: string }, dispatch: Dispatcher, alert: Raise | null) => {
    if (alert) await alerts.raise(dispatch.context, { ...alert, sourceEventId: event.eventId });
  };
  // Live: an alert is raised as soon as its source event is seen, not after the runner's batch.
  return policy<AlertSource>(ALERT_POLICY, {
    TemperatureExcursionStarted: (event, dispatch) =>
      raise(event, dispatch, {
        kind: 'TEMPERATURE_EXCURSION',
        severity: 'CRITICAL',
        message: `Temperature ${fmt(event.data.celsius)} °C is outside ${fmt(event.data.minTempC)}…${fmt(event.data.maxTempC)} °C`,
        ...subject({ storageUnitId: event.data.unitId }, event.data.unitId),
      }),
    CapacityThresholdCrossed: (event, dispatch) =>
      raise(event, dispatch, {
        kind: 'CAPACITY',
        severity: event.data.threshold >= 95 ? 'CRITICAL' : 'WARNING',
        message: `${event.data.threshold}% of capacity reached (${event.data.occupied} of ${event.data.capacity} positions occupied${event.data.reserved ? `, ${event.data.reserved} held` : ''})`,
        ...subject({ storageUnitId: event.data.unitId }, event.data.unitId),
      }),
    RunMetricsRecorded: ({ data: d, ...event }, dispatch) =>
      raise(
        event,
        dispatch,
        d.qcVerdict === 'PASS'
          ? null
          : {
              kind: d.qcVerdict === 'FAIL' ? 'QC_FAILED' : 'QC_WARNING',
              severity: d.qcVerdict === 'FAIL' ? 'CRITICAL' : 'WARNING',
              message: `Run QC ${d.qcVerdict}: Q30 ${d.metrics.q30Percent ?? '–'}%, cluster density ${d.metrics.clusterDensityKmm2 ?? '–'} K/mm²`,
              ...subject({ sequencingJobId: d.jobId }, d.jobId),
            },
      ),
    // Like a job's QC: FAIL → QC_FAILED, WARN → QC_WARNING, on the run (one open alert per kind and run).
    // Nothing resolves it but a person: a lane recorded PASS later, or the run completed, leaves it open.
    LaneQcRecorded: async ({ data: d, ...event }, dispatch) => {
      if (d.verdict === 'PASS') return;
      const alert = laneQcAlert(d, runLaneQcAsOf(await runEvents(event.tenantId, d.runId), event.streamVersion));
      await raise(event, dispatch, alert && { ...alert, ...subject({ sequencingRunId: d.runId }, d.runId) });
    },
    SampleRejected: ({ data: d, ...event }, dispatch) =>
      raise(event, dispatch, {
        kind: 'SAMPLE_REJECTED',
        severity: 'INFO',
        message: `Sample rejected${d.reason ? `: ${d.reason}` : ''}`,
        ...subject({ sampleId: d.sampleId }, d.sampleId),
      }),
    SagaFailed: ({ data: d, ...event }, dispatch) =>
      raise(event, dispatch, {
        kind: 'SAGA_FAILED',
        // FAILED: a compensation gave up, something is left half-done for a person to undo.
        severity: d.status === 'FAILED' ? 'CRITICAL' : 'WARNING',
        message: `${d.sagaType ?? 'Workflow'} ${String(d.status ?? 'failed').toLowerCase()}: ${d.error ?? 'no reason given'}`,
        ...subject({ sampleId: d.sampleId ?? null }, d.sagaId),
      }),
  }, { live: true });
};
