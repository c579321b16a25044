import { expect } from 'vitest';
import type { TestSystem } from './system.js';
import { waitUntil } from './wait.js';
import { compareCheckpoints, parsePosition } from '../../event-store/position.js';

/** Lab set-up through the public API, the way a frontend would do it. */
export const labClient = (system: TestSystem, headers: Record<string, string> = {}) => {
  let last = '0:0';
  /** Sends every request at the newest position any of its mutations returned (read-your-writes). */
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await system.gql(query, variables, { 'x-tracseq-consistent-with': last, ...headers });
    if (/^\s*mutation\b/.test(query)) {
      for (const payload of Object.values(result.data ?? {}) as Array<{ position?: unknown } | null>) {
        const position = payload?.position;
        if (typeof position === 'string' && compareCheckpoints(parsePosition(position), parsePosition(last)) > 0) last = position;
      }
    }
    return result;
  };
  /** Runs a mutation that must succeed. */
  const mutate = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await gql(query, variables);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return Object.values(result.data)[0] as any;
  };
  return {
    gql,
    mutate,
    get position() {
      return last;
    },
    async validatedSample(barcode: string, sampleType = 'DNA'): Promise<string> {
      const { sample } = await mutate(`mutation($b: String!, $t: SampleType!) { registerSample(input: { barcode: $b, sampleType: $t }) { position sample { id } } }`, { b: barcode, t: sampleType });
      await mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id });
      await mutate(`mutation($id: ID!) { validateSample(id: $id) { position } }`, { id: sample.id });
      return sample.id;
    },
    async unit(input: Record<string, unknown>): Promise<string> {
      return (await mutate(`mutation($input: CreateStorageUnitInput!) { createStorageUnit(input: $input) { position unit { id } } }`, { input })).unit.id;
    },
    /** FACILITY > FREEZER (zone) > RACK > BOX (rows × columns); returns ids and the box's position ids by label. */
    async freezerWithBox(name: string, zone: string, rows = 2, columns = 5) {
      const facility = await this.unit({ name: `${name} site`, kind: 'FACILITY' });
      const freezer = await this.unit({ name, kind: 'FREEZER', parentId: facility, zone });
      const rack = await this.unit({ name: `${name} rack 1`, kind: 'RACK', parentId: freezer });
      const box = await this.unit({ name: `${name} box 1`, kind: 'BOX', parentId: rack, rows, columns });
      const read = await gql(`query($id: ID!) { storageUnit(id: $id) { positions { id label } } }`, { id: box });
      const positions = Object.fromEntries(read.data.storageUnit.positions.map((p: { id: string; label: string }) => [p.label, p.id])) as Record<string, string>;
      return { facility, freezer, rack, box, positions };
    },
    /** Effects that follow from events in other contexts arrive asynchronously: poll the API for them. */
    async eventually<T>(query: string, variables: Record<string, unknown>, until: (data: any) => T | undefined | false, label: string, timeoutMs = 15_000): Promise<T> {
      let found: T | undefined | false;
      await waitUntil(async () => {
        const result = await gql(query, variables);
        found = result.data ? until(result.data) : undefined;
        return Boolean(found);
      }, timeoutMs, label);
      return found as T;
    },
  };
};
