import { parse } from 'csv-parse/sync';
import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError } from '../../../platform/errors.js';
import type { IndexKitEvent, KitIndex } from '../events.js';

export type IndexKitState = { status: 'NONE' } | { status: 'IMPORTED'; id: string; name: string; indexes: KitIndex[] };
export type IndexKitCommand = Command<'ImportIndexKit', { kitId: string; name: string; csv: string }>;

const SEQUENCE = /^[ACGT]{4,24}$/;
const MAX_INDEXES = 1536;

/**
 * Reads a kit CSV with a header row: index_id (or index), i7, i5 (optional), well (optional); column
 * names are case-insensitive. Sequences are upper-cased; i5 is in forward (kit) orientation.
 */
export const parseKitCsv = (csv: string): KitIndex[] => {
  let records: Record<string, string>[];
  try {
    records = parse(csv, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true });
  } catch (error) {
    throw new BadInputError(`the kit CSV cannot be read: ${(error as Error).message}`, { field: 'csv' });
  }
  if (records.length === 0) throw new BadInputError('the kit CSV has no indexes', { field: 'csv' });
  if (records.length > MAX_INDEXES) throw new BadInputError(`a kit holds at most ${MAX_INDEXES} indexes`, { field: 'csv' });
  const seen = new Set<string>();
  return records.map((record, row) => {
    const indexId = (record.index_id ?? record.index ?? '').trim();
    const i7 = (record.i7 ?? '').toUpperCase();
    const i5 = (record.i5 ?? '').toUpperCase() || null;
    if (!indexId) throw new BadInputError(`row ${row + 2}: index_id is required`, { field: 'csv' });
    if (seen.has(indexId)) throw new BadInputError(`row ${row + 2}: index ${indexId} appears twice`, { field: 'csv' });
    seen.add(indexId);
    if (!SEQUENCE.test(i7) || (i5 !== null && !SEQUENCE.test(i5))) throw new BadInputError(`row ${row + 2}: indexes are 4–24 bases of A, C, G, T`, { field: 'csv' });
    return { indexId, i7, i5, well: record.well?.trim() || null };
  });
};

export const indexKitDecider: Decider<IndexKitCommand, IndexKitEvent, IndexKitState> = {
  streamType: 'IndexKit',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state) => {
    switch (command.type) {
      case 'ImportIndexKit': {
        if (state.status !== 'NONE') throw new ConflictError('this index kit was already imported');
        const name = command.data.name.trim();
        if (!name || name.length > 100) throw new BadInputError('name must be 1–100 characters', { field: 'name' });
        return [{ type: 'IndexKitImported', data: { kitId: command.data.kitId, name, indexes: parseKitCsv(command.data.csv) } }];
      }
      default: {
        const unknown: never = command.type;
        throw new BadInputError(`unknown command ${String(unknown)}`);
      }
    }
  },
  evolve: (_state, event) => {
    switch (event.type) {
      case 'IndexKitImported':
        return { status: 'IMPORTED', id: event.data.kitId, name: event.data.name, indexes: event.data.indexes };
    }
  },
};
