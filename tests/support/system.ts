import { startSystem, type System } from '../../bin/system.js';
import { loadConfig } from '../../platform/config.js';
import type { Logger } from '../../platform/logger.js';
import { runBus } from './buses.js';
import { createTestDatabase } from './database.js';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, TEST_MODE, token } from './tokens.js';

export interface GraphQLResult<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface TestSystem extends System {
  /** POSTs to the gateway like a frontend would. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult<T>>;
}

/**
 * The real system (gateway, subgraphs, projections) on free ports over a fresh database and the
 * run's bus. In the production project it starts with NODE_ENV=production and generated secrets,
 * and, for a test that did not ask for a mode itself, `gql` stands in for the development identity
 * with a real token: an admin of `x-tracseq-tenant` (default `demo`) when no credentials are sent.
 */
export const startTestSystem = async (env: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<TestSystem> => {
  const databaseUrl = await createTestDatabase();
  const bus = await runBus().system();
  const production = TEST_MODE === 'production' || env.NODE_ENV === 'production';
  const standInForDevelopmentIdentity = TEST_MODE === 'production' && env.NODE_ENV === undefined;
  const modeEnv: Record<string, string> = {
    NODE_ENV: TEST_MODE === 'production' ? 'production' : 'test',
    ...(production ? { INTERNAL_SECRET: TEST_INTERNAL_SECRET } : {}),
    ...(env.JWKS_URL ? {} : { JWT_SECRET: TEST_JWT_SECRET }),
  };
  const config = loadConfig({ ...modeEnv, PORT: '0', SAMPLES_PORT: '0', STORAGE_PORT: '0', SEQUENCING_PORT: '0', NOTIFICATIONS_PORT: '0', SAGAS_PORT: '0', ACCESS_PORT: '0', AUDIT_PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'silent', CONSISTENCY_TIMEOUT_MS: '10000', RATE_LIMIT_PER_MINUTE: '1000000', DATABASE_URL: databaseUrl, ...bus.env, ...env });
  const system = await startSystem(config, options);
  return {
    ...system,
    async stop() {
      await system.stop();
      await bus.close();
    },
    gql: async (query, variables, headers = {}) => {
      if (standInForDevelopmentIdentity && !headers.authorization && !headers['x-api-key']) {
        const { 'x-tracseq-tenant': tenant = 'demo', ...rest } = headers;
        headers = { ...rest, authorization: `Bearer ${await token({ sub: `test-admin@${tenant}`, tenant, roles: ['admin'] })}` };
      }
      return postGraphQL(system.gatewayUrl, query, variables, headers);
    },
  };
};

export const postGraphQL = async (url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResult> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResult, 'status'>;
  return { status: response.status, ...body };
};
