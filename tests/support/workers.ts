import { availableParallelism } from 'node:os';

/**
 * Test files run at once (vitest's maxWorkers). Vitest's default, one per core but one, ran every
 * file in series on a 2-core machine, a core idle through each file's ~3 s of imports.
 */
export const TEST_WORKERS = Math.max(2, availableParallelism());
