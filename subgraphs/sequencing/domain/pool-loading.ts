import { decideAcross, type AcrossDecider, type Command } from '../../../event-store/decider.js';
import { NotFoundError } from '../../../platform/errors.js';
import type { PoolMember } from '../events.js';
import type { IndexCheckLevels } from './index-check.js';
import { libraryDecider } from './library.js';
import { runDecider, type LoadedLibrary } from './run.js';

type LibraryName = `library:${string}`;
export type PoolLoadingDeciders = { run: typeof runDecider } & { [name: LibraryName]: typeof libraryDecider };
const libraryName = (libraryId: string): LibraryName => `library:${libraryId}`;

/** The pool as the command path read it from its stream (a pool never changes once made). */
export interface LoadingPool {
  id: string;
  members: readonly PoolMember[];
  /** The mismatch levels it was judged by when made (for a pool made before they were recorded, the lab's: lab-config.ts). */
  levels: IndexCheckLevels;
}

export type LoadPoolOnLane = Command<'LoadPoolOnLane', { lane: number }>;

/** The stream ids of loading a pool: the run, and each of the pool's libraries. */
export const poolLoadingStreams = (runId: string, pool: LoadingPool) =>
  ({ run: runId, ...Object.fromEntries(pool.members.map((m) => [libraryName(m.libraryId), m.libraryId])) }) as { run: string } & { [name: LibraryName]: string };

/**
 * Loading a pool onto a run's lane, decided on the run and on the pool's libraries as their streams
 * have them now, not as they were when pooled: a library that failed QC since is refused
 * (LIBRARY_QC_FAILED), its barcode and kit index id come from its stream. The libraries are loaded in
 * the decision and appended to with nothing, at the versions loaded, so a QC recorded meanwhile makes
 * the handler decide again on it. Their indexes are the pool's, and so are the mismatch levels that judge
 * them on a run that reads no second index.
 */
export const poolLoading = (pool: LoadingPool): AcrossDecider<LoadPoolOnLane, PoolLoadingDeciders> =>
  decideAcross(
    { run: runDecider, ...Object.fromEntries(pool.members.map((m) => [libraryName(m.libraryId), libraryDecider])) } as PoolLoadingDeciders,
    (command, states, { now, versions }) => {
      const libraries: LoadedLibrary[] = pool.members.map((member) => {
        const library = states[libraryName(member.libraryId)];
        if (!library || library.status === 'NONE') throw new NotFoundError(`library ${member.libraryId} of the pool not found`);
        return { libraryId: library.id, barcode: library.barcode, indexId: library.index.indexId, status: library.status, i7: member.i7, i5: member.i5 };
      });
      return { run: runDecider.decide({ type: 'LoadPool', data: { lane: command.data.lane, poolId: pool.id, libraries, levels: pool.levels } }, states.run, { now, version: versions.run }) };
    },
  );
