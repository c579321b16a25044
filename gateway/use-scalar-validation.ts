import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInputObjectType,
  isListType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  isSpecifiedScalarType,
  getVariableValues,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { checkCustomScalar, CUSTOM_SCALARS } from '../platform/graphql/scalars.js';
import type { GatewayPlugin } from './plugin.js';

/**
 * The supergraph's custom scalars accept anything (the gateway only knows their names), so a bad
 * DateTime used to reach a subgraph, which refused the whole request with HTTP 400. This checks every
 * argument of a custom scalar type, given as a literal or through a variable, with the very
 * functions the subgraphs parse them with (platform/graphql/scalars.ts), before anything is planned.
 * Returns BAD_USER_INPUT naming the argument path, e.g. `recordTemperature.recordedAt` or
 * `samples.filter.createdAfter`.
 */
export const checkScalarArguments = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | null => {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const seen = new Set<string>();
  const refuse = (path: string, error: unknown) =>
    new GraphQLError(`${path}: ${(error as Error).message}`, { extensions: { code: 'BAD_USER_INPUT', field: path } });

  const checkValue = (node: ValueNode, type: GraphQLInputType, path: string): GraphQLError | null => {
    if (node.kind === Kind.VARIABLE) return checkVariable(variables?.[node.name.value], type, path);
    if (node.kind === Kind.NULL) return null;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      if (node.kind !== Kind.LIST) return checkValue(node, nullable.ofType, path);
      for (const [index, item] of node.values.entries()) {
        const error = checkValue(item, nullable.ofType, `${path}[${index}]`);
        if (error) return error;
      }
      return null;
    }
    if (isInputObjectType(nullable)) {
      if (node.kind !== Kind.OBJECT) return null;
      const fields = nullable.getFields();
      for (const field of node.fields) {
        const definition = fields[field.name.value];
        const error = definition ? checkValue(field.value, definition.type, `${path}.${field.name.value}`) : null;
        if (error) return error;
      }
      return null;
    }
    // graphql-js reads an overflowing Float literal (1e400) as Infinity, which no subgraph request can
    // carry: the gateway failed building it (HTTP 500). A variable of that value is refused already.
    if (nullable.name === 'Float' && (node.kind === Kind.FLOAT || node.kind === Kind.INT) && !Number.isFinite(Number(node.value))) {
      return refuse(path, new Error(`${node.value} is not a finite number`));
    }
    if (!isCustom(nullable)) return null;
    try {
      checkCustomScalar(nullable.name, { literal: node });
      return null;
    } catch (error) {
      return refuse(path, error);
    }
  };

  const checkVariable = (value: unknown, type: GraphQLInputType, path: string): GraphQLError | null => {
    if (value === null || value === undefined) return null;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const items = Array.isArray(value) ? value : [value];
      for (const [index, item] of items.entries()) {
        const error = checkVariable(item, nullable.ofType, Array.isArray(value) ? `${path}[${index}]` : path);
        if (error) return error;
      }
      return null;
    }
    if (isInputObjectType(nullable)) {
      if (typeof value !== 'object' || Array.isArray(value)) return null;
      for (const [name, field] of Object.entries(nullable.getFields())) {
        const error = checkVariable((value as Record<string, unknown>)[name], field.type, `${path}.${name}`);
        if (error) return error;
      }
      return null;
    }
    if (!isCustom(nullable)) return null;
    try {
      checkCustomScalar(nullable.name, { value });
      return null;
    } catch (error) {
      return refuse(path, error);
    }
  };

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined | null): GraphQLError | null => {
    const fields = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields() : {};
    for (const selection of selectionSet.selections) {
      let error: GraphQLError | null = null;
      if (selection.kind === Kind.FIELD) {
        const field = (fields as Record<string, GraphQLField<unknown, unknown>>)[selection.name.value];
        for (const argument of selection.arguments ?? []) {
          const definition = field?.args.find((a) => a.name === argument.name.value);
          error ??= definition ? checkValue(argument.value, definition.type, `${selection.name.value}.${argument.name.value}`) : null;
        }
        if (!error && selection.selectionSet && field) error = walk(selection.selectionSet, getNamedType(field.type));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        error = walk(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          error = walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value));
        }
      }
      if (error) return error;
    }
    return null;
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return walk(operation.selectionSet, root);
};

/**
 * Everything the gateway can know about an operation's input before planning: variables coerced to
 * their declared types (graphql's own rules), then every custom scalar argument checked as above.
 * Used for HTTP and graphql-ws alike (the plugin below).
 */
export const checkOperationInput = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | null => {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
  if (coerced.errors?.length) return new GraphQLError(coerced.errors[0]!.message, { extensions: { code: 'BAD_USER_INPUT' } });
  return checkScalarArguments(schema, document, operation, variables);
};

const isCustom = (type: unknown): type is { name: string } => isScalarType(type) && !isSpecifiedScalarType(type);

/** Every custom scalar of the API must have a shared implementation, or nothing would check it. */
export const assertScalarsCovered = (schema: GraphQLSchema): void => {
  const missing = Object.values(schema.getTypeMap()).filter((type) => isCustom(type) && !type.name.startsWith('_') && !CUSTOM_SCALARS[type.name] && !type.name.startsWith('join__') && !type.name.startsWith('link__'));
  if (missing.length > 0) throw new Error(`custom scalar(s) ${missing.map((t) => t.name).join(', ')} have no implementation in platform/graphql/scalars.ts`);
};

/**
 * Runs the check once the operation is known, before the gateway plans it: for HTTP from Apollo's
 * didResolveOperation, for WebSocket from the subscribe handler (both through onResolvedOperation).
 * Refuses to start when a custom scalar of the API has no shared implementation.
 */
export const useScalarValidation = (): GatewayPlugin => ({
  name: 'scalar-validation',
  onResolvedOperation: ({ schema, document, operation, variables }) => checkOperationInput(schema, document, operation, variables),
  apollo: {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate: ({ apiSchema }) => assertScalarsCovered(apiSchema),
      };
    },
  },
});
