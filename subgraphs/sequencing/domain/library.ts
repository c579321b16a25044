import type { Command, Decider } from '../../../event-store/decider.js';
import { validateBarcode } from '../../../platform/lab-rules.js';
import { BadInputError, ConflictError, NotFoundError } from '../../../platform/errors.js';
import type { LibraryEvent, LibraryIndex, LibraryPrepared } from '../events.js';

export type Library = Omit<LibraryPrepared['data'], 'libraryId'> & { id: string; status: 'PREPARED' | 'QC_PASSED' | 'QC_FAILED'; qcNote: string | null; qcRecordedBy: string | null; preparedAt: string };
export type LibraryState = { status: 'NONE' } | Library;

export type LibraryCommand =
  /** The sample's facts (barcode, status) and a kit index's sequences are read by the command path. */
  | Command<'PrepareLibrary', {
      libraryId: string; sampleId: string; sampleStatus: string; barcode: string; index: LibraryIndex;
      volumeUl: number; concentrationNgUl: number; meanFragmentBp: number;
    }>
  | Command<'RecordLibraryQc', { verdict: 'PASS' | 'FAIL'; note: string | null; recordedBy: string | null }>;

/** Average mass of one double-stranded base pair, g/mol: nM = ng/µl / (660 × bp) × 10^6. */
export const BP_MASS = 660;
export const molarityNm = (concentrationNgUl: number, meanFragmentBp: number): number =>
  Math.round((concentrationNgUl / (BP_MASS * meanFragmentBp)) * 1e6 * 1000) / 1000;
/**
 * The least molarity a library is kept with (molarityNm's precision): pooling divides by it, so a
 * library that rounds to 0 nM would need an infinite volume in any pool.
 */
export const MIN_MOLARITY_NM = 0.001;

const SEQUENCE = /^[ACGT]{4,24}$/;
const positive = (value: number, field: string, max: number) => {
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new BadInputError(`${field} must be a number above 0 and at most ${max}`, { field });
};

export const libraryDecider: Decider<LibraryCommand, LibraryEvent, LibraryState> = {
  streamType: 'Library',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state) => {
    switch (command.type) {
      case 'PrepareLibrary': {
        if (state.status !== 'NONE') throw new ConflictError('this library was already prepared');
        const { libraryId, sampleId, sampleStatus, index, volumeUl, concentrationNgUl, meanFragmentBp } = command.data;
        if (sampleStatus !== 'VALIDATED' && sampleStatus !== 'IN_STORAGE') {
          throw new BadInputError(`the sample is ${sampleStatus}; libraries are prepared from VALIDATED or IN_STORAGE samples`, { field: 'sampleId' });
        }
        const barcode = validateBarcode(command.data.barcode);
        const i7 = index.i7.trim().toUpperCase();
        const i5 = index.i5?.trim().toUpperCase() || null;
        if (!SEQUENCE.test(i7) || (i5 !== null && !SEQUENCE.test(i5))) throw new BadInputError('indexes are 4–24 bases of A, C, G, T', { field: 'i7' });
        positive(volumeUl, 'volumeUl', 10_000);
        positive(concentrationNgUl, 'concentrationNgUl', 10_000);
        positive(meanFragmentBp, 'meanFragmentBp', 1_000_000);
        const molarity = molarityNm(concentrationNgUl, meanFragmentBp);
        if (molarity < MIN_MOLARITY_NM) {
          throw new BadInputError(
            `${concentrationNgUl} ng/µl of ${meanFragmentBp} bp fragments is below ${MIN_MOLARITY_NM} nM, the least molarity a library is kept with: too dilute to pool`,
            { field: 'concentrationNgUl' },
          );
        }
        return [{ type: 'LibraryPrepared', data: {
          libraryId, sampleId, barcode, index: { ...index, i7, i5 }, volumeUl, concentrationNgUl, meanFragmentBp, molarityNm: molarity,
        } }];
      }
      case 'RecordLibraryQc': {
        if (state.status === 'NONE') throw new NotFoundError('library not found');
        return [{ type: 'LibraryQcRecorded', data: { libraryId: state.id, verdict: command.data.verdict, note: command.data.note?.trim() || null, recordedBy: command.data.recordedBy } }];
      }
      default: {
        const unknown: never = command;
        throw new BadInputError(`unknown command ${(unknown as { type: string }).type}`);
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'LibraryPrepared': {
        const { libraryId, ...data } = event.data;
        return { ...data, id: libraryId, status: 'PREPARED', qcNote: null, qcRecordedBy: null, preparedAt: event.occurredAt };
      }
      case 'LibraryQcRecorded':
        return state.status === 'NONE' ? state : { ...state, status: event.data.verdict === 'PASS' ? 'QC_PASSED' : 'QC_FAILED', qcNote: event.data.note, qcRecordedBy: event.data.recordedBy };
    }
  },
};

/** Names at most `most` of many (a pool holds up to 384 libraries). */
export const listed = (items: readonly string[], separator: string, most: number): string =>
  items.length <= most ? items.join(separator) : `${items.slice(0, most).join(separator)}${separator}and ${items.length - most} more`;

/**
 * A library that failed QC goes into no new pool and onto no lane: CONFLICT LIBRARY_QC_FAILED naming
 * every such library (`why` says where it was refused and what to do).
 */
export const refuseQcFailed = (libraries: ReadonlyArray<{ libraryId: string; barcode: string; status: string }>, why: (one: boolean) => string): void => {
  const failed = libraries.filter((library) => library.status === 'QC_FAILED');
  if (failed.length === 0) return;
  throw new ConflictError(`librar${failed.length === 1 ? 'y' : 'ies'} ${listed(failed.map((l) => l.barcode), ', ', 10)} failed QC${why(failed.length === 1)}`, {
    reason: 'LIBRARY_QC_FAILED',
    libraries: failed.map(({ libraryId, barcode }) => ({ libraryId, barcode })),
  });
};
