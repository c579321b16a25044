import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError, NotFoundError } from '../../../platform/errors.js';
import type { LaneMetrics, MinknowRun, QcVerdict, RunEvent } from '../events.js';
import { unreadI5Collision, type IndexCheckLevels } from './index-check.js';
import { flowcellType, instrumentModel, isPatterned } from './instruments.js';
import { listed, refuseQcFailed, type Library } from './library.js';
import { checkReadStructure, DEFAULT_READ_STRUCTURE, indexMisfit, parseReads } from './read-structure.js';
import { laneVerdict, worstVerdict, type QcThresholds } from './run-qc.js';

export type LaneQc = { lane: number; metrics: LaneMetrics; verdict: QcVerdict; reasons: string[]; recordedBy: string | null; recordedAt: string };
export type Run = {
  id: string; name: string; instrument: string; flowcellType: string; lanes: number; readStructure: string | null; minknow?: MinknowRun; loaded: Array<{ lane: number; poolId: string }>; createdAt: string;
  laneQc?: LaneQc[]; qcVerdict?: QcVerdict | null; qcOverrideReason?: string | null; completedBy?: string | null; completedAt?: string | null;
};
export type RunState = { status: 'NONE' } | (Run & { status: 'PLANNED' | 'COMPLETED' });

/**
 * A library of the pool being loaded, as the decision sees it: its barcode, kit index id and QC status
 * from its own stream, and the indexes the pool holds for it (checked together when pooled; the sheet writes them).
 */
export type LoadedLibrary = { libraryId: string; barcode: string; indexId: string | null; status: Library['status']; i7: string; i5: string | null };

export type RunCommand =
  /** Illumina: readStructure. Nanopore: minknow (flow cell id, kit, experiment id), no read structure. */
  | Command<'CreateRun', { runId: string; name: string; instrument: string; flowcellType: string; readStructure: string | null; minknow?: Partial<MinknowRun> | null }>
  /**
   * `libraries`: the pool's libraries as their streams have them (pool-loading.ts): none may have failed QC, an
   * Illumina run must read their indexes (indexMisfit) and tell them apart by what it reads (unreadI5Collision),
   * a Nanopore run needs their MinKNOW barcodes. `levels`: the mismatch levels the pool was judged by when made
   * (pool-loading.ts), which judge the i7-only check.
   */
  | Command<'LoadPool', { lane: number; poolId: string; libraries: readonly LoadedLibrary[]; levels: IndexCheckLevels }>
  /** `thresholds`: the lab's for this run's instrument and flowcell type (lab-config.ts). */
  | Command<'RecordLaneQc', { lane: number; metrics: Partial<LaneMetrics>; thresholds: QcThresholds; recordedBy: string | null }>
  | Command<'CompleteRun', { qcOverrideReason: string | null; completedBy: string | null }>;

/** MinKNOW identifiers: flow_cell_id [A-Z0-9_-]+, kit [A-Z0-9-]+ (ont-output-specifications), experiment_id at most
 * 40 of A–Z, a–z, 0–9, _ and - (Dorado's sample sheet rules, stricter than MinKNOW's). */
const MINKNOW_RULES: ReadonlyArray<[keyof MinknowRun, RegExp, string]> = [
  ['flowCellId', /^[A-Z0-9_-]{1,40}$/, 'a flow cell id like PAK12345 (A–Z, 0–9, _ and -)'],
  ['kit', /^[A-Z0-9]+(-[A-Z0-9]+)+$/, 'a kit product code like SQK-NBD114-24'],
  ['experimentId', /^[A-Za-z0-9_-]{1,40}$/, '1–40 of A–Z, a–z, 0–9, _ and -'],
];
const minknowRun = (input: Partial<MinknowRun>): MinknowRun => {
  const run = { flowCellId: input.flowCellId?.trim() ?? '', kit: input.kit?.trim() ?? '', experimentId: input.experimentId?.trim() ?? '' };
  for (const [field, pattern, what] of MINKNOW_RULES) {
    if (!run[field]) throw new BadInputError(`a Nanopore run needs ${field} (${what})`, { field });
    if (!pattern.test(run[field])) throw new BadInputError(`${field} "${run[field]}" is not ${what}`, { field });
  }
  return run;
};

/**
 * MinKNOW demultiplexes by barcode name: each library on a Nanopore flow cell carries its barcoding kit's
 * index, whose id is the MinKNOW barcode (barcode01…), each once. Sequences are the kit's, never made up here.
 */
export const minknowBarcodes = (libraries: ReadonlyArray<{ barcode: string; indexId: string | null }>): void => {
  const seen = new Map<string, string>();
  for (const library of libraries) {
    if (!library.indexId || !/^barcode[0-9]+$/.test(library.indexId)) {
      throw new BadInputError(`library ${library.barcode} has no MinKNOW barcode: prepare it with an index of a Nanopore barcoding kit whose index ids are barcode01, barcode02, …`, { field: 'poolId' });
    }
    const other = seen.get(library.indexId);
    if (other) throw new ConflictError(`libraries ${other} and ${library.barcode} both carry ${library.indexId}; MinKNOW cannot tell them apart`, { field: 'poolId' });
    seen.set(library.indexId, library.barcode);
  }
};

/** A library that failed QC stays out of a run's lanes, as it stays out of new pools. */
const qcFailed = (libraries: readonly LoadedLibrary[]): void =>
  refuseQcFailed(libraries, (one) => ` since the pool was made: a pool holding ${one ? 'it' : 'them'} cannot go on a lane (pool the others again, or record a passing QC)`);

/**
 * An Illumina run's sheet writes every library's indexes for the run's reads: each must fit them (indexMisfit),
 * and on reads with no second index read the lane's libraries must differ by i7 alone (unreadI5Collision) at the
 * levels the pool was judged by: the sheet's rules.
 */
const indexesRead = (run: Run, libraries: readonly LoadedLibrary[], levels: IndexCheckLevels): void => {
  const structure = run.readStructure ?? DEFAULT_READ_STRUCTURE;
  const reads = parseReads(structure);
  const misfits = libraries.flatMap((library) => {
    const misfit = indexMisfit(structure, reads, library);
    return misfit ? [`library ${library.barcode}: ${misfit.message}`] : [];
  });
  if (misfits.length > 0) throw new BadInputError(`${listed(misfits, '; ', 5)}: BCL Convert could not demultiplex the pool with this run's reads`, { field: 'poolId' });
  // Without a second index read the i5s are not read: the lane's libraries must differ by i7 alone. The lane is free
  // (one pool per lane), so this pool's levels are the lane's (laneLevels of one pool), as the sheet renderer judges it.
  const clash = unreadI5Collision(reads, libraries.map((library) => ({ id: library.libraryId, i7: library.i7, i5: library.i5 })), levels);
  if (clash) {
    const pair = clash.libraryIds.map((id) => libraries.find((library) => library.libraryId === id)!);
    throw new ConflictError(`${clash.message} (libraries ${pair.map((l) => l.barcode).join(' and ')}): read structure ${structure.trim()} reads no second index, so their i5 is not read and they cannot be demultiplexed on one lane`, {
      reason: 'INDEX_COLLISION',
      field: 'poolId',
      libraries: pair.map(({ libraryId, barcode }) => ({ libraryId, barcode })),
    });
  }
};

/** A lane of the run's flowcell, named with the flowcell's own lane count. */
const onFlowcell = (run: Run, lane: number): void => {
  if (Number.isInteger(lane) && lane >= 1 && lane <= run.lanes) return;
  throw new BadInputError(`lane ${lane} is not on this run: a ${run.flowcellType} flowcell has lane${run.lanes === 1 ? ' 1 only' : `s 1–${run.lanes}`}`, { field: 'lane', min: 1, max: run.lanes });
};

const planned = (state: RunState, doing: string) => {
  if (state.status === 'NONE') throw new NotFoundError('sequencing run not found');
  if (state.status === 'COMPLETED') throw new ConflictError(`the run is completed: cannot ${doing}`);
  return state;
};

export const runDecider: Decider<RunCommand, RunEvent, RunState> = {
  streamType: 'SequencingRun',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state) => {
    switch (command.type) {
      case 'CreateRun': {
        if (state.status !== 'NONE') throw new ConflictError('this run was already created');
        const { runId, instrument, readStructure } = command.data;
        const name = command.data.name.trim();
        if (!name || name.length > 100) throw new BadInputError('name must be 1–100 characters', { field: 'name' });
        const model = instrumentModel(instrument);
        if (!model) throw new BadInputError(`unknown instrument ${instrument}`, { field: 'instrument' });
        const flowcell = flowcellType(model, command.data.flowcellType);
        if (!flowcell) throw new BadInputError(`${model.name} has no flowcell type ${command.data.flowcellType} (${model.flowcells.map((f) => f.id).join(', ') || 'none catalogued'})`, { field: 'flowcellType' });
        const created = { runId, name, instrument: model.id, flowcellType: flowcell.id, lanes: flowcell.lanes };
        if (model.vendor === 'OXFORD_NANOPORE') {
          if (readStructure) throw new BadInputError(`${model.name} runs have no read structure (it describes Illumina cycles)`, { field: 'readStructure' });
          return [{ type: 'RunCreated', data: { ...created, readStructure: null, minknow: minknowRun(command.data.minknow ?? {}) } }];
        }
        if (command.data.minknow && Object.values(command.data.minknow).some((v) => v)) {
          throw new BadInputError(`flowCellId, kit and experimentId describe Nanopore runs; ${model.name} runs are described by their read structure`, { field: 'kit' });
        }
        if (!readStructure) throw new BadInputError(`${model.name} runs need a read structure such as 151T8B8B151T`, { field: 'readStructure' });
        checkReadStructure(readStructure);
        return [{ type: 'RunCreated', data: { ...created, readStructure: readStructure.trim() } }];
      }
      case 'LoadPool': {
        const run = planned(state, 'load a pool');
        const { lane, poolId, libraries, levels } = command.data;
        onFlowcell(run, lane);
        if (run.loaded.some((l) => l.lane === lane)) throw new ConflictError(`lane ${lane} is already loaded`, { field: 'lane' });
        qcFailed(libraries);
        if (run.minknow) minknowBarcodes(libraries);
        else indexesRead(run, libraries, levels);
        return [{ type: 'PoolLoaded', data: { runId: run.id, lane, poolId } }];
      }
      case 'RecordLaneQc': {
        const run = planned(state, 'record lane QC');
        // Q30, %PF and density are Illumina's measures; judging a flow cell by them would be a false verdict.
        if (run.minknow) throw new BadInputError('Nanopore runs are not judged by Illumina lane metrics: complete the run with a qcOverrideReason', { field: 'runId' });
        const { lane, thresholds, recordedBy } = command.data;
        onFlowcell(run, lane);
        if (!run.loaded.some((l) => l.lane === lane)) throw new BadInputError(`lane ${lane} has no pool loaded`, { field: 'lane' });
        const input = command.data.metrics;
        const metrics: LaneMetrics = { q30Percent: input.q30Percent ?? null, percentPf: input.percentPf ?? null, occupancyPercent: input.occupancyPercent ?? null, clusterDensityKmm2: input.clusterDensityKmm2 ?? null, yieldGb: input.yieldGb ?? null };
        for (const [field, value] of Object.entries(metrics)) {
          if (value !== null && (!Number.isFinite(value) || value < 0)) throw new BadInputError(`${field} must be a number ≥ 0`, { field });
          if (value !== null && field !== 'clusterDensityKmm2' && field !== 'yieldGb' && value > 100) throw new BadInputError(`${field} is a percentage (at most 100)`, { field });
        }
        if (Object.values(metrics).every((v) => v === null)) throw new BadInputError('give at least one metric', { field: 'metrics' });
        const { verdict, reasons } = laneVerdict(metrics, thresholds, isPatterned(instrumentModel(run.instrument)!, run.flowcellType));
        return [{ type: 'LaneQcRecorded', data: { runId: run.id, lane, metrics, verdict, reasons, recordedBy } }];
      }
      case 'CompleteRun': {
        const run = planned(state, 'complete it again');
        const reason = command.data.qcOverrideReason?.trim() || null;
        if (reason !== null && reason.length > 500) throw new BadInputError('qcOverrideReason is at most 500 characters', { field: 'qcOverrideReason' });
        if (run.loaded.length === 0) throw new BadInputError('no pool is loaded on this run', { field: 'runId' });
        const qc = run.laneQc ?? [];
        const unjudged = run.loaded.filter((l) => !qc.some((q) => q.lane === l.lane)).map((l) => l.lane);
        // A completed run releases its data: a lane nobody judged needs someone to say why.
        if (unjudged.length > 0 && reason === null) {
          throw new BadInputError(`lane${unjudged.length === 1 ? '' : 's'} ${unjudged.join(', ')} ha${unjudged.length === 1 ? 's' : 've'} no QC: record it, or complete with a qcOverrideReason`, { field: 'qcOverrideReason' });
        }
        return [{ type: 'RunCompleted', data: { runId: run.id, qcVerdict: worstVerdict(qc.map((q) => q.verdict)), ...(reason !== null ? { qcOverrideReason: reason } : {}), completedBy: command.data.completedBy } }];
      }
      default: {
        const unknown: never = command;
        throw new BadInputError(`unknown command ${(unknown as { type: string }).type}`);
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'RunCreated': {
        const { runId, ...data } = event.data;
        return { ...data, id: runId, status: 'PLANNED', loaded: [], createdAt: event.occurredAt };
      }
      case 'PoolLoaded':
        return state.status === 'NONE' ? state : { ...state, loaded: [...state.loaded, { lane: event.data.lane, poolId: event.data.poolId }].sort((a, b) => a.lane - b.lane) };
      case 'LaneQcRecorded': {
        if (state.status === 'NONE') return state;
        const { runId: _, ...qc } = event.data;
        return { ...state, laneQc: [...(state.laneQc ?? []).filter((q) => q.lane !== qc.lane), { ...qc, recordedAt: event.occurredAt }].sort((a, b) => a.lane - b.lane) };
      }
      case 'RunCompleted':
        return state.status === 'NONE' ? state : { ...state, status: 'COMPLETED', qcVerdict: event.data.qcVerdict, qcOverrideReason: event.data.qcOverrideReason ?? null, completedBy: event.data.completedBy, completedAt: event.occurredAt };
    }
  },
};
