import { BadInputError } from '../../../platform/errors.js';

/** T template, B barcode (index), U UMI, S skip: one segment of a read. */
export type SegmentKind = 'T' | 'B' | 'U' | 'S';
export interface Segment {
  kind: SegmentKind;
  cycles: number;
}
/** One read of the run, in sequencing order: a template read (has T) or an index read (has B). */
export interface Read {
  kind: 'TEMPLATE' | 'INDEX';
  segments: Segment[];
  cycles: number;
}

/** The reads of an Illumina job created without a read structure, as its sample sheet and its index checks take them. */
export const DEFAULT_READ_STRUCTURE = '151T8B8B151T';

const SEGMENT = /(\d+)([TBSU])/g;

const toRead = (segments: Segment[], structure: string): Read => {
  const hasT = segments.some((s) => s.kind === 'T');
  const hasB = segments.some((s) => s.kind === 'B');
  if (hasT === hasB) throw new BadInputError(`read structure "${structure}": each read has template (T) or index (B) cycles, not both or neither`, { field: 'readStructure' });
  return { kind: hasT ? 'TEMPLATE' : 'INDEX', segments, cycles: segments.reduce((sum, s) => sum + s.cycles, 0) };
};

/**
 * Parses a read structure such as `151T8B8B151T`, in sequencing order. Reads may be separated by
 * spaces or `+` (`8U143T 8B 8B 151T`); without separators every T or B segment starts a new read and
 * a U or S segment belongs to the read of the next T or B (trailing ones to the last read).
 */
export const parseReads = (structure: string): Read[] => {
  const text = structure.trim();
  const parts = text.split(/[\s+]+/).filter(Boolean);
  const reads: Read[] = [];
  for (const part of parts) {
    const segments = [...part.matchAll(SEGMENT)].map((m) => ({ kind: m[2] as SegmentKind, cycles: Number(m[1]) }));
    if (segments.length === 0 || [...part.matchAll(SEGMENT)].map((m) => m[0]).join('') !== part || segments.some((s) => s.cycles < 1)) {
      throw new BadInputError(`read structure "${structure}" is not like 151T8B8B151T`, { field: 'readStructure' });
    }
    if (parts.length > 1) {
      reads.push(toRead(segments, structure));
      continue;
    }
    let pending: Segment[] = [];
    for (const segment of segments) {
      pending.push(segment);
      if (segment.kind === 'T' || segment.kind === 'B') {
        reads.push(toRead(pending, structure));
        pending = [];
      }
    }
    if (pending.length > 0) {
      const last = reads.pop();
      if (!last) throw new BadInputError(`read structure "${structure}" has no template or index read`, { field: 'readStructure' });
      reads.push(toRead([...last.segments, ...pending], structure));
    }
  }
  const templates = reads.filter((r) => r.kind === 'TEMPLATE').length;
  const indexes = reads.filter((r) => r.kind === 'INDEX').length;
  if (templates < 1 || templates > 2 || indexes > 2) throw new BadInputError('a read structure has 1–2 template reads and at most 2 index reads', { field: 'readStructure' });
  return reads;
};

/**
 * What an Illumina instrument can read, so a read structure beyond it is a typing error, not a run:
 * - a read (template or index, every segment counted) at most MAX_READ_CYCLES: Illumina's longest
 *   supported reads are 2 × 301, on the MiSeq v3 600-cycle kit (Illumina bulletin "Maximum read length
 *   for Illumina sequencing platforms" lists each platform's and kit's; its table was not in the stored
 *   copy, so the figure is the widely published MiSeq one, the longest of any catalogued instrument);
 * - an index read's index (B) cycles at most MAX_INDEX_CYCLES: the longest index TracSeq stores (kits,
 *   libraries and jobs take 4–24 or 6–24 bases), and B cycles must equal the index's length (indexMisfit);
 *   NovaSeq X reads at most 26 per index (Illumina KB 000008417);
 * - all reads together at most MAX_TOTAL_CYCLES: the largest SBS kits hold 600 cycles and a few dozen
 *   extra (Illumina KB 000007002: NextSeq 1000/2000 XLEAP kits 38 extra), i.e. 2 × 301 + 2 × 24.
 * Checked when a run or job is created (checkReadStructure); a stored structure is parsed as it is, so
 * older runs keep their sheets.
 */
export const MAX_READ_CYCLES = 301;
export const MAX_INDEX_CYCLES = 24;
export const MAX_TOTAL_CYCLES = 650;

/** A read structure as a new run or job may declare it: well-formed (parseReads) and within what an instrument reads. */
export const checkReadStructure = (structure: string): Read[] => {
  const reads = parseReads(structure);
  const refuse = (why: string) => new BadInputError(`read structure "${structure.trim()}": ${why}`, { field: 'readStructure' });
  reads.forEach((read, n) => {
    if (read.cycles > MAX_READ_CYCLES) throw refuse(`read ${n + 1} has ${read.cycles} cycles; no instrument reads more than ${MAX_READ_CYCLES} in one read`);
  });
  const longIndex = indexLengths(reads).find((length) => length > MAX_INDEX_CYCLES);
  if (longIndex !== undefined) throw refuse(`an index read of ${longIndex} index (B) cycles; indexes are at most ${MAX_INDEX_CYCLES} bases`);
  const total = reads.reduce((sum, read) => sum + read.cycles, 0);
  if (total > MAX_TOTAL_CYCLES) throw refuse(`${total} cycles in all; the largest sequencing kits hold about ${MAX_TOTAL_CYCLES}`);
  return reads;
};

/** BCL Convert's OverrideCycles (Y read, I index, U UMI, N skip), one entry per read in sequencing order. */
export const overrideCycles = (reads: readonly Read[]): string =>
  reads.map((read) => read.segments.map((s) => `${{ T: 'Y', B: 'I', U: 'U', S: 'N' }[s.kind]}${s.cycles}`).join('')).join(';');

/** Whether BCL Convert needs OverrideCycles: any cycle that is not plain read or index. */
export const needsOverride = (reads: readonly Read[]): boolean => reads.some((read) => read.segments.some((s) => s.kind === 'U' || s.kind === 'S'));

/** Index cycles (B only) of each index read, i.e. the index length the sheet's sequences must have. */
export const indexLengths = (reads: readonly Read[]): number[] =>
  reads.filter((r) => r.kind === 'INDEX').map((r) => r.segments.filter((s) => s.kind === 'B').reduce((sum, s) => sum + s.cycles, 0));

/** Which index of a pair does not fit the reads, and why. */
export interface IndexMisfit {
  index: 'i7' | 'i5';
  message: string;
}

/** Whether the reads read an i5: only with a second index read. Without one a library's i5 is not read and the sheet writes none. */
export const readsI5 = (reads: readonly Read[]): boolean => indexLengths(reads).length > 1;

/**
 * Whether BCL Convert can demultiplex an index pair with these reads as the sample sheet writes them:
 * the i7 exactly as long as the first index read's index (B) cycles, an i5 (when given) exactly as long as
 * the second's (Index1Cycles / Index2Cycles). A shorter index would need its extra cycles masked
 * (OverrideCycles), which the sheet does not write; a longer one is not read in full. An i5 with no second
 * index read is not read (readsI5): it fits, the sheet leaves it out, and the libraries of a lane must then
 * differ by i7 alone (unreadI5Collision). Null when the pair fits. The one rule of the sheet renderer and
 * of the commands that put indexes on a run or job (loadPoolOnLane, addSampleToJob).
 */
export const indexMisfit = (structure: string, reads: readonly Read[], index: { i7: string; i5: string | null }): IndexMisfit | null => {
  const [index1, index2] = indexLengths(reads);
  const named = `read structure ${structure.trim()}`;
  if (index1 === undefined) return { index: 'i7', message: `i7 index ${index.i7} is ${index.i7.length} bases; ${named} reads no index (Index1Cycles 0)` };
  if (index.i7.length !== index1) return { index: 'i7', message: `i7 index ${index.i7} is ${index.i7.length} bases; ${named} reads ${index1} (Index1Cycles)` };
  if (index.i5 === null || index2 === undefined) return null;
  if (index.i5.length !== index2) return { index: 'i5', message: `i5 index ${index.i5} is ${index.i5.length} bases; ${named} reads ${index2} (Index2Cycles)` };
  return null;
};

/**
 * An i5 the reads do not read (no second index read), for a job's sample: a job is sequenced with the
 * indexes its samples were given, so addSampleToJob refuses one it would not read. Null otherwise.
 */
export const unreadI5 = (structure: string, reads: readonly Read[], index: { i5: string | null }): IndexMisfit | null =>
  index.i5 !== null && !readsI5(reads)
    ? { index: 'i5', message: `i5 index ${index.i5} is ${index.i5.length} bases; read structure ${structure.trim()} reads no second index (Index2Cycles 0)` }
    : null;
