import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkOperationLimits, listSizeHints } from './use-operation-limits.js';

const schema = buildSchema(readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8'));
const supergraph = readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8');
const listSizes = listSizeHints(supergraph);
const LIMITS = { depth: 12, aliases: 30, tokens: 3000, cost: 50_000 };

/** The cost the rule gives an operation, read from the refusal at a limit of 0. */
const cost = (query: string, variables: Record<string, unknown> = {}, sizes = listSizes): number => {
  const { error } = checkOperationLimits(schema, query, variables, { ...LIMITS, cost: 0 }, sizes);
  const match = /operation costs (\d+)/.exec(error?.message ?? '');
  if (!match) throw new Error(`no cost refusal: ${error?.message}`);
  return Number(match[1]);
};

/** The deep lab query of tests/e2e/sequencing-lab.test.ts: sample → library → pool → run → lane → pool. */
const LAB_QUERY = `query($first: Int) { samples(first: $first, filter: { barcodePrefix: "SQLN-" }) { edges { node { barcode libraries { barcode pools { name runs { name lanes { lane pool { name } } } } } } } } }`;

describe('operation cost', () => {
  it('counts a connection\'s page once: its edges are the page, not the page times 5', () => {
    // samples 1 + 10 × (edges 1 + node (1 + id 1)).
    expect(cost('{ samples(first: 10) { edges { node { id } } } }')).toBe(31);
    expect(cost('query($n: Int) { samples(first: $n) { edges { cursor node { id } } } }', { n: 4 })).toBe(1 + 4 * (1 + 1 + 2));
    // Without `first`, API.md's default page of 50.
    expect(cost('{ samples { edges { node { id } } } }')).toBe(1 + 50 * 3);
  });

  it('counts a list the schema sizes with @listSize as that size, other lists as 5', () => {
    expect(listSizes.get('SequencingRun.lanes')).toBe(8);
    expect(listSizes.get('SequencingRun.laneQc')).toBe(8);
    expect(listSizes.get('InstrumentModel.flowcellTypes')).toBe(4);
    expect(cost('{ sequencingRun(id: "x") { lanes { lane } } }')).toBe(1 + 1 + 8);
    expect(cost('{ sequencingRun(id: "x") { lanes { lane } } }', {}, new Map())).toBe(1 + 1 + 5);
    expect(cost('{ library(id: "x") { pools { name } } }')).toBe(1 + 1 + 5);
  });

  it('reads @listSize under the name the supergraph\'s @link gives it', () => {
    const sdl = (link: string) => `schema @link(url: "https://specs.apollo.dev/link/v1.0") ${link} { query: Query }
      type Query { a: [Int] @size(assumedSize: 3) b: [Int] @cost__listSize(assumedSize: 2) c: [Int] @listSize(assumedSize: 7) }`;
    expect([...listSizeHints(sdl('@link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@listSize", as: "@size" }])'))]).toEqual([['Query.a', 3]]);
    expect([...listSizeHints(sdl('@link(url: "https://specs.apollo.dev/cost/v0.1")'))]).toEqual([['Query.b', 2]]);
    expect([...listSizeHints(sdl('@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])'))]).toEqual([['Query.c', 7]]);
    expect(listSizeHints(sdl('')).size).toBe(0);
  });

  it('lets the deep lab query fit the default MAX_COST for a page of 6 samples, and still refuses it for a page of 50', () => {
    // node = barcode 1 + libraries (1 + 5 × (barcode 1 + pools (1 + 5 × (name 1 + runs (1 + 5 × (name 1 + lanes (1 + 8 × (lane 1 + pool 2))))))))
    const node = 1 + (1 + 5 * (1 + (1 + 5 * (1 + (1 + 5 * (1 + (1 + 8 * 3)))))));
    expect(cost(LAB_QUERY, { first: 6 })).toBe(1 + 6 * (1 + 1 + node));
    expect(checkOperationLimits(schema, LAB_QUERY, { first: 6 }, LIMITS, listSizes).error).toBeUndefined();
    // 50 samples × 5 libraries × 5 pools × 5 runs could be 6250 runs: the protection the limit is for.
    expect(checkOperationLimits(schema, LAB_QUERY, { first: 50 }, LIMITS, listSizes).error?.extensions.code).toBe('QUERY_TOO_COMPLEX');
  });
});
