import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { BREAK, defaultFieldResolver, execute, GraphQLError, isObjectType, visit, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { LAZY_FIELDS } from './connection.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** Gives every field of LAZY_FIELDS without a resolver graphql-js's default resolver back: it calls a function value. */
const callLazyFields = (schema: GraphQLSchema): void => {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) if (LAZY_FIELDS.has(field.name) && !field.resolve) field.resolve = defaultFieldResolver;
  }
};

/**
 * graphql-jit's errors pass `instanceof GraphQLError` but lack its methods (`toJSON`, which Apollo
 * Server calls): as graphql-js's, with what the resolver threw as their original error (codes come from it).
 */
const asGraphQLError = (error: Pick<GraphQLError, 'message' | 'path' | 'locations' | 'originalError' | 'extensions'>): GraphQLError => {
  const converted = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions });
  if (error.locations) Object.defineProperty(converted, 'locations', { value: error.locations, enumerable: true });
  return converted;
};

/** A document graphql-js executes: it holds a string literal (see hasStringLiteral). */
const INTERPRETED = Symbol('interpreted');

/**
 * Whether a document holds a string literal anywhere (an argument, a default value). graphql-jit
 * writes literal arguments into the code it compiles, through JSON.stringify and then a replacement
 * that turns a string starting with its public date marker into `new Date(…)` of whatever follows:
 * a client's string literal could become code. Such documents run on graphql-js; the gateway's own
 * fetches (entities, and operations with variables) carry none and are compiled.
 */
const hasStringLiteral = (document: DocumentNode): boolean => {
  let found = false;
  visit(document, {
    StringValue() {
      found = true;
      return BREAK;
    },
  });
  return found;
};

/**
 * Apollo Server executing a subgraph's operations with graphql-jit instead of graphql-js: each parsed
 * document (Apollo Server keeps them by query hash) is compiled once per operation into a function,
 * which skips most of graphql-js's per-field work (argument and type lookups, a promise per object
 * with async fields). The gateway sends a handful of distinct operations, an entity fetch of 20–80
 * entities each: the subgraphs' CPU per federated page fell by a fifth or more (docs/performance.md).
 * Apollo Server takes an executor only from a gateway, so this is one: a fixed schema and its executor.
 */
export const jitGateway = (schema: GraphQLSchema): GatewayInterface => {
  callLazyFields(schema);
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | ExecutionResult | typeof INTERPRETED>>();
  const compile = (document: DocumentNode, operationName: string | undefined) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    let entry = byName.get(operationName ?? '');
    if (!entry) byName.set(operationName ?? '', (entry = hasStringLiteral(document) ? INTERPRETED : compileQuery(schema, document, operationName)));
    return entry;
  };
  return {
    async load() {
      return {
        schema,
        executor: async (context) => {
          const query = compile(context.document, context.operationName ?? undefined);
          if (query === INTERPRETED) {
            return execute({ schema, document: context.document, operationName: context.operationName, variableValues: context.request.variables, contextValue: context.context });
          }
          if (!isCompiledQuery(query)) return query;
          const result = (await query.query(undefined, context.context, context.request.variables ?? {})) as ExecutionResult;
          return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
  };
};
