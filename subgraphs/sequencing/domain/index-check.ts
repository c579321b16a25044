import type { InstrumentModel } from './instruments.js';
import { reverseComplement } from './instruments.js';
import { readsI5, type Read } from './read-structure.js';

/**
 * Index checks inside one pool (or lane): pairs of libraries whose combined i7 + i5 mismatches are
 * at most `errorMismatches` cannot be told apart by the demultiplexer; at most `warningMismatches`
 * leaves no room for a sequencing error. Defaults as MISO LIMS (error at ≤ 1 combined mismatch,
 * warning at ≤ 2); a lab changes them in configuration.
 */
export interface IndexCheckLevels {
  errorMismatches: number;
  warningMismatches: number;
}

export const DEFAULT_INDEX_CHECK_LEVELS: IndexCheckLevels = { errorMismatches: 1, warningMismatches: 2 };

export interface IndexedLibrary {
  id: string;
  i7: string;
  /** Forward (kit) orientation; null for single-indexed libraries. */
  i5: string | null;
}

export type IndexIssue =
  | { kind: 'INDEX_COLLISION'; severity: 'ERROR' | 'WARNING'; libraryIds: [string, string]; mismatches: number; message: string }
  | { kind: 'COLOUR_BALANCE'; severity: 'WARNING'; read: 'i7' | 'i5'; cycle: number; message: string };

/** Mismatches over the shorter of two sequences: demultiplexers compare trimmed indexes that way. */
export const mismatches = (a: string, b: string): number => {
  let count = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) count++;
  return count;
};

/** Combined i7 + i5 mismatches; i5 counts only when both libraries have one. */
export const combinedMismatches = (a: IndexedLibrary, b: IndexedLibrary): number => mismatches(a.i7, b.i7) + (a.i5 && b.i5 ? mismatches(a.i5, b.i5) : 0);

const label = (library: IndexedLibrary) => `${library.i7}${library.i5 ? `+${library.i5}` : ''}`;

export const indexCollisions = (libraries: readonly IndexedLibrary[], levels: IndexCheckLevels = DEFAULT_INDEX_CHECK_LEVELS): IndexIssue[] => {
  const issues: IndexIssue[] = [];
  libraries.forEach((a, i) =>
    libraries.slice(i + 1).forEach((b) => {
      const distance = combinedMismatches(a, b);
      if (distance > levels.warningMismatches && distance > levels.errorMismatches) return;
      const severity = distance <= levels.errorMismatches ? 'ERROR' : 'WARNING';
      issues.push({
        kind: 'INDEX_COLLISION',
        severity,
        libraryIds: [a.id, b.id],
        mismatches: distance,
        message: `indexes ${label(a)} and ${label(b)} differ by ${distance} combined mismatch${distance === 1 ? '' : 'es'}`,
      });
    }),
  );
  return issues;
};

export type IndexCollision = Extract<IndexIssue, { kind: 'INDEX_COLLISION' }>;

/**
 * The levels one lane is judged by, from those of the pools on it (each pool's as it was judged when made): the
 * strictest, i.e. the largest errorMismatches (then warningMismatches). The demultiplexer tells a lane's libraries
 * apart with one mismatch tolerance for all of them, so every pair on the lane must be as far apart as the
 * strictest pool asked; judging a pair by its own pools' levels alone would let a lenient pool's pair through on a
 * lane the stricter pool's lab says cannot be demultiplexed. The defaults when no pool is given.
 * loadPoolOnLane and the sheet renderer both judge a lane by it.
 */
export const laneLevels = (pools: readonly IndexCheckLevels[]): IndexCheckLevels =>
  pools.reduce<IndexCheckLevels | null>(
    (strictest, levels) =>
      strictest === null || levels.errorMismatches > strictest.errorMismatches || (levels.errorMismatches === strictest.errorMismatches && levels.warningMismatches > strictest.warningMismatches)
        ? levels
        : strictest,
    null,
  ) ?? DEFAULT_INDEX_CHECK_LEVELS;

/**
 * Libraries on one lane of reads with no second index read (readsI5) are told apart by i7 alone: their i5
 * is not read and the sheet writes none. The first pair of libraries that both carry an i5 (pooled on
 * i7 + i5) whose i7s are within `errorMismatches` of each other, as indexCollisions judges a pool; pairs
 * where one has no i5 were judged on i7 alone when pooled. Null when the reads read i5, or no such pair.
 * `levels`: the lane's (laneLevels of the levels its pools were judged by).
 * The one rule of loadPoolOnLane and of the sheet renderer.
 */
export const unreadI5Collision = (reads: readonly Read[], libraries: readonly IndexedLibrary[], levels: IndexCheckLevels): IndexCollision | null => {
  if (readsI5(reads)) return null;
  const dual = libraries.filter((library) => library.i5 !== null).map((library) => ({ ...library, i5: null }));
  return indexCollisions(dual, levels).find((issue): issue is IndexCollision => issue.kind === 'INDEX_COLLISION' && issue.severity === 'ERROR') ?? null;
};

/**
 * Two-colour instruments see no signal for the dark base (G): a cycle where every library's index
 * has it cannot be registered. Colour balance is judged on the sequence the instrument reads: i7 as
 * written, i5 forward on MiSeq (four-colour, so not checked here) and reverse-complemented on every
 * two-colour instrument (Illumina, "Guidelines for reverse
 * complementing i5 sequences", Color Balance Considerations; NextSeq 500/550 Indexing Considerations).
 */
export const colourBalance = (model: InstrumentModel, libraries: readonly IndexedLibrary[]): IndexIssue[] => {
  if (model.chemistry !== 'TWO_COLOUR' || !model.darkBase || libraries.length === 0) return [];
  const dark = model.darkBase;
  const reads: Array<['i7' | 'i5', string[]]> = [
    ['i7', libraries.map((l) => l.i7)],
    ['i5', libraries.flatMap((l) => (l.i5 ? [reverseComplement(l.i5)] : []))],
  ];
  const issues: IndexIssue[] = [];
  for (const [read, sequences] of reads) {
    if (sequences.length === 0) continue;
    const cycles = Math.min(...sequences.map((s) => s.length));
    for (let cycle = 0; cycle < cycles; cycle++) {
      if (sequences.every((s) => s[cycle] === dark)) {
        issues.push({ kind: 'COLOUR_BALANCE', severity: 'WARNING', read, cycle: cycle + 1, message: `every ${read} index has ${dark} (no signal on ${model.name}) at cycle ${cycle + 1}` });
      }
    }
  }
  return issues;
};
