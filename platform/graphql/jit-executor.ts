import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  BREAK,
  defaultFieldResolver,
  execute,
  getNamedType,
  GraphQLError,
  isObjectType,
  Kind,
  parseType,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type VariableDefinitionNode,
  type VariableNode,
} from 'graphql';
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

/** A document graphql-js executes: it keeps a string literal hoisting could not move (see hoistStringLiterals). */
const INTERPRETED = Symbol('interpreted');

/** Names of the variables literals become; a document already using one is not rewritten. */
const HOISTED_PREFIX = '__tracseq_literal_';

/** Built-in scalars whose literal and variable forms coerce alike; a custom scalar's may not. */
const HOISTABLE = new Set(['String', 'ID']);

const hasStringLiteral = (node: ASTNode): boolean => {
  let found = false;
  visit(node, {
    StringValue() {
      found = true;
      return BREAK;
    },
  });
  return found;
};

/**
 * The document with every string literal of a field argument turned into a variable of the type
 * expected there, and those variables' values. graphql-jit writes literal arguments into the code
 * it compiles (through JSON.stringify, then a replacement that turns a string starting with its
 * public date marker into `new Date(…)` of whatever follows): a client's literal could become
 * code. As variables they are data, and documents differing only in their literals (a search
 * term, a barcode) share one compiled function. Null when a literal stays (a variable's default, a
 * directive's argument, a custom scalar's): such a document runs on graphql-js.
 */
export const hoistStringLiterals = (schema: GraphQLSchema, document: DocumentNode): { document: DocumentNode; values: Record<string, string> } | null => {
  const typeInfo = new TypeInfo(schema);
  const values: Record<string, string> = {};
  const definitions: VariableDefinitionNode[] = [];
  let refused = false;
  const rewritten = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      // Not rewritten (a default belongs to its variable; a directive's argument may be of any type):
      // a literal in them keeps the document on graphql-js.
      VariableDefinition(node) {
        if (hasStringLiteral(node)) refused = true;
        return false;
      },
      Directive(node) {
        if (hasStringLiteral(node)) refused = true;
        return false;
      },
      Variable(node) {
        if (node.name.value.startsWith(HOISTED_PREFIX)) refused = true;
      },
      StringValue(node) {
        const type = typeInfo.getInputType();
        if (!type || !HOISTABLE.has(getNamedType(type).name)) {
          refused = true;
          return BREAK;
        }
        const variable: VariableNode = { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: `${HOISTED_PREFIX}${definitions.length}` } };
        values[variable.name.value] = node.value;
        definitions.push({ kind: Kind.VARIABLE_DEFINITION, variable, type: parseType(String(type)) });
        return variable;
      },
    }),
  );
  if (refused) return null;
  if (definitions.length === 0) return { document, values };
  // Fragments may hold literals too: every operation declares them all (unused ones are harmless).
  const withDefinitions = {
    ...rewritten,
    definitions: rewritten.definitions.map((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION ? { ...definition, variableDefinitions: [...(definition.variableDefinitions ?? []), ...definitions] } : definition,
    ),
  };
  return { document: withDefinitions, values };
};

/** Compiled operations shared by documents that differ only in their string literals. */
const SHARED_COMPILED = 1000;

/**
 * Apollo Server executing a subgraph's operations with graphql-jit instead of graphql-js: each parsed
 * document (Apollo Server keeps them by query hash) is compiled once per operation into a function,
 * which skips most of graphql-js's per-field work (argument and type lookups, a promise per object
 * with async fields). The gateway sends a handful of distinct operations, an entity fetch of 20–80
 * entities each: the subgraphs' CPU per federated page fell by a fifth or more (docs/performance.md).
 * Apollo Server takes an executor only from a gateway, so this is one: a fixed schema and its executor.
 * A document graphql-jit fails to compile (a throw inside the compiler, not an error of the
 * operation, which it answers as graphql-js would) runs on graphql-js instead of failing the request:
 * the compiler is an optimisation, and a lab's query must not depend on it. Each such shape is told
 * to `options.onFallback` once (the server logs it and counts it on /metrics: an operator learns the
 * compiler failed, and what it failed on). `options.compile` is graphql-jit's compileQuery unless a
 * test stands in for it.
 */
export const jitGateway = (
  schema: GraphQLSchema,
  options: { compile?: typeof compileQuery; onFallback?: (error: unknown, operationName: string | undefined) => void } = {},
): GatewayInterface & { compiledCount(): number; interpretedCount(): number } => {
  callLazyFields(schema);
  const compileWith = options.compile ?? compileQuery;
  let compilations = 0;
  let interpreted = 0;
  const compileNow = (document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult | typeof INTERPRETED => {
    compilations++;
    try {
      return compileWith(schema, document, operationName);
    } catch (error) {
      interpreted++;
      options.onFallback?.(error, operationName);
      return INTERPRETED;
    }
  };
  type Plan = { query: CompiledQuery | ExecutionResult | typeof INTERPRETED; values: Record<string, string> | null };
  const plans = new WeakMap<DocumentNode, Map<string, Plan>>();
  const byText = new Map<string, CompiledQuery | ExecutionResult | typeof INTERPRETED>();
  const planOf = (document: DocumentNode, operationName: string | undefined): Plan => {
    const hoisted = hoistStringLiterals(schema, document);
    if (!hoisted) return { query: INTERPRETED, values: null };
    if (hoisted.document === document) return { query: compileNow(document, operationName), values: null };
    const key = `${operationName ?? ''}\u0000${print(hoisted.document)}`;
    let query = byText.get(key);
    if (!query) {
      query = compileNow(hoisted.document, operationName);
      byText.set(key, query);
      if (byText.size > SHARED_COMPILED) byText.delete(byText.keys().next().value!);
    }
    // graphql-js runs the client's own document, literals and all.
    return { query, values: query === INTERPRETED ? null : hoisted.values };
  };
  const compile = (document: DocumentNode, operationName: string | undefined) => {
    let byName = plans.get(document);
    if (!byName) plans.set(document, (byName = new Map()));
    let plan = byName.get(operationName ?? '');
    if (!plan) byName.set(operationName ?? '', (plan = planOf(document, operationName)));
    return plan;
  };
  return {
    async load() {
      return {
        schema,
        executor: async (context) => {
          const { query, values } = compile(context.document, context.operationName ?? undefined);
          if (query === INTERPRETED) {
            return execute({ schema, document: context.document, operationName: context.operationName, variableValues: context.request.variables, contextValue: context.context });
          }
          if (!isCompiledQuery(query)) return query;
          const variables = values ? { ...context.request.variables, ...values } : (context.request.variables ?? {});
          const result = (await query.query(undefined, context.context, variables)) as ExecutionResult;
          return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
    /** Operations compiled so far (documents sharing a shape after hoisting count once). */
    compiledCount: () => compilations,
    /** Of those, the ones the compiler failed on, which run on graphql-js. */
    interpretedCount: () => interpreted,
  };
};
