import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadCliConfig, loadConfig } from '../../platform/config.js';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

describe('configuration is one validated schema', () => {
  it('accepts development with no variables at all, and production with its secrets', () => {
    expect(loadConfig({}).env).toBe('development');
    const production = loadConfig({ NODE_ENV: 'production', INTERNAL_SECRET: SECRET, JWT_SECRET: SECRET });
    expect(production).toMatchObject({ isProduction: true, isDevelopment: false, exposeErrorDetails: false, corsOrigins: [], apolloTelemetry: false });
    expect(loadConfig({ NODE_ENV: 'production', INTERNAL_SECRET: SECRET, JWKS_URL: 'https://idp.lab.example/jwks.json' }).jwtSecret).toBeUndefined();
  });

  it.each([
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be one of development, test, production \(got "staging"\)/],
    [{ NODE_ENV: 'production' }, /INTERNAL_SECRET is required in production/],
    [{ NODE_ENV: 'production', INTERNAL_SECRET: SECRET }, /JWT_SECRET or JWKS_URL is required in production/],
    [{ NODE_ENV: 'production', INTERNAL_SECRET: 'short', JWT_SECRET: SECRET }, /INTERNAL_SECRET must be at least 32 characters/],
    [{ JWT_SECRET: 'tracseq-development-jwt-secret' }, /JWT_SECRET must be at least 32 characters/],
    [{ PORT: '70000' }, /PORT must be at most 65535/],
    [{ SAMPLES_PORT: '-1' }, /SAMPLES_PORT must be at least 0/],
    [{ MAX_DEPTH: '0' }, /MAX_DEPTH must be at least 1/],
    [{ MAX_COST: 'lots' }, /MAX_COST must be an integer/],
    [{ SAGA_LEASE_MS: '1.5' }, /SAGA_LEASE_MS must be an integer/],
    [{ CONSISTENCY_TIMEOUT_MS: '600000' }, /CONSISTENCY_TIMEOUT_MS must be at most 60000/],
    [{ SINGLE_FLIGHT: 'yes' }, /SINGLE_FLIGHT must be true or false/],
    [{ SUBGRAPH_EXECUTOR: 'fast' }, /SUBGRAPH_EXECUTOR must be one of jit, graphql-js/],
    [{ DATABASE_URL: 'mysql://db/lab' }, /DATABASE_URL must be a postgres or postgresql URL/],
    [{ JWKS_URL: 'not a url' }, /JWKS_URL must be a http or https URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ SHUTDOWN_DELAY_MS: '-5' }, /SHUTDOWN_DELAY_MS must be at least 0/],
    [{ SHUTDOWN_TIMEOUT_MS: 'soon' }, /SHUTDOWN_TIMEOUT_MS must be an integer/],
    [{ METRICS_PORT: '65536' }, /METRICS_PORT must be at most 65535/],
  ])('refuses %j', (env, expected) => {
    expect(problemsOf(env).join('\n')).toMatch(expected);
  });

  it('reads the settings parsed elsewhere before, once: shutdown, metrics port, the all-in-one ports and the CLI', () => {
    expect(loadConfig({})).toMatchObject({ shutdown: { drainDelayMs: 0, shutdownTimeoutMs: 10_000 }, metricsPort: undefined, subgraphPorts: { samples: 4001 }, allInOnePorts: { samples: 0 } });
    expect(loadConfig({ SHUTDOWN_DELAY_MS: '5000', METRICS_PORT: '9464', SAMPLES_PORT: '4101' })).toMatchObject({ shutdown: { drainDelayMs: 5000 }, metricsPort: 9464, allInOnePorts: { samples: 4101, storage: 0 } });
    expect(loadCliConfig({ port: 4000 }, {})).toEqual({ gatewayUrl: 'http://localhost:4000/graphql', headers: {}, importChunkRows: 500 });
    expect(loadCliConfig({ port: 4000 }, { TRACSEQ_API_KEY: 'tsk_x', IMPORT_CHUNK_ROWS: '50' })).toMatchObject({ headers: { 'x-api-key': 'tsk_x' }, importChunkRows: 50 });
    expect(() => loadCliConfig({ port: 4000 }, { IMPORT_CHUNK_ROWS: '0', GATEWAY_URL: 'ftp://x' })).toThrow(/GATEWAY_URL must be a http or https URL[\s\S]*IMPORT_CHUNK_ROWS must be at least 1/);
  });

  it('reports every problem together', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORT: '0x', MAX_ALIASES: '0', SEED_DEMO: 'maybe' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['INTERNAL_SECRET', 'JWT_SECRET', 'MAX_ALIASES', 'PORT', 'SEED_DEMO']);
  });

  it('has no development secret outside development and test', () => {
    const development = loadConfig({});
    const production = loadConfig({ NODE_ENV: 'production', INTERNAL_SECRET: SECRET, JWKS_URL: 'https://idp.lab.example/jwks.json' });
    expect(production.internalSecret).toBe(SECRET);
    expect(production.jwtSecret).toBeUndefined();
    expect(development.internalSecret).not.toBe(SECRET);
  });

  it('.env.example lists every variable, and nothing else', () => {
    const listed = [...readFileSync('.env.example', 'utf8').matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('stops a process before it starts anything: every problem on stderr, no stack trace, exit code 1', () => {
    const { VITEST: _a, VITEST_POOL_ID: _b, VITEST_WORKER_ID: _c, NODE_ENV: _d, ...env } = process.env;
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/tracseq.ts', 'gateway'], {
      env: { ...env, NODE_ENV: 'staging', PORT: '0', MAX_DEPTH: 'deep', JWT_SECRET: '', INTERNAL_SECRET: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('NODE_ENV must be one of development, test, production (got "staging")');
    expect(result.stderr).toContain('MAX_DEPTH must be an integer');
    expect(result.stderr).toContain('PORT must be 1–65535');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
