import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type GraphQLType,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface OperationLimits {
  depth: number;
  aliases: number;
  tokens: number;
  cost: number;
}

/** A connection without `first` counts as this many nodes (API.md's default page). */
const DEFAULT_PAGE = 50;
/** A plain list of unknown length counts as this many. */
const LIST_ESTIMATE = 5;

const tooComplex = (message: string) => new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

/**
 * Refuses operations too deep, too aliased, too long or too costly before any subgraph is asked.
 * Cost: every field 1, times the page size of each connection above it (`first`, default 50) and
 * an estimate of 5 for other lists. Returns null when the document does not parse (Apollo Server
 * then reports the syntax error itself).
 */
export const checkOperationLimits = (schema: GraphQLSchema, query: string, variables: Record<string, unknown> | undefined, limits: OperationLimits): GraphQLError | null => {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.tokens });
  } catch (error) {
    return /tokens/.test((error as Error).message) ? tooComplex(`operation has more than ${limits.tokens} tokens`) : null;
  }
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  let aliases = 0;
  let deepest = 0;
  const argument = (value: ValueNode | undefined): number | null => {
    if (!value) return null;
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE) return typeof variables?.[value.name.value] === 'number' ? (variables[value.name.value] as number) : null;
    return null;
  };
  const walk = (selectionSet: SelectionSetNode, type: GraphQLType | undefined, depth: number, seen: Set<string>): number => {
    deepest = Math.max(deepest, depth);
    const named = type ? getNamedType(type) : undefined;
    const fields = named && (isObjectType(named) || isInterfaceType(named)) ? named.getFields() : undefined;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases++;
        const fieldType = fields?.[selection.name.value]?.type;
        let multiplier = 1;
        if (fieldType) {
          const nullable = getNullableType(fieldType);
          if (getNamedType(fieldType).name.endsWith('Connection')) {
            multiplier = argument(selection.arguments?.find((a) => a.name.value === 'first')?.value) ?? DEFAULT_PAGE;
          } else if (isListType(nullable)) {
            multiplier = LIST_ESTIMATE;
          }
        }
        cost += 1 + (selection.selectionSet ? multiplier * walk(selection.selectionSet, fieldType, depth + 1, seen) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) ?? named : named;
        cost += walk(selection.selectionSet, inner as GraphQLType | undefined, depth, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue; // cycles are a validation error
        cost += walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) as GraphQLType | undefined, depth, new Set([...seen, fragment.name.value]));
      }
    }
    return cost;
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = definition.operation === 'query' ? schema.getQueryType() : definition.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
    const cost = walk(definition.selectionSet, root ?? undefined, 0, new Set());
    if (cost > limits.cost) return tooComplex(`operation costs ${cost}, more than ${limits.cost}`);
  }
  if (deepest > limits.depth) return tooComplex(`operation is ${deepest} levels deep, more than ${limits.depth}`);
  if (aliases > limits.aliases) return tooComplex(`operation uses ${aliases} aliases, more than ${limits.aliases}`);
  return null;
};
