import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGraphQLError, UnauthenticatedError } from '../errors.js';
import { graphqlHandler } from '../http/graphql-handler.js';
import { createLogger } from '../logger.js';
import { logUnexpectedErrors } from './unexpected-errors.js';

/** A server whose context and resolver fail on request, logging into `lines` as production would. */
const lines: Array<Record<string, any>> = [];
let server: Server;
let url: string;

beforeAll(async () => {
  const logger = createLogger('info', 'test', new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  const apollo = new ApolloServer({
    typeDefs: 'type Query { ok: Boolean }',
    resolvers: { Query: { ok: () => { throw new Error('read model connection reset'); } } },
    formatError: formatGraphQLError(false),
    plugins: [logUnexpectedErrors(logger, 'unexpected resolver error', { subgraph: 'test' })],
  });
  await apollo.start();
  const handler = graphqlHandler(apollo, {
    context: async (_req, headers) => {
      if (headers.get('x-fail') === 'bug') throw new Error('loader pool is gone');
      if (headers.get('x-fail') === 'refuse') throw new UnauthenticatedError('identity missing');
      return {};
    },
  });
  server = createServer((req, res) => void handler(req, res, ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ask = async (headers: Record<string, string>) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ ok }' }) });
  return { status: response.status, body: (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> } };
};

describe('unexpected errors are logged, refusals are not', () => {
  it('logs a context that failed unexpectedly and shows the caller only INTERNAL_SERVER_ERROR', async () => {
    lines.length = 0;
    const { status, body } = await ask({ 'x-fail': 'bug' });
    expect(status).toBe(500);
    expect(body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(body)).not.toContain('loader pool');
    expect(lines.filter((line) => line.msg === 'unexpected resolver error').map((line) => [line.subgraph, line.err?.message])).toEqual([['test', 'loader pool is gone']]);
  });

  it('does not log a context that refused the caller, which gets its own code and status', async () => {
    lines.length = 0;
    const { status, body } = await ask({ 'x-fail': 'refuse' });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(lines.filter((line) => line.msg === 'unexpected resolver error')).toEqual([]);
  });

  it('logs a resolver failure under the request id the caller gave', async () => {
    lines.length = 0;
    const { body } = await ask({ 'x-request-id': 'lims-ctx-1' });
    expect(body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const logged = lines.filter((line) => line.msg === 'unexpected resolver error');
    expect(logged.map((line) => [line.requestId, line.err?.message])).toEqual([['lims-ctx-1', 'read model connection reset']]);
  });
});
