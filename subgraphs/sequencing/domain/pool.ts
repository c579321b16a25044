import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError } from '../../../platform/errors.js';
import type { PoolCreated, PoolEvent, PoolMember, PoolWarning } from '../events.js';
import { DEFAULT_INDEX_CHECK_LEVELS, indexCollisions, type IndexCheckLevels } from './index-check.js';

export type Pool = Omit<PoolCreated['data'], 'poolId' | 'levels'> & {
  id: string; createdAt: string;
  /**
   * The mismatch levels the pool was judged by; null when its PoolCreated predates them (the command path and the
   * sheet take the lab's configured levels then: poolIndexLevels in lab-config.ts).
   */
  levels: IndexCheckLevels | null;
};
export type PoolState = { status: 'NONE' } | (Pool & { status: 'CREATED' });

/** A library as the pool sees it (read from its stream by the command path). */
export type PoolCandidate = { libraryId: string; barcode: string; molarityNm: number; i7: string; i5: string | null; proportion: number };

export type PoolCommand = Command<'CreatePool', {
  poolId: string; name: string; libraries: PoolCandidate[];
  /** Molarity the pool is normalised to, and its final volume (the rest is buffer). */
  targetMolarityNm: number; volumeUl: number; levels?: IndexCheckLevels;
}>;

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Each library's volume so that its share of the pool's molecules is its proportion:
 * v_i = (p_i / Σp) × target nM × pool volume / library nM. The pool is refused when the libraries
 * alone need more than the pool volume (too dilute for that target).
 */
export const memberVolumes = (libraries: readonly PoolCandidate[], targetMolarityNm: number, volumeUl: number): number[] => {
  const total = libraries.reduce((sum, l) => sum + l.proportion, 0);
  return libraries.map((l) => round(((l.proportion / total) * targetMolarityNm * volumeUl) / l.molarityNm));
};

export const poolDecider: Decider<PoolCommand, PoolEvent, PoolState> = {
  streamType: 'Pool',
  // 2: levels (null on pools created before PoolCreated recorded them).
  stateSchema: 2,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state) => {
    switch (command.type) {
      case 'CreatePool': {
        if (state.status !== 'NONE') throw new ConflictError('this pool was already created');
        const { poolId, libraries, targetMolarityNm, volumeUl } = command.data;
        const name = command.data.name.trim();
        if (!name || name.length > 100) throw new BadInputError('name must be 1–100 characters', { field: 'name' });
        if (libraries.length === 0) throw new BadInputError('a pool needs at least one library', { field: 'libraries' });
        if (new Set(libraries.map((l) => l.libraryId)).size !== libraries.length) throw new BadInputError('a library appears twice in the pool', { field: 'libraries' });
        for (const l of libraries) if (!Number.isFinite(l.proportion) || l.proportion <= 0) throw new BadInputError('proportions are numbers above 0', { field: 'proportion' });
        if (!Number.isFinite(targetMolarityNm) || targetMolarityNm <= 0) throw new BadInputError('targetMolarityNm must be above 0', { field: 'targetMolarityNm' });
        if (!Number.isFinite(volumeUl) || volumeUl <= 0 || volumeUl > 10_000) throw new BadInputError('volumeUl must be above 0 and at most 10000', { field: 'volumeUl' });
        const levels = command.data.levels ?? DEFAULT_INDEX_CHECK_LEVELS;
        const issues = indexCollisions(libraries.map((l) => ({ id: l.barcode, i7: l.i7, i5: l.i5 })), levels);
        const error = issues.find((issue) => issue.severity === 'ERROR');
        if (error) throw new ConflictError(`${error.message} (libraries ${error.kind === 'INDEX_COLLISION' ? error.libraryIds.join(' and ') : ''}); they cannot be demultiplexed in one pool`, { field: 'libraries' });
        const volumes = memberVolumes(libraries, targetMolarityNm, volumeUl);
        const needed = volumes.reduce((sum, v) => sum + v, 0);
        if (needed > volumeUl) throw new BadInputError(`the libraries need ${round(needed)} µl for ${targetMolarityNm} nM, more than the pool's ${volumeUl} µl`, { field: 'targetMolarityNm' });
        const members: PoolMember[] = libraries.map((l, i) => ({ libraryId: l.libraryId, proportion: l.proportion, volumeUl: volumes[i]!, i7: l.i7, i5: l.i5 }));
        const warnings: PoolWarning[] = issues.map((issue) => ({ kind: issue.kind, message: issue.message }));
        return [{ type: 'PoolCreated', data: { poolId, name, molarityNm: targetMolarityNm, volumeUl, members, warnings, levels: { errorMismatches: levels.errorMismatches, warningMismatches: levels.warningMismatches } } }];
      }
      default: {
        const unknown: never = command.type;
        throw new BadInputError(`unknown command ${String(unknown)}`);
      }
    }
  },
  evolve: (_state, event) => {
    switch (event.type) {
      case 'PoolCreated': {
        const { poolId, levels, ...data } = event.data;
        return { ...data, id: poolId, levels: levels ?? null, status: 'CREATED', createdAt: event.occurredAt };
      }
    }
  },
};
