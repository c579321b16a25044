import { describe, expect, it } from 'vitest';
import { colourBalance, combinedMismatches, DEFAULT_INDEX_CHECK_LEVELS as defaults, indexCollisions, laneLevels, unreadI5Collision, type IndexIssue } from '../../subgraphs/sequencing/domain/index-check.js';
import { instrumentModel, reverseComplement } from '../../subgraphs/sequencing/domain/instruments.js';
import { parseReads } from '../../subgraphs/sequencing/domain/read-structure.js';

const collisions = (issues: IndexIssue[]) => issues.flatMap((i) => (i.kind === 'INDEX_COLLISION' ? [i] : []));

/** Synthetic libraries; every distance below is counted by hand in the comment beside it. */
const lib = (id: string, i7: string, i5: string | null) => ({ id, i7, i5 });

describe('index collisions inside a pool (defaults as MISO: error ≤ 1 combined mismatch, warning ≤ 2)', () => {
  const a = lib('a', 'ACGTACGT', 'TTGGCCAA');
  const b = lib('b', 'ACGTACGA', 'TTGGCCAA'); // a↔b: i7 differs at position 8 only → 1
  const c = lib('c', 'ACGTACCA', 'TTGGCCAT'); // a↔c: i7 positions 7,8 + i5 position 8 → 3; b↔c: i7 position 7 + i5 position 8 → 2
  const d = lib('d', 'GGGGGGGG', null); // d↔anyone: i7 ≥ 6 mismatches, no i5 compared

  it('counts mismatches as computed by hand', () => {
    expect([combinedMismatches(a, b), combinedMismatches(a, c), combinedMismatches(b, c)]).toEqual([1, 3, 2]);
    expect(combinedMismatches(lib('x', 'ACGTAC', 'AAAA'), lib('y', 'ACGTACGTAA', null))).toBe(0); // shorter i7, i5 only when both have one
  });

  it('reports an error at ≤ 1 and a warning at ≤ 2, nothing at 3 or more', () => {
    expect(collisions(indexCollisions([a, b, c, d])).map(({ severity, libraryIds, mismatches }) => ({ severity, libraryIds, mismatches }))).toEqual([
      { severity: 'ERROR', libraryIds: ['a', 'b'], mismatches: 1 },
      { severity: 'WARNING', libraryIds: ['b', 'c'], mismatches: 2 },
    ]);
  });

  it('uses the levels a lab configures', () => {
    expect(collisions(indexCollisions([a, b, c], { errorMismatches: 0, warningMismatches: 3 })).map((i) => [i.severity, i.mismatches])).toEqual([
      ['WARNING', 1], ['WARNING', 3], ['WARNING', 2],
    ]);
    expect(indexCollisions([a, a], { errorMismatches: 0, warningMismatches: 0 }).map((i) => i.severity)).toEqual(['ERROR']);
  });
});

describe('dual-indexed libraries on reads with no second index read: told apart by i7 alone (unreadI5Collision)', () => {
  const single = parseReads('151T8B151T');
  const dual = parseReads('151T8B8B151T');
  const a = lib('a', 'ACGTACGT', 'TTGGCCAA');
  const sameI7 = lib('b', 'ACGTACGT', 'GGAATTCC'); // a↔b: i7 0, i5 8 → pooled apart, one lane apart only with i5 read
  const oneOff = lib('c', 'ACGTACGA', 'GGAATTCC'); // a↔c: i7 position 8 → 1
  const twoOff = lib('d', 'ACGTACCA', 'GGAATTCC'); // a↔d: i7 positions 7, 8 → 2

  it('refuses two libraries whose i7s are within errorMismatches (1) once the i5 is not read, as the pool check words it', () => {
    expect(unreadI5Collision(single, [a, sameI7], defaults)).toMatchObject({ kind: 'INDEX_COLLISION', severity: 'ERROR', libraryIds: ['a', 'b'], mismatches: 0, message: 'indexes ACGTACGT and ACGTACGT differ by 0 combined mismatches' });
    expect(unreadI5Collision(single, [a, oneOff], defaults)).toMatchObject({ libraryIds: ['a', 'c'], mismatches: 1 });
  });

  it('lets them on when the i7s differ by more than errorMismatches, when the run reads the i5, or at the levels a lab sets', () => {
    expect(unreadI5Collision(single, [a, twoOff], defaults)).toBeNull();
    expect(unreadI5Collision(dual, [a, sameI7], defaults)).toBeNull();
    expect(unreadI5Collision(single, [a, oneOff], { errorMismatches: 0, warningMismatches: 2 })).toBeNull();
  });

  it('refuses i7s 2 apart at the levels a pool was judged by (errorMismatches 2), which the defaults let on', () => {
    const strict = { errorMismatches: 2, warningMismatches: 3 };
    expect(unreadI5Collision(single, [a, twoOff], strict)).toMatchObject({ kind: 'INDEX_COLLISION', severity: 'ERROR', libraryIds: ['a', 'd'], mismatches: 2 });
    expect(unreadI5Collision(single, [a, twoOff], defaults)).toBeNull();
  });

  it('judges a lane by the strictest levels of its pools (largest errorMismatches), the defaults with none', () => {
    const strict = { errorMismatches: 2, warningMismatches: 2 };
    const lenient = { errorMismatches: 0, warningMismatches: 3 };
    expect(laneLevels([defaults, strict, lenient])).toEqual(strict);
    expect(laneLevels([lenient])).toEqual(lenient);
    expect(laneLevels([{ errorMismatches: 2, warningMismatches: 4 }, strict])).toEqual({ errorMismatches: 2, warningMismatches: 4 }); // a tie: the larger warningMismatches
    expect(laneLevels([])).toEqual(defaults);
    expect(unreadI5Collision(single, [a, twoOff], laneLevels([defaults, strict]))).toMatchObject({ libraryIds: ['a', 'd'], mismatches: 2 });
  });

  it('leaves pairs where one library has no i5 to the pool check, which judged them on i7 alone', () => {
    expect(unreadI5Collision(single, [a, lib('e', 'ACGTACGA', null)], defaults)).toBeNull();
  });
});

describe('two-colour colour balance', () => {
  // i7 as read: GGTACGTA / GGCATGCA: both G (dark) at cycles 1, 2 and 6.
  // i5 forward ACGTACCC / TCGAACCC are read reverse-complemented: GGGTACGT / GGGTTCGA: both G at 1, 2, 3 and 7.
  const pool = [lib('p', 'GGTACGTA', 'ACGTACCC'), lib('q', 'GGCATGCA', 'TCGAACCC')];

  it('warns for every cycle where every index has the dark base, on the sequence the instrument reads', () => {
    expect(reverseComplement('ACGTACCC')).toBe('GGGTACGT');
    expect(colourBalance(instrumentModel('NOVASEQ_6000')!, pool).map((i) => (i.kind === 'COLOUR_BALANCE' ? `${i.read}@${i.cycle}` : ''))).toEqual(['i7@1', 'i7@2', 'i7@6', 'i5@1', 'i5@2', 'i5@3', 'i5@7']);
  });

  it('says nothing on a four-colour instrument, or when one library has signal', () => {
    expect(colourBalance(instrumentModel('MISEQ')!, pool)).toEqual([]);
    expect(colourBalance(instrumentModel('NOVASEQ_X')!, [...pool, lib('r', 'ACACACAC', 'TTTTTTTT')])).toEqual([]);
  });
});
