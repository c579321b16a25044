import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { DomainError } from '../platform/errors.js';
import type { GatewayPlugin } from './plugin.js';

export interface OperationLimits {
  depth: number;
  aliases: number;
  tokens: number;
  cost: number;
}

/** A connection without `first` counts as this many nodes (API.md's default page). */
const DEFAULT_PAGE = 50;
/** A plain list of unknown length counts as this many (unless the schema gives its `@listSize`). */
const LIST_ESTIMATE = 5;

/** Assumed sizes of lists by `Type.field`, as the supergraph's `@listSize(assumedSize:)` states them. */
export type ListSizes = ReadonlyMap<string, number>;

type ImportEntry = string | { name?: string; as?: string };
/**
 * The `@listSize(assumedSize: n)` applications of Apollo's cost spec (https://specs.apollo.dev/cost/v0.1)
 * composed into a supergraph: a subgraph states the size of a list its domain bounds (a run's lanes),
 * and the cost rule counts that many instead of LIST_ESTIMATE. The directive's name follows the
 * supergraph's `@link` (imported as `@listSize`, renamed, or namespaced `cost__listSize`).
 */
export const listSizeHints = (supergraphSdl: string): Map<string, number> => {
  const document = parse(supergraphSdl);
  let directive: string | null = null;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      const args = Object.fromEntries((link.arguments ?? []).map((a) => [a.name.value, valueOf(a.value)]));
      if (link.name.value !== 'link' || typeof args.url !== 'string' || !args.url.startsWith('https://specs.apollo.dev/cost/')) continue;
      const imported = ((args.import ?? []) as ImportEntry[]).map((entry) => (typeof entry === 'string' ? { name: entry, as: entry } : { name: entry.name, as: entry.as ?? entry.name }));
      const listSize = imported.find((entry) => entry.name === '@listSize');
      directive = listSize?.as ? listSize.as.replace(/^@/, '') : `${typeof args.as === 'string' ? args.as : 'cost'}__listSize`;
    }
  }
  const sizes = new Map<string, number>();
  if (!directive) return sizes;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const applied = field.directives?.find((d) => d.name.value === directive);
      const assumed = applied?.arguments?.find((a) => a.name.value === 'assumedSize')?.value;
      if (assumed?.kind === Kind.INT) sizes.set(`${definition.name.value}.${field.name.value}`, Number(assumed.value));
    }
  }
  return sizes;
};

const valueOf = (value: ValueNode): unknown => {
  switch (value.kind) {
    case Kind.STRING: return value.value;
    case Kind.LIST: return value.values.map(valueOf);
    case Kind.OBJECT: return Object.fromEntries(value.fields.map((f) => [f.name.value, valueOf(f.value)]));
    default: return null;
  }
};

export const tooComplex = (message: string) => new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

/**
 * Our connection-aware cost of one operation: every field 1, times the page size of each connection
 * above it (`first`, from the literal or the request's variables, default 50), the `@listSize` a
 * list's schema states, and an estimate of 5 for other lists. A connection's own `edges` and `nodes`
 * are its page, already counted on the connection: they multiply by 1, not by the page size again times 5.
 */
export const operationCost = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  listSizes: ListSizes = new Map(),
): number => {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const argument = (value: ValueNode | undefined): number | null => {
    if (!value) return null;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) return typeof variables?.[value.name.value] === 'number' ? (variables[value.name.value] as number) : null;
    return null;
  };
  const walk = (selectionSet: SelectionSetNode, type: GraphQLType | undefined, seen: Set<string>): number => {
    const named = type ? getNamedType(type) : undefined;
    const fields = named && (isObjectType(named) || isInterfaceType(named)) ? named.getFields() : undefined;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const fieldType = fields?.[selection.name.value]?.type;
        let multiplier = 1;
        if (fieldType) {
          if (getNamedType(fieldType).name.endsWith('Connection')) {
            multiplier = argument(selection.arguments?.find((a) => a.name.value === 'first')?.value) ?? DEFAULT_PAGE;
          } else if (isListType(getNullableType(fieldType))) {
            const page = named!.name.endsWith('Connection') && (selection.name.value === 'edges' || selection.name.value === 'nodes');
            multiplier = page ? 1 : listSizes.get(`${named!.name}.${selection.name.value}`) ?? LIST_ESTIMATE;
          }
        }
        cost += 1 + (selection.selectionSet ? multiplier * walk(selection.selectionSet, fieldType, seen) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) ?? named : named;
        cost += walk(selection.selectionSet, inner as GraphQLType | undefined, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue; // cycles are a validation error of their own
        cost += walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) as GraphQLType | undefined, new Set([...seen, fragment.name.value]));
      }
    }
    return cost;
  };
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return walk(operation.selectionSet, root ?? undefined, new Set());
};

/** The cost limit as a validation rule, so HTTP and WebSocket run it the same way, beside graphql-armor's. */
export const connectionCostRule =
  (limit: number, variables: Record<string, unknown> | undefined, listSizes: ListSizes = new Map()): ValidationRule =>
  (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const cost = operationCost(context.getSchema(), context.getDocument(), operation, variables, listSizes);
      if (cost > limit) context.reportError(tooComplex(`operation costs ${cost}, more than ${limit}`));
    },
  });

/** graphql-armor throws its rejections by default; reported instead, they are validation errors like any other. */
const reportRejection = (context: ValidationContext | null, error: GraphQLError) => context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, '')));

/** The limits that depend on the text alone: graphql-armor's depth and alias rules. */
const textLimitRules = (limits: OperationLimits): ValidationRule[] => [
  // MAX_DEPTH counts nested selection sets; graphql-armor counts the fields on the path, leaf included.
  maxDepthRule({ n: limits.depth + 1, flattenFragments: true, exposeLimits: false, errorMessage: `operation is more than ${limits.depth} levels deep`, propagateOnRejection: false, onReject: [reportRejection] }),
  maxAliasesRule({ n: limits.aliases, propagateOnRejection: false, onReject: [reportRejection] }),
];

/** The request policy's limits as validation rules: graphql-armor's depth and alias rules, and our cost rule. */
export const operationLimitRules = (limits: OperationLimits, variables: Record<string, unknown> | undefined, listSizes?: ListSizes): ValidationRule[] => [
  ...textLimitRules(limits),
  connectionCostRule(limits.cost, variables, listSizes),
];

type Checked = { document: DocumentNode; error?: undefined } | { document?: undefined; error: GraphQLError };

/** Parses (graphql-armor's token-limited parser) and applies the limits of the text alone. */
const checkText = (schema: GraphQLSchema, query: string, limits: OperationLimits): Checked => {
  let document: DocumentNode;
  try {
    document = new MaxTokensParserWLexer(query, { n: limits.tokens }).parseDocument();
  } catch (error) {
    const message = (error as Error).message;
    if (/Token limit/.test(message)) return { error: tooComplex(`operation has more than ${limits.tokens} tokens`) };
    return { error: error instanceof GraphQLError ? error : new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }) };
  }
  const [broken] = validate(schema, document, textLimitRules(limits));
  if (broken) return { error: tooComplex(broken.message) };
  return { document };
};

/** The cost limit, which depends on the variables (`first: $n`), for a document that kept the others. */
const checkCost = (schema: GraphQLSchema, checked: Checked, variables: Record<string, unknown> | undefined, limits: OperationLimits, listSizes?: ListSizes): Checked => {
  if (!checked.document) return checked;
  for (const definition of checked.document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const cost = operationCost(schema, checked.document, definition, variables, listSizes);
    if (cost > limits.cost) return { error: tooComplex(`operation costs ${cost}, more than ${limits.cost}`) };
  }
  return checked;
};

/**
 * Parses (graphql-armor's token-limited parser) and applies the limit rules. Returns the document,
 * or the first limit broken as QUERY_TOO_COMPLEX. A syntax error is returned as it is: the caller's
 * GraphQL server reports it like any other.
 */
export const checkOperationLimits = (
  schema: GraphQLSchema,
  query: string,
  variables: Record<string, unknown> | undefined,
  limits: OperationLimits,
  listSizes?: ListSizes,
): Checked => checkCost(schema, checkText(schema, query, limits), variables, limits, listSizes);

/** Texts whose check is remembered, and the longest one remembered: bounds what a caller sending ever-new texts can hold. */
const REMEMBERED_TEXTS = 200;
const REMEMBERED_LENGTH = 8192;

export interface OperationLimitsOptions {
  /** The API schema the rules walk. */
  schema: GraphQLSchema;
  /** Nested selection sets (MAX_DEPTH); introspection is not counted. @default 12 */
  depth?: number;
  /** Aliases in one operation (MAX_ALIASES). @default 30 */
  aliases?: number;
  /** Tokens of the text, counted while parsing (MAX_TOKENS). @default 3000 */
  tokens?: number;
  /** Our connection-aware cost (MAX_COST). @default 50000 */
  cost?: number;
  /** Assumed list sizes by `Type.field` (`listSizeHints(supergraphSdl)`); other lists count 5. @default none */
  listSizes?: ListSizes;
}

/**
 * QUERY_TOO_COMPLEX for text the caller sent (manifest operations were checked when loaded),
 * before anything runs, HTTP and WebSocket alike. Keeps the parsed document for the transport, or
 * the syntax error for it to report like any other. A text is parsed and walked by the depth and
 * alias rules once (clients send the same few operations with new variables); the cost, which
 * reads the variables, is counted for every request.
 */
export const useOperationLimits = (options: OperationLimitsOptions): GatewayPlugin => {
  const limits: OperationLimits = { depth: options.depth ?? 12, aliases: options.aliases ?? 30, tokens: options.tokens ?? 3000, cost: options.cost ?? 50_000 };
  const texts = new Map<string, Checked>();
  const checkedText = (query: string): Checked => {
    let checked = texts.get(query);
    if (!checked) {
      checked = checkText(options.schema, query, limits);
      if (checked.document && query.length <= REMEMBERED_LENGTH) {
        if (texts.size >= REMEMBERED_TEXTS) texts.clear();
        texts.set(query, checked);
      }
    }
    return checked;
  };
  return {
    name: 'operation-limits',
    onOperation(operation) {
      if (operation.manifest || !operation.query) return;
      const checked = checkCost(options.schema, checkedText(operation.query), operation.request.variables, limits, options.listSizes);
      if (checked.error?.extensions.code === 'QUERY_TOO_COMPLEX') throw new DomainError('QUERY_TOO_COMPLEX', checked.error.message);
      operation.document = checked.document;
      operation.syntaxError = checked.error;
    },
  };
};
