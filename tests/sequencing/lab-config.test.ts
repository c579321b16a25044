import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config.js';
import { poolIndexLevels, sequencingLabConfig } from '../../subgraphs/sequencing/lab-config.js';

const problems = (json: string) => {
  try {
    sequencingLabConfig(json);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

describe('SEQUENCING_LAB_CONFIG', () => {
  it('defaults: MISO index levels, Q30 75/80, density bands only for non-patterned flowcells, no %PF or occupancy minimum', () => {
    const config = sequencingLabConfig(undefined);
    expect(config.indexCheck).toEqual({ errorMismatches: 1, warningMismatches: 2 });
    expect(config.qcThresholds('NOVASEQ_6000', 'S4')).toEqual({ q30: { failBelow: 75, warnBelow: 80 }, minPercentPf: null, minOccupancyPercent: null, clusterDensityKmm2: null });
    expect(config.qcThresholds('MISEQ', 'MISEQ_V2').clusterDensityKmm2).toEqual({ min: 1000, max: 1200 });
    expect(config.qcThresholds('MISEQ', 'MISEQ_V3').clusterDensityKmm2).toEqual({ min: 1200, max: 1400 });
    expect(config.qcThresholds('NEXTSEQ_550', 'NEXTSEQ_HIGH_OUTPUT').clusterDensityKmm2).toEqual({ min: 170, max: 220 });
  });

  it('a lab overrides per instrument, and per flowcell type over that, field by field', () => {
    const config = sequencingLabConfig(JSON.stringify({
      indexCheck: { errorMismatches: 0, warningMismatches: 3 },
      qc: { NOVASEQ_6000: { minPercentPf: 65, q30: { failBelow: 70, warnBelow: 85 } }, 'NOVASEQ_6000/S4': { minOccupancyPercent: 90 }, MISEQ: { clusterDensityKmm2: { min: 900, max: 1100 } } },
    }));
    expect(config.indexCheck).toEqual({ errorMismatches: 0, warningMismatches: 3 });
    expect(config.qcThresholds('NOVASEQ_6000', 'S4')).toEqual({ q30: { failBelow: 70, warnBelow: 85 }, minPercentPf: 65, minOccupancyPercent: 90, clusterDensityKmm2: null });
    expect(config.qcThresholds('NOVASEQ_6000', 'S1').minOccupancyPercent).toBeNull();
    // The lab's instrument-wide band wins over the cited flowcell default.
    expect(config.qcThresholds('MISEQ', 'MISEQ_V3').clusterDensityKmm2).toEqual({ min: 900, max: 1100 });
  });

  it("a pool is judged on a lane by the levels it recorded; one created before pools recorded them, by the lab's configured levels", () => {
    const lab = sequencingLabConfig(JSON.stringify({ indexCheck: { errorMismatches: 2, warningMismatches: 3 } }));
    const given = { errorMismatches: 0, warningMismatches: 1 };
    expect(poolIndexLevels(lab, { levels: given })).toEqual(given);
    expect(poolIndexLevels(lab, { levels: null })).toEqual({ errorMismatches: 2, warningMismatches: 3 });
    expect(poolIndexLevels(lab, {})).toEqual({ errorMismatches: 2, warningMismatches: 3 }); // a read-model row folded before the field existed
    expect(poolIndexLevels(sequencingLabConfig(undefined), { levels: null })).toEqual({ errorMismatches: 1, warningMismatches: 2 });
  });

  it('refuses bad JSON, unknown instruments or flowcells, unknown fields and inconsistent levels, each named', () => {
    expect(problems('{')).toEqual(['SEQUENCING_LAB_CONFIG must be JSON']);
    expect(problems(JSON.stringify({ qc: { HISEQ: { minPercentPf: 70 } } })).join('\n')).toMatch(/qc\.HISEQ.*catalogued instrument/);
    expect(problems(JSON.stringify({ qc: { 'NOVASEQ_6000/S9': {} } })).join('\n')).toMatch(/catalogued instrument/);
    expect(problems(JSON.stringify({ qc: { NOVASEQ_6000: { minPF: 70 } } })).join('\n')).toMatch(/minPF/);
    expect(problems(JSON.stringify({ qc: { NOVASEQ_6000: { minPercentPf: 170 } } })).join('\n')).toMatch(/qc\.NOVASEQ_6000\.minPercentPf/);
    expect(problems(JSON.stringify({ indexCheck: { errorMismatches: 3, warningMismatches: 2 } })).join('\n')).toMatch(/errorMismatches must be at most warningMismatches/);
    expect(problems(JSON.stringify({ qc: { MISEQ: { q30: { failBelow: 90, warnBelow: 80 } } } })).join('\n')).toMatch(/failBelow must be at most warnBelow/);
  });
});
