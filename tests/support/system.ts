import { startSystem, type System } from '../../bin/system.js';
import { loadConfig } from '../../platform/config.js';
import { runBus } from './buses.js';
import { createTestDatabase } from './database.js';

export interface GraphQLResult<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface TestSystem extends System {
  /** POSTs to the gateway like a frontend would. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult<T>>;
}

/** The real system (gateway, subgraphs, projections) on free ports over a fresh database and the run's bus. */
export const startTestSystem = async (env: Record<string, string> = {}): Promise<TestSystem> => {
  const databaseUrl = await createTestDatabase();
  const bus = await runBus().system();
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', SAMPLES_PORT: '0', STORAGE_PORT: '0', SEQUENCING_PORT: '0', NOTIFICATIONS_PORT: '0', SAGAS_PORT: '0', ACCESS_PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'silent', CONSISTENCY_TIMEOUT_MS: '10000', RATE_LIMIT_PER_MINUTE: '1000000', DATABASE_URL: databaseUrl, ...bus.env, ...env });
  const system = await startSystem(config);
  return {
    ...system,
    async stop() {
      await system.stop();
      await bus.close();
    },
    gql: (query, variables, headers) => postGraphQL(system.gatewayUrl, query, variables, headers),
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
