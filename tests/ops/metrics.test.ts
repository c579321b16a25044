import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { serveOps } from '../../bin/ops-server.js';
import { SUBGRAPH_MODULES } from '../../bin/subgraphs.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  type: string;
  samples: Sample[];
}

/**
 * Prometheus text format 0.0.4, strictly: every line is a HELP or TYPE comment or a sample of the
 * family last typed (a histogram's _bucket/_sum/_count included), or the test fails on it.
 */
const parsePrometheus = (text: string): Map<string, Family> => {
  const families = new Map<string, Family>();
  let current: Family | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      current = { name: type[1]!, type: type[2]!, samples: [] };
      families.set(current.name, current);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample || !current || !(sample[1] === current.name || sample[1]!.replace(/_(bucket|sum|count)$/, '') === current.name)) throw new Error(`not Prometheus text: ${line}`);
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    // Prometheus reads values with Go's ParseFloat: NaN and ±Inf in any letter case.
    const special: Record<string, number> = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity };
    const value = sample[3]!.toLowerCase() in special ? special[sample[3]!.toLowerCase()]! : Number(sample[3]);
    if (Number.isNaN(value) && sample[3]!.toLowerCase() !== 'nan') throw new Error(`not a number: ${line}`);
    current.samples.push({ name: sample[1]!, labels, value });
  }
  return families;
};

const folder = new URL('../../deploy/observability/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, folder), 'utf8');

/** The catalog in deploy/observability/README.md: `| \`name\` | type | labels | role | … |`. */
const catalog = [...read('README.md').matchAll(/^\| `([a-z0-9_]+)` \| (\w+) \|[^|]*\| (\w+) \|/gm)].map((m) => ({ name: m[1]!, type: m[2]!, role: m[3]! }));
const documented = new Set(catalog.map((entry) => entry.name));
const expectedFor = (role: 'gateway' | string) =>
  catalog.filter((entry) => entry.role === 'every' || entry.role === role || (entry.role === 'subgraph' && role !== 'gateway')).map((entry) => entry.name);

/** Metric names an expression uses, without histogram suffixes; `up` is Prometheus's own. */
const namesIn = (text: string) =>
  new Set([...text.matchAll(/\b((?:tracseq|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')));

describe('/metrics of every role', () => {
  let system: TestSystem;
  const scrape = async (url: string) => {
    const response = await fetch(new URL('/metrics', url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parsePrometheus(await response.text());
  };

  beforeAll(async () => {
    system = await startTestSystem();
    const ok = await system.gql('query SampleCount { samples { totalCount } }');
    expect(ok.errors).toBeUndefined();
    const invalid = await system.gql('query Misspelt { samples { totalCont } }');
    expect(invalid.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const refused = await system.gql('query Stale { samples { totalCount } }', {}, { 'x-tracseq-consistent-with': 'yesterday' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
  afterAll(() => system?.stop());

  it('documents a catalog with every role in it', () => {
    expect(catalog.length).toBeGreaterThan(15);
    expect(new Set(catalog.map((entry) => entry.role))).toEqual(new Set(['every', 'gateway', 'subgraph', 'sagas']));
  });

  it('the gateway serves every documented gateway and process metric', async () => {
    const families = await scrape(system.gatewayUrl);
    for (const name of expectedFor('gateway')) expect(families.has(name), name).toBe(true);
    for (const entry of catalog) if (families.has(entry.name)) expect(families.get(entry.name)!.type, entry.name).toBe(entry.type);
  });

  it('each subgraph serves every documented subgraph and process metric', async () => {
    for (const subgraph of system.subgraphs) {
      const families = await scrape(subgraph.url);
      for (const name of expectedFor(subgraph.name)) expect(families.has(name), `${subgraph.name}: ${name}`).toBe(true);
      expect(families.has('tracseq_graphql_operation_duration_seconds'), subgraph.name).toBe(false);
    }
  });

  it('times operations by name and type and counts errors by code, refusals included', async () => {
    const families = await scrape(system.gatewayUrl);
    const counts = families.get('tracseq_graphql_operation_duration_seconds')!.samples.filter((s) => s.name.endsWith('_count'));
    expect(counts.find((s) => s.labels.operation_name === 'SampleCount')).toMatchObject({ labels: { operation_type: 'query' }, value: 1 });
    const errors = families.get('tracseq_graphql_operation_errors_total')!.samples.map((s) => `${s.labels.operation_name} ${s.labels.operation_type} ${s.labels.code} ${s.value}`);
    expect(errors).toContain('Misspelt query GRAPHQL_VALIDATION_FAILED 1');
    expect(errors).toContain('Stale query BAD_USER_INPUT 1');
    expect(errors.some((line) => line.startsWith('SampleCount '))).toBe(false);
    const fetches = families.get('tracseq_subgraph_fetch_duration_seconds')!.samples;
    expect(fetches.find((s) => s.name.endsWith('_count') && s.labels.subgraph === 'samples' && s.labels.outcome === 'ok')?.value).toBeGreaterThanOrEqual(1);
  });

  it('reports projection lag and dead letters per consumer, and the pool', async () => {
    const families = await scrape(system.subgraphs.find((s) => s.name === 'samples')!.url);
    const consumers = families.get('tracseq_projection_lag_events')!.samples.map((s) => s.labels.consumer);
    expect(consumers).toContain('samples-read-model');
    expect(families.get('tracseq_dead_letters')!.samples.find((s) => s.labels.consumer === 'samples-read-model')?.value).toBe(0);
    const states = families.get('tracseq_pg_pool_clients')!.samples.map((s) => `${s.labels.pool}/${s.labels.state}`);
    expect(states).toEqual(expect.arrayContaining(['runtime/busy', 'runtime/idle']));
  });

  it('the projections role serves /health, /ready and /metrics on METRICS_PORT', async () => {
    const samples = SUBGRAPH_MODULES.find((m) => m.name === 'samples')!.create(system.runtime);
    expect(await serveOps(system.runtime, samples, { metricsPort: undefined })).toBeNull();
    const ops = (await serveOps(system.runtime, samples, { metricsPort: 0 }))!;
    try {
      expect((await fetch(`${ops.url}/health`)).status).toBe(200);
      expect((await fetch(`${ops.url}/ready`)).status).toBe(200);
      const families = await scrape(ops.url);
      const processAndConsumers = catalog.filter((e) => e.role === 'every' || ['tracseq_projection_lag_events', 'tracseq_dead_letters'].includes(e.name));
      for (const { name } of processAndConsumers) expect(families.has(name), name).toBe(true);
      expect(families.get('tracseq_projection_lag_events')!.samples.map((s) => s.labels.consumer)).toContain('samples-read-model');
    } finally {
      await ops.close();
    }
  });

  it('the dashboard and the alert rules use only documented metrics', () => {
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as { panels: Array<{ type: string; targets?: Array<{ expr: string }> }> };
    const expressions = dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr);
    const rules = (parseYaml(read('alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((group) => group.rules);
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) expect(rule.alert, rule.expr).toMatch(/^TracSeq[A-Z]\w+$/);
    const prometheus = parseYaml(read('prometheus.yml')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string }> };
    expect(prometheus.rule_files).toEqual(['alerts.yml']);
    expect(prometheus.scrape_configs.map((job) => job.job_name)).toEqual(['tracseq-gateway', 'tracseq-subgraphs', 'tracseq-projections']);
    for (const expr of [...expressions, ...rules.map((rule) => rule.expr)]) {
      for (const name of namesIn(expr)) expect(documented.has(name), `${name} in ${expr}`).toBe(true);
    }
    // Every documented metric is shown or alerted on somewhere.
    const used = new Set([...expressions, ...rules.map((rule) => rule.expr)].flatMap((expr) => [...namesIn(expr)]));
    for (const name of documented) expect(used.has(name), `${name} is on no panel or alert`).toBe(true);
  });
});
