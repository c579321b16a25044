import type { QcVerdict } from '../events.js';

/** What a lab judges one lane of a run by (per instrument and flowcell type, see lab-config.ts). */
export interface QcThresholds {
  /** Q30 below `failBelow` fails the lane, below `warnBelow` warns. */
  q30: { failBelow: number; warnBelow: number };
  /** %PF below this warns (null: not judged). Patterned flowcells report a lower %PF by design. */
  minPercentPf: number | null;
  /** Patterned flowcells only: % occupied nanowells below this warns (null: not judged). */
  minOccupancyPercent: number | null;
  /** Non-patterned flowcells only: density outside this band (K/mm²) warns (null: not judged). */
  clusterDensityKmm2: { min: number; max: number } | null;
}

export type LaneMetrics = {
  q30Percent: number | null;
  percentPf: number | null;
  occupancyPercent: number | null;
  clusterDensityKmm2: number | null;
  yieldGb: number | null;
};

/** The verdict and the reasons for it, in the lab's words. */
export const laneVerdict = (metrics: LaneMetrics, thresholds: QcThresholds, patterned: boolean): { verdict: QcVerdict; reasons: string[] } => {
  const fails: string[] = [];
  const warns: string[] = [];
  const { q30Percent, percentPf, occupancyPercent, clusterDensityKmm2 } = metrics;
  if (q30Percent !== null && q30Percent < thresholds.q30.failBelow) fails.push(`Q30 ${q30Percent}% is below ${thresholds.q30.failBelow}%`);
  else if (q30Percent !== null && q30Percent < thresholds.q30.warnBelow) warns.push(`Q30 ${q30Percent}% is below ${thresholds.q30.warnBelow}%`);
  if (percentPf !== null && thresholds.minPercentPf !== null && percentPf < thresholds.minPercentPf) warns.push(`%PF ${percentPf} is below ${thresholds.minPercentPf}`);
  if (patterned && occupancyPercent !== null && thresholds.minOccupancyPercent !== null && occupancyPercent < thresholds.minOccupancyPercent) {
    warns.push(`occupancy ${occupancyPercent}% is below ${thresholds.minOccupancyPercent}%`);
  }
  const band = thresholds.clusterDensityKmm2;
  if (!patterned && band && clusterDensityKmm2 !== null && (clusterDensityKmm2 < band.min || clusterDensityKmm2 > band.max)) {
    warns.push(`cluster density ${clusterDensityKmm2} K/mm² is outside ${band.min}–${band.max}`);
  }
  return { verdict: fails.length > 0 ? 'FAIL' : warns.length > 0 ? 'WARN' : 'PASS', reasons: [...fails, ...warns] };
};

const RANK: Record<QcVerdict, number> = { PASS: 0, WARN: 1, FAIL: 2 };
export const worstVerdict = (verdicts: readonly QcVerdict[]): QcVerdict | null =>
  verdicts.reduce<QcVerdict | null>((worst, v) => (worst === null || RANK[v] > RANK[worst] ? v : worst), null);
