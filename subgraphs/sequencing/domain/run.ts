import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError, NotFoundError } from '../../../platform/errors.js';
import type { LaneMetrics, QcVerdict, RunEvent } from '../events.js';
import { flowcellType, instrumentModel } from './instruments.js';
import { parseReads } from './read-structure.js';
import { laneVerdict, worstVerdict, type QcThresholds } from './run-qc.js';

export type LaneQc = { lane: number; metrics: LaneMetrics; verdict: QcVerdict; reasons: string[]; recordedBy: string | null; recordedAt: string };
export type Run = {
  id: string; name: string; instrument: string; flowcellType: string; lanes: number; readStructure: string; loaded: Array<{ lane: number; poolId: string }>; createdAt: string;
  laneQc?: LaneQc[]; qcVerdict?: QcVerdict | null; qcOverrideReason?: string | null; completedBy?: string | null; completedAt?: string | null;
};
export type RunState = { status: 'NONE' } | (Run & { status: 'PLANNED' | 'COMPLETED' });

export type RunCommand =
  | Command<'CreateRun', { runId: string; name: string; instrument: string; flowcellType: string; readStructure: string }>
  | Command<'LoadPool', { lane: number; poolId: string }>
  /** `thresholds`: the lab's for this run's instrument and flowcell type (lab-config.ts). */
  | Command<'RecordLaneQc', { lane: number; metrics: Partial<LaneMetrics>; thresholds: QcThresholds; recordedBy: string | null }>
  | Command<'CompleteRun', { qcOverrideReason: string | null; completedBy: string | null }>;

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
        if (!model || model.vendor !== 'ILLUMINA') throw new BadInputError(`unknown Illumina instrument ${instrument}`, { field: 'instrument' });
        const flowcell = flowcellType(model, command.data.flowcellType);
        if (!flowcell) throw new BadInputError(`${model.name} has no flowcell type ${command.data.flowcellType} (${model.flowcells.map((f) => f.id).join(', ') || 'none catalogued'})`, { field: 'flowcellType' });
        parseReads(readStructure);
        return [{ type: 'RunCreated', data: { runId, name, instrument: model.id, flowcellType: flowcell.id, lanes: flowcell.lanes, readStructure: readStructure.trim() } }];
      }
      case 'LoadPool': {
        planned(state, 'load a pool');
        if (state.status === 'NONE') throw new NotFoundError('sequencing run not found');
        const { lane, poolId } = command.data;
        if (!Number.isInteger(lane) || lane < 1 || lane > state.lanes) throw new BadInputError(`a ${state.flowcellType} flowcell has lane${state.lanes === 1 ? ' 1 only' : `s 1–${state.lanes}`}`, { field: 'lane' });
        if (state.loaded.some((l) => l.lane === lane)) throw new ConflictError(`lane ${lane} is already loaded`, { field: 'lane' });
        return [{ type: 'PoolLoaded', data: { runId: state.id, lane, poolId } }];
      }
      case 'RecordLaneQc': {
        const run = planned(state, 'record lane QC');
        const { lane, thresholds, recordedBy } = command.data;
        if (!run.loaded.some((l) => l.lane === lane)) throw new BadInputError(`lane ${lane} has no pool loaded`, { field: 'lane' });
        const input = command.data.metrics;
        const metrics: LaneMetrics = { q30Percent: input.q30Percent ?? null, percentPf: input.percentPf ?? null, occupancyPercent: input.occupancyPercent ?? null, clusterDensityKmm2: input.clusterDensityKmm2 ?? null, yieldGb: input.yieldGb ?? null };
        for (const [field, value] of Object.entries(metrics)) {
          if (value !== null && (!Number.isFinite(value) || value < 0)) throw new BadInputError(`${field} must be a number ≥ 0`, { field });
          if (value !== null && field !== 'clusterDensityKmm2' && field !== 'yieldGb' && value > 100) throw new BadInputError(`${field} is a percentage (at most 100)`, { field });
        }
        if (Object.values(metrics).every((v) => v === null)) throw new BadInputError('give at least one metric', { field: 'metrics' });
        const patterned = flowcellType(instrumentModel(run.instrument)!, run.flowcellType)?.patterned ?? false;
        const { verdict, reasons } = laneVerdict(metrics, thresholds, patterned);
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
