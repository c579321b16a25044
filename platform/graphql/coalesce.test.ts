import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.js';

interface Row {
  tenant: string;
  id: string;
}

/** A finder over an in-memory table that records every call it gets. */
const table = (rows: Row[]) => {
  const calls: Array<{ tenantId: string; keys: readonly string[] }> = [];
  const find = async (tenantId: string, keys: readonly string[]) => {
    calls.push({ tenantId, keys });
    return rows.filter((row) => row.tenant === tenantId && keys.includes(row.id));
  };
  return { calls, lookup: coalesce(find, (row: Row) => row.id) };
};

describe('coalesce: lookups of concurrent requests in one query', () => {
  it('answers lookups of one turn with one call per tenant, each with its own rows only', async () => {
    const { calls, lookup } = table([{ tenant: 'a', id: '1' }, { tenant: 'a', id: '2' }, { tenant: 'a', id: '3' }, { tenant: 'b', id: '1' }, { tenant: 'b', id: '9' }]);
    const answers = await Promise.all([lookup('a', ['1']), lookup('a', ['2', '3']), lookup('a', ['1', '4']), lookup('b', ['1', '2']), lookup('b', ['9'])]);
    expect(answers).toEqual([
      [{ tenant: 'a', id: '1' }],
      [{ tenant: 'a', id: '2' }, { tenant: 'a', id: '3' }],
      [{ tenant: 'a', id: '1' }],
      [{ tenant: 'b', id: '1' }],
      [{ tenant: 'b', id: '9' }],
    ]);
    expect(calls.map(({ tenantId, keys }) => [tenantId, [...keys].sort()])).toEqual([
      ['a', ['1', '2', '3', '4']],
      ['b', ['1', '2', '9']],
    ]);
  });

  it('opens a new query for a lookup after the batch went out', async () => {
    const { calls, lookup } = table([{ tenant: 'a', id: '1' }]);
    await lookup('a', ['1']);
    await lookup('a', ['1']);
    expect(calls).toHaveLength(2);
  });

  it('fails every lookup of a failed query, and the next turn queries again', async () => {
    let fail = true;
    const lookup = coalesce(async (_tenantId: string, keys: readonly string[]) => {
      if (fail) throw new Error('connection lost');
      return keys.map((id) => ({ id }));
    }, (row) => row.id);
    const answers = await Promise.allSettled([lookup('a', ['1']), lookup('a', ['2'])]);
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await lookup('a', ['2'])).toEqual([{ id: '2' }]);
  });

  it('splits a turn with more than 1,000 keys into several queries', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => ({ tenant: 'a', id: String(i) }));
    const { calls, lookup } = table(rows);
    const answers = await Promise.all(rows.map((row) => lookup('a', [row.id])));
    expect(answers.every((answer, i) => answer.length === 1 && answer[0]!.id === String(i))).toBe(true);
    expect(calls.map((call) => call.keys.length)).toEqual([1000, 500]);
  });
});
