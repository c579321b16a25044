import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../event-store/types.js';
import type { LaneQcRecorded, QcVerdict, RunEvent } from '../../sequencing/events.js';
import { laneQcAlert, runLaneQcAsOf } from './run-lane-qc.js';

const RUN = 'run-1';
const stored = (streamVersion: number, event: RunEvent) => ({ ...event, streamVersion }) as unknown as StoredEvent;
const created = stored(1, { type: 'RunCreated', data: { runId: RUN, name: 'NV6K 2026-12-09', instrument: 'NOVASEQ_6000', flowcellType: 'S4', lanes: 4, readStructure: '151T8B8B151T' } });
const lane = (lane: number, verdict: QcVerdict, reasons: string[] = []): LaneQcRecorded['data'] => ({
  runId: RUN, lane, verdict, reasons, recordedBy: 'ada',
  metrics: { q30Percent: null, percentPf: null, occupancyPercent: null, clusterDensityKmm2: null, yieldGb: null },
});
const recorded = (streamVersion: number, data: LaneQcRecorded['data']) => stored(streamVersion, { type: 'LaneQcRecorded', data });

describe('a lane QC verdict as an alert about its run', () => {
  it('a FAIL lane is a CRITICAL QC_FAILED naming the run, the lane and why', () => {
    const fail = lane(1, 'FAIL', ['Q30 70% is below 75%']);
    expect(laneQcAlert(fail, runLaneQcAsOf([created, recorded(2, fail)], 2))).toEqual({
      kind: 'QC_FAILED',
      severity: 'CRITICAL',
      message: 'Run "NV6K 2026-12-09" lane QC FAIL: lane 1 (Q30 70% is below 75%)',
    });
  });

  it('a WARN lane is a WARNING QC_WARNING, as a job\'s QC; a PASS lane raises nothing', () => {
    const warn = lane(2, 'WARN', ['%PF 65 is below 70']);
    expect(laneQcAlert(warn, runLaneQcAsOf([created, recorded(2, warn)], 2))).toMatchObject({ kind: 'QC_WARNING', severity: 'WARNING', message: 'Run "NV6K 2026-12-09" lane QC WARN: lane 2 (%PF 65 is below 70)' });
    expect(laneQcAlert(lane(3, 'PASS'), runLaneQcAsOf([created, recorded(2, lane(3, 'PASS'))], 2))).toBeNull();
  });

  it('names every lane of the run with the same verdict as of the event: not a passed or warned lane, not a lane recorded later', () => {
    const events = [
      created,
      recorded(2, lane(1, 'FAIL', ['Q30 70% is below 75%'])),
      recorded(3, lane(2, 'PASS')),
      recorded(4, lane(4, 'WARN', ['Q30 78% is below 80%'])),
      recorded(5, lane(3, 'FAIL', ['Q30 60% is below 75%', '%PF 50 is below 70'])),
      recorded(6, lane(2, 'FAIL', ['Q30 10% is below 75%'])),
    ];
    expect(laneQcAlert(lane(3, 'FAIL', ['Q30 60% is below 75%', '%PF 50 is below 70']), runLaneQcAsOf(events, 5))?.message).toBe(
      'Run "NV6K 2026-12-09" lane QC FAIL: lane 1 (Q30 70% is below 75%), lane 3 (Q30 60% is below 75%; %PF 50 is below 70)',
    );
  });

  it('a lane recorded again counts with its latest verdict', () => {
    const events = [created, recorded(2, lane(1, 'FAIL', ['Q30 70% is below 75%'])), recorded(3, lane(1, 'PASS')), recorded(4, lane(2, 'FAIL', ['Q30 74% is below 75%']))];
    expect(laneQcAlert(lane(2, 'FAIL', ['Q30 74% is below 75%']), runLaneQcAsOf(events, 4))?.message).toBe('Run "NV6K 2026-12-09" lane QC FAIL: lane 2 (Q30 74% is below 75%)');
  });

  it('falls back to the run id when the run\'s name cannot be read', () => {
    expect(laneQcAlert(lane(1, 'FAIL'), runLaneQcAsOf([], 2))?.message).toBe('Run "run-1" lane QC FAIL: lane 1 (no reason given)');
  });
});
