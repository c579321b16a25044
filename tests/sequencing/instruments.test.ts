import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flowcellType, i5ForSampleSheet, INSTRUMENT_MODELS, instrumentModel } from '../../subgraphs/sequencing/domain/instruments.js';

describe('instrument catalogue', () => {
  it('has the lane counts its sources give', () => {
    const lanes = (model: string, flowcell: string) => flowcellType(instrumentModel(model)!, flowcell)?.lanes;
    expect([lanes('MISEQ', 'MISEQ_V3'), lanes('NOVASEQ_6000', 'SP'), lanes('NOVASEQ_6000', 'S1'), lanes('NOVASEQ_6000', 'S2'), lanes('NOVASEQ_6000', 'S4'),
      lanes('NOVASEQ_X', '10B'), lanes('NOVASEQ_X', '25B'), lanes('NEXTSEQ_2000', 'P3')]).toEqual([1, 2, 2, 2, 4, 8, 8, 1]);
    expect(flowcellType(instrumentModel('NOVASEQ_X')!, 'S4')).toBeNull();
  });

  it('writes i5 forward for MiSeq, NextSeq 1000/2000 and NovaSeq X, reverse-complemented for NovaSeq 6000, NextSeq 500/550, MiniSeq and iSeq 100', () => {
    const i5 = 'AGGTGCGT';
    expect(Object.fromEntries(INSTRUMENT_MODELS.filter((m) => m.vendor === 'ILLUMINA').map((m) => [m.id, i5ForSampleSheet(m, i5)]))).toEqual({
      MISEQ: 'AGGTGCGT', NEXTSEQ_2000: 'AGGTGCGT', NOVASEQ_X: 'AGGTGCGT',
      NOVASEQ_6000: 'ACGCACCT', NEXTSEQ_550: 'ACGCACCT', MINISEQ: 'ACGCACCT', ISEQ_100: 'ACGCACCT',
    });
  });

  it('covers every platform a job can name', () => {
    for (const platform of ['NOVASEQ_X', 'NOVASEQ_6000', 'NEXTSEQ_2000', 'MISEQ', 'PROMETHION']) expect(instrumentModel(platform)).not.toBeNull();
  });
});

describe('the list sizes the sequencing schema states for the gateway\'s cost rule', () => {
  const sdl = readFileSync(new URL('../../subgraphs/sequencing/schema.graphql', import.meta.url), 'utf8');
  const assumed = (field: string) => Number(new RegExp(`\\b${field}: \\[\\w+!\\]! @listSize\\(assumedSize: (\\d+)\\)`).exec(sdl)?.[1]);
  it('are the catalogue\'s maxima: lanes of the largest flowcell, flowcell types of the largest model', () => {
    const maxLanes = Math.max(...INSTRUMENT_MODELS.flatMap((m) => m.flowcells.map((f) => f.lanes)));
    expect(assumed('lanes')).toBe(maxLanes);
    expect(assumed('laneQc')).toBe(maxLanes);
    expect(assumed('flowcellTypes')).toBe(Math.max(...INSTRUMENT_MODELS.map((m) => m.flowcells.length)));
  });
});
