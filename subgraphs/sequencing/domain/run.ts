import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError, NotFoundError } from '../../../platform/errors.js';
import type { RunEvent } from '../events.js';
import { flowcellType, instrumentModel } from './instruments.js';
import { parseReads } from './read-structure.js';

export type Run = { id: string; name: string; instrument: string; flowcellType: string; lanes: number; readStructure: string; loaded: Array<{ lane: number; poolId: string }>; createdAt: string };
export type RunState = { status: 'NONE' } | (Run & { status: 'PLANNED' });

export type RunCommand =
  | Command<'CreateRun', { runId: string; name: string; instrument: string; flowcellType: string; readStructure: string }>
  | Command<'LoadPool', { lane: number; poolId: string }>;

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
        if (state.status === 'NONE') throw new NotFoundError('sequencing run not found');
        const { lane, poolId } = command.data;
        if (!Number.isInteger(lane) || lane < 1 || lane > state.lanes) throw new BadInputError(`a ${state.flowcellType} flowcell has lane${state.lanes === 1 ? ' 1 only' : `s 1–${state.lanes}`}`, { field: 'lane' });
        if (state.loaded.some((l) => l.lane === lane)) throw new ConflictError(`lane ${lane} is already loaded`, { field: 'lane' });
        return [{ type: 'PoolLoaded', data: { runId: state.id, lane, poolId } }];
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
    }
  },
};
