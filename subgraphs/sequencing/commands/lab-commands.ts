import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { canonicalUuid } from '../../../platform/graphql/scalars.js';
import type { IndexCheckLevels } from '../domain/index-check.js';
import { indexKitDecider } from '../domain/index-kit.js';
import { libraryDecider, refuseQcFailed, type Library } from '../domain/library.js';
import { libraryBarcodeClaimId, libraryPreparation } from '../domain/library-barcode.js';
import { validateBarcode } from '../../../platform/lab-rules.js';
import { poolDecider, type Pool } from '../domain/pool.js';
import { colourBalance } from '../domain/index-check.js';
import { instrumentModel } from '../domain/instruments.js';
import { poolLoading, poolLoadingStreams } from '../domain/pool-loading.js';
import { runDecider } from '../domain/run.js';
import type { LaneMetrics } from '../events.js';
import { poolIndexLevels, type SequencingLabConfig } from '../lab-config.js';
import type { RunView } from '../read-model/lab-queries.js';
import type { LibraryIndex, PoolWarning } from '../events.js';
import type { IndexKitView } from '../read-model/lab-queries.js';
import { sequencingSamples } from '../read-model/jobs-projection.js';

/** An id as streams and read models spell it (a client may send any case); BAD_USER_INPUT when it is no id. */
const id = (value: string, field: string): string => {
  const canonical = canonicalUuid(value);
  if (!canonical) throw new BadInputError(`"${value}" is not an id`, { field });
  return canonical;
};

export interface LibraryInput {
  sampleId: string;
  barcode: string;
  kitId?: string | null;
  indexId?: string | null;
  i7Index?: string | null;
  i5Index?: string | null;
  volumeUl: number;
  concentrationNgUl: number;
  meanFragmentBp: number;
}

/**
 * Index kits, libraries, pools and runs: one command per mutation. Facts of other aggregates a
 * decision needs (a kit's sequences, a library's indexes and molarity, a pool's existence) are read
 * from their streams, exact as of the command; the sample's facts come from this context's replica.
 */
export class LabCommands {
  constructor(
    private readonly commands: CommandHandler,
    private readonly db: Kysely<any>,
    private readonly config: SequencingLabConfig,
  ) {}

  async importIndexKit(context: CommandContext, input: { name: string; csv: string }) {
    const kitId = randomUUID();
    const result = await this.commands.execute(indexKitDecider, kitId, { type: 'ImportIndexKit', data: { kitId, ...input } }, context);
    return { kit: result.state as IndexKitView, position: result.position };
  }

  private async kitIndex(context: CommandContext, input: LibraryInput): Promise<LibraryIndex> {
    if (!input.kitId) {
      if (input.indexId) throw new BadInputError('indexId needs the kitId it belongs to', { field: 'kitId' });
      if (!input.i7Index) throw new BadInputError('give kitId and indexId, or the index sequences', { field: 'i7Index' });
      return { kitId: null, indexId: null, i7: input.i7Index, i5: input.i5Index ?? null };
    }
    if (input.i7Index || input.i5Index) throw new BadInputError('give kitId and indexId, or the index sequences, not both', { field: 'i7Index' });
    const { state } = await this.commands.load(indexKitDecider, id(input.kitId, 'kitId'), context.tenantId);
    if (state.status === 'NONE') throw new NotFoundError(`index kit ${input.kitId} not found`);
    const index = state.indexes.find((i) => i.indexId === input.indexId);
    if (!index) throw new BadInputError(`kit ${state.name} has no index ${input.indexId ?? '(none given)'}`, { field: 'indexId' });
    return { kitId: state.id, indexId: index.indexId, i7: index.i7, i5: index.i5 };
  }

  async prepareLibrary(context: CommandContext, input: LibraryInput) {
    const [sample] = await sequencingSamples.byIds(this.db, context.tenantId, [id(input.sampleId, 'sampleId')]);
    if (!sample) throw new NotFoundError(`sample ${input.sampleId} not found (if it was just created, send its position as x-tracseq-consistent-with)`);
    const index = await this.kitIndex(context, input);
    const libraryId = randomUUID();
    // The claim's stream is named by the barcode, so a malformed one is refused before it names a stream.
    const barcode = validateBarcode(input.barcode);
    const result = await this.commands.executeAcross(libraryPreparation, { library: libraryId, barcode: libraryBarcodeClaimId(context.tenantId, barcode) }, {
      type: 'PrepareLibrary',
      data: { libraryId, sampleId: sample.id, sampleStatus: sample.status, barcode, index, volumeUl: input.volumeUl, concentrationNgUl: input.concentrationNgUl, meanFragmentBp: input.meanFragmentBp },
    }, context);
    return { library: result.states.library as Library, position: result.position };
  }

  async recordLibraryQc(context: CommandContext, libraryId: string, verdict: 'PASS' | 'FAIL', note: string | null) {
    const result = await this.commands.execute(libraryDecider, id(libraryId, 'libraryId'), { type: 'RecordLibraryQc', data: { verdict, note, recordedBy: context.actor } }, context);
    return { library: result.state as Library, position: result.position };
  }

  async createPool(context: CommandContext, input: { name: string; libraries: Array<{ libraryId: string; proportion?: number | null }>; targetMolarityNm: number; volumeUl: number; indexCheck?: IndexCheckLevels | null }) {
    if (input.libraries.length > 384) throw new BadInputError('a pool holds at most 384 libraries', { field: 'libraries' });
    const loaded = await Promise.all(input.libraries.map(async (entry) => {
      const { state } = await this.commands.load(libraryDecider, id(entry.libraryId, 'libraryId'), context.tenantId);
      if (state.status === 'NONE') throw new NotFoundError(`library ${entry.libraryId} not found`);
      return { state, proportion: entry.proportion ?? 1 };
    }));
    refuseQcFailed(loaded.map(({ state }) => ({ libraryId: state.id, barcode: state.barcode, status: state.status })), (one) => `: ${one ? 'it goes' : 'they go'} into no pool (record a passing QC, or leave ${one ? 'it' : 'them'} out)`);
    const libraries = loaded.map(({ state, proportion }) => ({ libraryId: state.id, barcode: state.barcode, molarityNm: state.molarityNm, i7: state.index.i7, i5: state.index.i5, proportion }));
    if (input.indexCheck && (!Number.isInteger(input.indexCheck.errorMismatches) || !Number.isInteger(input.indexCheck.warningMismatches) || input.indexCheck.errorMismatches < 0 || input.indexCheck.warningMismatches < input.indexCheck.errorMismatches)) {
      throw new BadInputError('index check levels are whole numbers with 0 ≤ errorMismatches ≤ warningMismatches', { field: 'indexCheck' });
    }
    const poolId = randomUUID();
    const result = await this.commands.execute(poolDecider, poolId, {
      type: 'CreatePool',
      data: { poolId, name: input.name, libraries, targetMolarityNm: input.targetMolarityNm, volumeUl: input.volumeUl, levels: input.indexCheck ?? this.config.indexCheck },
    }, context);
    const pool = result.state as Pool;
    return { pool, warnings: pool.warnings as PoolWarning[], position: result.position };
  }

  async createRun(context: CommandContext, input: { name: string; instrument: string; flowcellType: string; readStructure?: string | null; flowCellId?: string | null; kit?: string | null; experimentId?: string | null }) {
    const runId = randomUUID();
    const minknow = { flowCellId: input.flowCellId ?? undefined, kit: input.kit ?? undefined, experimentId: input.experimentId ?? undefined };
    const result = await this.commands.execute(runDecider, runId, { type: 'CreateRun', data: { runId, name: input.name, instrument: input.instrument, flowcellType: input.flowcellType, readStructure: input.readStructure ?? null, minknow } }, context);
    return { run: result.state as RunView, warnings: [], position: result.position };
  }

  /**
   * Decided on the run and the pool's libraries as their streams have them (domain/pool-loading.ts); the pool never changes, so it is read
   * first, with the levels it was judged by (the lab's for a pool made before they were recorded: poolIndexLevels).
   */
  async loadPool(context: CommandContext, runId: string, lane: number, poolId: string) {
    const { state: pool } = await this.commands.load(poolDecider, id(poolId, 'poolId'), context.tenantId);
    if (pool.status === 'NONE') throw new NotFoundError(`pool ${poolId} not found`);
    const loading = { id: pool.id, members: pool.members, levels: poolIndexLevels(this.config, pool) };
    const result = await this.commands.executeAcross(poolLoading(loading), poolLoadingStreams(id(runId, 'runId'), loading), { type: 'LoadPoolOnLane', data: { lane } }, context);
    const run = result.states.run as RunView;
    // Colour balance depends on the instrument, so it is known only once the pool meets a run.
    const model = instrumentModel(run.instrument);
    const warnings: PoolWarning[] = model ? colourBalance(model, pool.members.map((m) => ({ id: m.libraryId, i7: m.i7, i5: m.i5 }))).map((issue) => ({ kind: issue.kind, message: `lane ${lane}: ${issue.message}` })) : [];
    return { run, warnings, position: result.position };
  }

  async recordLaneQc(context: CommandContext, runId: string, lane: number, metrics: Partial<LaneMetrics>) {
    const { state } = await this.commands.load(runDecider, id(runId, 'runId'), context.tenantId);
    if (state.status === 'NONE') throw new NotFoundError(`sequencing run ${runId} not found`);
    const thresholds = this.config.qcThresholds(state.instrument, state.flowcellType);
    const result = await this.commands.execute(runDecider, state.id, { type: 'RecordLaneQc', data: { lane, metrics, thresholds, recordedBy: context.actor } }, context);
    return { run: result.state as RunView, warnings: [], position: result.position };
  }

  async completeRun(context: CommandContext, runId: string, qcOverrideReason: string | null) {
    const result = await this.commands.execute(runDecider, id(runId, 'runId'), { type: 'CompleteRun', data: { qcOverrideReason, completedBy: context.actor } }, context);
    return { run: result.state as RunView, warnings: [], position: result.position };
  }
}
