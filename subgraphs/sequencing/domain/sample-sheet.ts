import type { Job } from './job.js';
import { parseReadStructure } from './job.js';

const DEFAULT_READS = '151T8B8B151T';

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * An Illumina sample sheet v2 for BCL Convert: [Header], [Reads], [BCLConvert_Settings] and
 * [BCLConvert_Data] (Lane, Sample_ID, Index, Index2). A lane-less sample is listed in every lane
 * that has samples (lane 1 when none has one).
 */
export const sampleSheet = (job: Pick<Job, 'name' | 'platform' | 'readStructure' | 'samples'>, sampleIdOf: (sampleId: string) => string): string => {
  const reads = parseReadStructure(job.readStructure ?? DEFAULT_READS);
  const lanes = [...new Set(job.samples.map((s) => s.lane).filter((lane): lane is number => lane !== null))].sort((a, b) => a - b);
  const laneSet = lanes.length > 0 ? lanes : [1];
  const rows = job.samples.flatMap((sample) => (sample.lane !== null ? [sample.lane] : laneSet).map((lane) => ({ lane, sample })));
  rows.sort((a, b) => a.lane - b.lane);
  const lines = [
    '[Header]',
    'FileFormatVersion,2',
    `RunName,${csvField(job.name.replace(/[^A-Za-z0-9_-]/g, '_'))}`,
    `InstrumentPlatform,${job.platform}`,
    '',
    '[Reads]',
    `Read1Cycles,${reads.read1}`,
    ...(reads.read2 !== null ? [`Read2Cycles,${reads.read2}`] : []),
    ...(reads.index1 !== null ? [`Index1Cycles,${reads.index1}`] : []),
    ...(reads.index2 !== null ? [`Index2Cycles,${reads.index2}`] : []),
    '',
    '[BCLConvert_Settings]',
    'SoftwareVersion,4.2.7',
    'CreateFastqForIndexReads,0',
    '',
    '[BCLConvert_Data]',
    'Lane,Sample_ID,Index,Index2',
    ...rows.map(({ lane, sample }) => [lane, csvField(sampleIdOf(sample.sampleId)), sample.i7Index, sample.i5Index ?? ''].join(',')),
    '',
  ];
  return lines.join('\n');
};
