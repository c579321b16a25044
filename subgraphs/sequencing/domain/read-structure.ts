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

/** BCL Convert's OverrideCycles (Y read, I index, U UMI, N skip), one entry per read in sequencing order. */
export const overrideCycles = (reads: readonly Read[]): string =>
  reads.map((read) => read.segments.map((s) => `${{ T: 'Y', B: 'I', U: 'U', S: 'N' }[s.kind]}${s.cycles}`).join('')).join(';');

/** Whether BCL Convert needs OverrideCycles: any cycle that is not plain read or index. */
export const needsOverride = (reads: readonly Read[]): boolean => reads.some((read) => read.segments.some((s) => s.kind === 'U' || s.kind === 'S'));

/** Index cycles (B only) of each index read, i.e. the index length the sheet's sequences must have. */
export const indexLengths = (reads: readonly Read[]): number[] =>
  reads.filter((r) => r.kind === 'INDEX').map((r) => r.segments.filter((s) => s.kind === 'B').reduce((sum, s) => sum + s.cycles, 0));
