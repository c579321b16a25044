import { existsSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { buildSchema, parse, validate } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../platform/error-codes.js';
import { sourceFiles } from './support/code.js';
import { readRepoFile, root } from './support/image.js';

/** docs/ against the code: what a client or operator reads there must be what the system does. */
const errorsDoc = readRepoFile('docs/errors.md');
const section = (doc: string, heading: string) => doc.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
/** First-column entries of a markdown table: `CODE` → the row's cells. */
const tableRows = (text: string): Map<string, string[]> =>
  new Map(
    text
      .split('\n')
      .filter((line) => /^\| `[^`]+`/.test(line))
      .map((line) => {
        const cells = line.split('|').slice(1, -1).map((c) => c.trim());
        return [cells[0]!.match(/`([^`]+)`/)![1]!, cells];
      }),
  );
const documentedCodes = tableRows(section(errorsDoc, 'Codes'));
const documentedCloses = tableRows(section(errorsDoc, 'WebSocket close codes'));

/** Every extensions.code the server code can raise, read from the source. */
const raisedCodes = (): Map<string, string> => {
  const found = new Map<string, string>();
  const patterns = [
    /new DomainError\(\s*'([A-Z_]+)'/g,
    /super\(\s*'([A-Z_]+)'/g,
    /\bcode: '([A-Z_]+)'/g,
    /sendError\([^,]+,\s*\d+,\s*'([A-Z_]+)'/g,
    /code \?\? '([A-Z_]+)'/g,
  ];
  for (const file of sourceFiles()) {
    const source = readRepoFile(file);
    for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.set(match[1]!, file);
  }
  for (const match of readRepoFile('platform/errors.ts').matchAll(/\| '([A-Z_]+)'/g)) found.set(match[1]!, 'platform/errors.ts (ErrorCode)');
  // Apollo Server's own codes, and @apollo/gateway's for a subgraph that fails without one.
  for (const code of Object.values(ApolloServerErrorCode)) found.set(code, '@apollo/server');
  found.set('DOWNSTREAM_SERVICE_ERROR', '@apollo/gateway');
  return found;
};

describe('docs/errors.md', () => {
  it('lists every error code the code can raise, and none it cannot', () => {
    const raised = raisedCodes();
    expect(raised.size).toBeGreaterThan(12);
    for (const [code, where] of raised) expect(documentedCodes.has(code), `${code} (raised in ${where}) is not in docs/errors.md`).toBe(true);
    for (const code of documentedCodes.keys()) expect(raised.has(code), `docs/errors.md lists ${code}, which nothing raises`).toBe(true);
  });

  it('gives each request-level code the HTTP status the gateway answers with', () => {
    const handler = readRepoFile('platform/http/graphql-handler.ts');
    const statuses = Object.values(ERROR_CODES).map((entry) => [entry.extensionsCode, String(entry.status)] as const);
    expect(statuses.length).toBeGreaterThan(5);
    for (const [code, status] of statuses) expect(documentedCodes.get(code)?.[1], `${code} → ${status}`).toContain(status);
    for (const [, status] of handler.matchAll(/sendError\(res, (\d{3}), 'BAD_REQUEST'/g)) expect(documentedCodes.get('BAD_REQUEST')?.[1]).toContain(status);
    expect(documentedCodes.get('RATE_LIMITED')?.[1]).toContain('Retry-After');
  });

  it('lists every WebSocket close code the gateway or graphql-ws\'s server can send', () => {
    const sent = new Set<number>([1001]); // graphql-ws's dispose(): "Going away"
    for (const file of sourceFiles('gateway')) {
      const source = readRepoFile(file);
      for (const match of source.matchAll(/CloseCode\.(\w+)/g)) sent.add(CloseCode[match[1]! as keyof typeof CloseCode]);
      for (const match of source.matchAll(/_CLOSE = (\d{4})/g)) sent.add(Number(match[1]));
    }
    // Codes only graphql-ws's client raises; every other protocol code can come from the server.
    const clientOnly = new Set<number>([CloseCode.BadResponse, CloseCode.InternalClientError, CloseCode.ConnectionAcknowledgementTimeout]);
    for (const code of Object.values(CloseCode).filter((c): c is number => typeof c === 'number' && !clientOnly.has(c))) sent.add(code);
    expect(sent.has(1013)).toBe(true);
    for (const code of sent) expect(documentedCloses.has(String(code)), `close code ${code} is not in docs/errors.md`).toBe(true);
  });
});

describe('docs/api.md', () => {
  it('names every root field of schema/api.graphql', () => {
    const api = readRepoFile('docs/api.md');
    const schema = buildSchema(readRepoFile('schema/api.graphql'));
    for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const field of Object.keys(type!.getFields())) expect(api, `${type!.name}.${field}`).toMatch(new RegExp(`\\b${field}\\b`));
    }
  });
});

describe('docs/operations.md', () => {
  it('covers every CLI role, npm script and service endpoint', () => {
    const operations = readRepoFile('docs/operations.md');
    for (const [, role] of readRepoFile('bin/tracseq.ts').matchAll(/case '([a-z-]+)':/g)) expect(operations, `role ${role}`).toContain(`tracseq ${role}`);
    const scripts = Object.keys((JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts).filter((s) => !s.startsWith('bench'));
    for (const script of scripts) expect(operations, `npm run ${script}`).toMatch(new RegExp(`npm (run )?${script.replace(/[:]/g, '\\:')}\\b`));
    for (const endpoint of ['/health', '/ready', '/metrics', '/graphql']) expect(operations).toContain(endpoint);
  });
});

describe('links inside docs/ and examples/', () => {
  it('point at files that exist in the repository', () => {
    const docs = [...readdirSync(new URL('docs/', root)).map((f) => `docs/${f}`), 'examples/README.md'].filter((f) => f.endsWith('.md'));
    for (const doc of docs) {
      for (const [, target] of readRepoFile(doc).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^https?:/.test(target!)) continue;
        const resolved = posix.normalize(posix.join(posix.dirname(doc), target!));
        expect(resolved, `${doc} links outside the repository: ${target}`).not.toMatch(/^(\.\.|\/)/);
        expect(existsSync(new URL(resolved, root)), `${doc} → ${target}`).toBe(true);
      }
    }
  });
});

describe('README.md', () => {
  it('shows example queries that the API answers (each validates against schema/api.graphql)', () => {
    const schema = buildSchema(readRepoFile('schema/api.graphql'));
    const from = readRepoFile('README.md').split('### Three queries across subgraphs')[1] ?? '';
    const block = /```graphql\n([\s\S]*?)```/.exec(from)?.[1] ?? '';
    const queries = block.split(/\n(?=#)/).map((chunk) => chunk.replace(/^#.*\n/, '').trim()).filter(Boolean);
    expect(queries).toHaveLength(3);
    for (const query of queries) expect(validate(schema, parse(query)).map((error) => error.message), query).toEqual([]);
  });
});
