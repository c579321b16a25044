import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { Kind, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { DomainError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayPlugin } from './plugin.js';

export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/** A manifest's name: its file name without `.json`, as `createApiKey(manifests:)` names it. */
export const manifestNameOf = (file: string) => path.basename(file, '.json');

/** Why a manifest operation cannot be served, or null when it can. */
const problemOf = (schema: GraphQLSchema, operation: Partial<ManifestOperation>): string | null => {
  if (typeof operation.id !== 'string' || typeof operation.body !== 'string' || typeof operation.name !== 'string') return 'needs a string id, name and body';
  if (createHash('sha256').update(operation.body).digest('hex') !== operation.id) return 'id is not the sha256 of its body';
  let document;
  try {
    document = parse(operation.body);
  } catch (error) {
    return `body does not parse: ${(error as Error).message}`;
  }
  const errors = validate(schema, document);
  if (errors.length > 0) return `body does not validate against the API schema: ${errors.map((e) => e.message).join('; ')}`;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) return 'body must hold exactly one operation';
  if (operation.type !== operations[0]!.operation) return `type "${operation.type}" does not match the body's ${operations[0]!.operation}`;
  return null;
};

/** Reads one manifest file; throws naming the first operation that cannot be served. */
const readManifest = (schema: GraphQLSchema, file: string): Map<string, ManifestOperation> => {
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; version?: number; operations?: Array<Partial<ManifestOperation>> };
  if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw Object.assign(new Error('not an apollo-persisted-query-manifest, version 1'), { operation: undefined });
  }
  const operations = new Map<string, ManifestOperation>();
  for (const operation of manifest.operations) {
    const problem = problemOf(schema, operation);
    if (problem) throw Object.assign(new Error(problem), { operation: operation.name ?? operation.id ?? '(unnamed)' });
    operations.set(operation.id!, operation as ManifestOperation);
  }
  return operations;
};

export interface PersistedQueriesOptions {
  /** Where the manifests are (PERSISTED_QUERIES_DIR), reloaded on change. @default 'schema/persisted-queries' */
  dir?: string;
  /** The API schema every manifest operation must validate against. */
  schema: GraphQLSchema;
  logger?: Logger;
}

/**
 * Operations asked for by id (`extensions.persistedQuery.sha256Hash` without a query): a manifest
 * operation within the caller's manifests runs as its text (a mutation never by GET); an API key
 * created persistedOnly may run nothing else (OPERATION_NOT_ALLOWED). Over WebSocket, which has
 * no APQ cache, an unknown id is PERSISTED_QUERY_NOT_FOUND at once.
 *
 * Partner safelists: every `*.json` under `dir` in Apollo's persisted query manifest format
 * ({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id, name, type, body }] }),
 * one manifest per file, named by the file. Each is checked when (re)loaded: every id is the sha256
 * of its body and every body parses and validates against the API schema. A file that fails is
 * refused with a log line naming file and operation, and its previous version stays in force.
 */
export const usePersistedQueries = (options: PersistedQueriesOptions): GatewayPlugin => {
  const { dir = 'schema/persisted-queries', schema, logger } = options;
  let manifests = new Map<string, Map<string, ManifestOperation>>();
  const load = () => {
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    } catch {
      files = [];
    }
    const next = new Map<string, Map<string, ManifestOperation>>();
    for (const file of files) {
      const name = manifestNameOf(file);
      try {
        next.set(name, readManifest(schema, path.join(dir, file)));
      } catch (error) {
        const previous = manifests.get(name);
        if (previous) next.set(name, previous);
        logger?.error(
          { file: path.join(dir, file), operation: (error as { operation?: string }).operation, problem: (error as Error).message, keptPreviousVersion: Boolean(previous) },
          'persisted query manifest refused',
        );
      }
    }
    manifests = next;
  };
  load();
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  try {
    watcher = watch(dir, () => {
      // Editors write files in several steps: reload once things settle.
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, 50);
    });
  } catch {
    watcher = null;
  }
  /** The operation with this id in one of the `allowed` manifests (null: in any manifest). */
  const find = (id: string, allowed: readonly string[] | null): ManifestOperation | undefined => {
    for (const [manifest, operations] of manifests) {
      const operation = operations.get(id);
      if (operation && (!allowed || allowed.includes(manifest))) return operation;
    }
    return undefined;
  };
  return {
    name: 'persisted-queries',
    onOperation(operation) {
      const { caller, request, transport } = operation;
      const hash = request.extensions?.persistedQuery?.sha256Hash;
      const manifest = typeof hash === 'string' && !request.query ? find(hash, caller.manifests) : undefined;
      if (caller.persistedOnly && !manifest) {
        throw new DomainError('OPERATION_NOT_ALLOWED', 'this API key may only run operations from its persisted-query manifests, sent by id');
      }
      if (manifest) {
        if (transport === 'http-get' && manifest.type === 'mutation') throw new DomainError('BAD_USER_INPUT', 'mutations must be sent with POST');
        operation.manifest = manifest;
        operation.query = manifest.body;
        operation.operationName = request.operationName ?? manifest.name;
        return;
      }
      if (!request.query && transport === 'ws' && typeof hash === 'string') throw new DomainError('PERSISTED_QUERY_NOT_FOUND', 'no manifest operation has this id; send the query text');
    },
    close() {
      watcher?.close();
      if (timer) clearTimeout(timer);
    },
  };
};
