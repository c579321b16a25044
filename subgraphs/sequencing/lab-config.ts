import { z } from 'zod';
import { ConfigError } from '../../platform/config.js';
import { DEFAULT_INDEX_CHECK_LEVELS, type IndexCheckLevels } from './domain/index-check.js';
import { INSTRUMENT_MODELS } from './domain/instruments.js';
import type { QcThresholds } from './domain/run-qc.js';

/**
 * The lab's sequencing rules: index check levels and QC thresholds per instrument and flowcell
 * type, from SEQUENCING_LAB_CONFIG (JSON), checked at start. Keys of `qc` are an instrument code
 * (NOVASEQ_6000) or instrument/flowcell (MISEQ/MISEQ_V3); field by field, the lab's values win over
 * the defaults, and within each the flowcell type's over the instrument's.
 *
 * Defaults and where they come from:
 * - Index checks: MISO LIMS (error at ≤ 1 combined mismatch, warning at ≤ 2), see domain/index-check.ts.
 * - Q30: below 75% FAIL, below 80% WARN, this project's QC rule (shared/API.md), for every Illumina model.
 * - Cluster density bands for non-patterned flowcells: Illumina bulletin "Cluster density guidelines ...
 *   non-patterned flow cells" (2016, [DEN] in domain/instruments.ts): MiSeq v2 1000–1200 K/mm², v3
 *   1200–1400, NextSeq 500/550 170–220. Patterned flowcells are not judged by density.
 * - %PF and occupancy: no default. Illumina (KB 000007457, "Differences in the percent clusters passing
 *   filter on patterned and non patterned flow cells") says patterned flowcells report a lower %PF by
 *   design and to judge runs by the instrument's specifications, which give no single number: a lab
 *   sets minPercentPf / minOccupancyPercent for its instruments here.
 */
export interface SequencingLabConfig {
  indexCheck: IndexCheckLevels;
  qcThresholds: (instrument: string, flowcellType: string) => QcThresholds;
}

/**
 * The mismatch levels a pool was judged by, which judge it again on a lane of a run that reads no second index
 * (loadPoolOnLane, and the run's sample sheet, so the two never disagree): those its PoolCreated recorded.
 *
 * A pool created before PoolCreated recorded them (`levels` null in its state, absent in a read-model row folded
 * then) takes the lab's configured levels, not the defaults. Such a pool was judged by its createPool's
 * `indexCheck` if one was given (unknowable now), else by the lab's configured levels since labs could configure
 * them, and by the defaults before, when every lab's levels were the defaults: the lab's levels are the likeliest
 * ones and the lab's own statement of what it can demultiplex. Falling back to the defaults would keep, for every
 * pool made so far, the very defect of judging a lab's lanes by MISO's levels instead of its own. Both places that
 * need the levels hold the configuration; the deciders do not, so a pool's state keeps null and they are given levels.
 */
export const poolIndexLevels = (config: Pick<SequencingLabConfig, 'indexCheck'>, pool: { levels?: IndexCheckLevels | null }): IndexCheckLevels => pool.levels ?? config.indexCheck;

const DEFAULT_Q30 = { failBelow: 75, warnBelow: 80 };
const DEFAULT_QC: Record<string, Partial<QcThresholds>> = {
  'MISEQ/MISEQ_V2': { clusterDensityKmm2: { min: 1000, max: 1200 } },
  'MISEQ/MISEQ_V3': { clusterDensityKmm2: { min: 1200, max: 1400 } },
  NEXTSEQ_550: { clusterDensityKmm2: { min: 170, max: 220 } },
};

const percent = z.number().min(0).max(100);
const thresholdsSchema = z
  .object({
    q30: z.object({ failBelow: percent, warnBelow: percent }).refine((q) => q.failBelow <= q.warnBelow, 'failBelow must be at most warnBelow'),
    minPercentPf: percent.nullable(),
    minOccupancyPercent: percent.nullable(),
    clusterDensityKmm2: z.object({ min: z.number().min(0), max: z.number().positive() }).refine((b) => b.min <= b.max, 'min must be at most max').nullable(),
  })
  .partial()
  .strict();

const knownKey = (key: string) => {
  const [instrument, flowcell, ...rest] = key.split('/');
  const model = INSTRUMENT_MODELS.find((m) => m.id === instrument);
  return rest.length === 0 && model !== undefined && (flowcell === undefined || model.flowcells.some((f) => f.id === flowcell));
};

const labConfigSchema = z
  .object({
    indexCheck: z
      .object({ errorMismatches: z.number().int().min(0), warningMismatches: z.number().int().min(0) })
      .strict()
      .refine((l) => l.errorMismatches <= l.warningMismatches, 'errorMismatches must be at most warningMismatches'),
    qc: z.record(z.string(), thresholdsSchema).superRefine((qc, ctx) => {
      for (const key of Object.keys(qc)) if (!knownKey(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'must be a catalogued instrument code or instrument/flowcell type' });
    }),
  })
  .partial()
  .strict();

/** Reads SEQUENCING_LAB_CONFIG; every problem is a ConfigError naming the variable, so a process stops at start. */
export const sequencingLabConfig = (json: string | undefined): SequencingLabConfig => {
  let raw: unknown = {};
  if (json !== undefined) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new ConfigError(['SEQUENCING_LAB_CONFIG must be JSON']);
    }
  }
  const parsed = labConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `SEQUENCING_LAB_CONFIG ${['', ...issue.path].join('.').slice(1) || '(root)'} ${issue.message}`));
  const lab = parsed.data.qc ?? {};
  return {
    indexCheck: parsed.data.indexCheck ?? DEFAULT_INDEX_CHECK_LEVELS,
    qcThresholds: (instrument, flowcellType) => {
      const specific = `${instrument}/${flowcellType}`;
      return {
        q30: DEFAULT_Q30,
        minPercentPf: null,
        minOccupancyPercent: null,
        clusterDensityKmm2: null,
        ...DEFAULT_QC[instrument],
        ...DEFAULT_QC[specific],
        ...lab[instrument],
        ...lab[specific],
      } as QcThresholds;
    },
  };
};
