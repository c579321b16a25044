import type { StoredEvent } from '../../../event-store/types.js';
import type { LaneQcRecorded, QcVerdict, RunEvent } from '../../sequencing/events.js';
import type { AlertKind, Severity } from '../events.js';

export type LaneVerdict = { lane: number; verdict: QcVerdict; reasons: readonly string[] };
/** What an alert about a run's lane QC says of the run: its name and each judged lane's latest verdict. */
export type RunLaneQc = { name: string | null; lanes: readonly LaneVerdict[] };

/**
 * The run as it stood at stream version `upTo` (the lane QC event's own): a later lane recorded
 * before the policy got round to this one does not change what this one meant, so a redelivery
 * words the alert the same way.
 */
export const runLaneQcAsOf = (events: readonly StoredEvent[], upTo: number): RunLaneQc => {
  let name: string | null = null;
  const lanes = new Map<number, LaneVerdict>();
  for (const stored of events) {
    if (stored.streamVersion > upTo) break;
    const event = { type: stored.type, data: stored.data } as RunEvent;
    if (event.type === 'RunCreated') name = event.data.name;
    // Recording a lane again replaces its verdict, as the run itself does.
    if (event.type === 'LaneQcRecorded') lanes.set(event.data.lane, { lane: event.data.lane, verdict: event.data.verdict, reasons: event.data.reasons });
  }
  return { name, lanes: [...lanes.values()].sort((a, b) => a.lane - b.lane) };
};

/**
 * A lane judged FAIL or WARN, as an alert about its run: QC_FAILED (CRITICAL) or QC_WARNING
 * (WARNING), the severities a job's QC verdict gets; PASS raises nothing. The message names the
 * run and every lane of the run that has that verdict now, with the reasons the lab's thresholds
 * gave, so the run's one open alert of the kind reads right after its second failing lane too.
 */
export const laneQcAlert = (recorded: LaneQcRecorded['data'], run: RunLaneQc): { kind: AlertKind; severity: Severity; message: string } | null => {
  if (recorded.verdict === 'PASS') return null;
  // The recorded lane as its event says, whatever the read of the run found.
  const lanes = [...run.lanes.filter((lane) => lane.lane !== recorded.lane), recorded]
    .filter((lane) => lane.verdict === recorded.verdict)
    .sort((a, b) => a.lane - b.lane);
  const failed = recorded.verdict === 'FAIL';
  const judged = lanes.map((lane) => `lane ${lane.lane} (${lane.reasons.join('; ') || 'no reason given'})`).join(', ');
  return {
    kind: failed ? 'QC_FAILED' : 'QC_WARNING',
    severity: failed ? 'CRITICAL' : 'WARNING',
    message: `Run "${run.name ?? recorded.runId}" lane QC ${recorded.verdict}: ${judged}`,
  };
};
