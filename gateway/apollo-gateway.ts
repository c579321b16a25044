import { createRequire } from 'node:module';
import type * as ApolloGatewayModule from '@apollo/gateway';

/**
 * @apollo/gateway, loaded after one change to how it sees @apollo/federation-internals. That package
 * re-exports its modules through TypeScript's `__exportStar`, which makes every export a getter, and
 * the gateway's result shaping reads several per field of every answer (`isListType`, `assert`, …):
 * ~4 % of the gateway's CPU on a federated page. The package's cached exports are swapped for a plain
 * object of the same values before @apollo/gateway is required, so its modules read plain
 * properties. Safe because no export of the package is reassigned after its module ran.
 *
 * Required here rather than imported: a static import may evaluate @apollo/gateway (CommonJS) before
 * any code of this module runs.
 */
const require = createRequire(import.meta.url);

const flattenFederationExports = (): boolean => {
  const path = require.resolve('@apollo/federation-internals');
  const exports = require(path) as Record<string, unknown>;
  const cached = require.cache[path];
  if (!cached || !Object.getOwnPropertyDescriptor(exports, 'assert')?.get) return false;
  const flat: Record<string, unknown> = {};
  for (const key of Object.keys(exports)) flat[key] = exports[key];
  Object.defineProperty(flat, '__esModule', { value: true });
  cached.exports = flat;
  return true;
};

/** Whether @apollo/gateway was loaded with the plain exports (false if something loaded it first). */
export const federationExportsFlattened = !require.cache[require.resolve('@apollo/gateway')] && flattenFederationExports();

const apolloGateway = require('@apollo/gateway') as typeof ApolloGatewayModule;
export const { ApolloGateway, executeQueryPlan, buildOperationContext } = apolloGateway;
export type { GraphQLDataSource, GraphQLDataSourceProcessOptions, ServiceMap } from '@apollo/gateway';
