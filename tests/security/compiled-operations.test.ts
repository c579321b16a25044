import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { bearer } from '../support/tokens.js';

/**
 * The subgraphs compile operations with graphql-jit, which writes literal arguments into the code it
 * compiles and turns a string starting with its (public) date marker into `new Date(<the rest>)`.
 * A client's string literal must never become code: a subgraph makes it a variable before compiling.
 */
const DATE_MARKER = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d';
const SENTINEL = '__tracseqCompiledLiteral';

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

describe('operations compiled by the subgraphs', () => {
  it("never run a client's string literal as code, in a query or a mutation", async () => {
    const headers = await bearer({ sub: 'mallory@lab-x', tenant: 'lab-x', roles: ['technician'] });
    const payload = `${DATE_MARKER}0)&&(globalThis.${SENTINEL}=1)&&(0`;
    const query = await system.gql(`{ samples(first: 1, filter: { barcodePrefix: ${JSON.stringify(payload)} }) { totalCount } }`, {}, headers);
    const mutation = await system.gql(`mutation { registerSample(input: { barcode: "SAFE-000001", sampleType: DNA, submitter: ${JSON.stringify(payload)} }) { sample { id } } }`, {}, headers);
    expect((globalThis as Record<string, unknown>)[SENTINEL]).toBeUndefined();
    // Answered as any overlong value is: refused at the subgraph's edge, with its code.
    expect(query.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(mutation.errors?.[0]?.extensions?.code ?? 'none').not.toBe('INTERNAL_SERVER_ERROR');
  });
});
