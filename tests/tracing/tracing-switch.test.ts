import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultServiceName, tracingRequested } from '../../platform/tracing/settings.js';

/** The process preload every entry runs (package.json, Dockerfile, compose, k8s). */
const preloaded = (env: Record<string, string>) => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', './bin/tracing.ts', 'tests/tracing/fixtures/instrumented.ts'], {
    env: { ...inherited, ...env },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { provider: string; pg: boolean; kafkajs: boolean };
};

describe('tracing is off unless an exporter is configured', () => {
  it('reads the standard OTEL_* switches', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(defaultServiceName(['node', 'bin/tracseq.ts', 'subgraph', 'samples'])).toBe('tracseq-subgraph-samples');
    expect(defaultServiceName(['node', 'bin/tracseq.ts'])).toBe('tracseq-start');
  });

  it('the preload starts no SDK and patches nothing without an exporter', () => {
    expect(preloaded({})).toEqual({ provider: 'NoopTracerProvider', pg: false, kafkajs: false });
  });

  it('with an exporter, the preload registers the SDK and patches pg and kafkajs as the app imports them (ESM, through tsx)', () => {
    // The console exporter: nothing leaves the process, and nothing is traced in this script.
    const { provider, ...patched } = preloaded({ OTEL_TRACES_EXPORTER: 'console' });
    expect(provider, 'the SDK’s tracer provider is the global one').not.toBe('NoopTracerProvider');
    expect(patched).toEqual({ pg: true, kafkajs: true });
  });
});

describe('the OTEL_* variables', () => {
  it('that the code reads, and that the operations guide lists, are all in docs/operations.md and .env.example', () => {
    const code = readdirSync('platform/tracing').map((file) => readFileSync(`platform/tracing/${file}`, 'utf8')).join('\n');
    const read = new Set([...code.matchAll(/\benv\.(OTEL_[A-Z_]+)/g)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThanOrEqual(4);
    const operations = readFileSync('docs/operations.md', 'utf8');
    const documented = new Set([...operations.matchAll(/^\| `(OTEL_[A-Z_]+)`/gm)].map((m) => m[1]!));
    for (const name of read) expect(documented, `${name} is read but not in docs/operations.md`).toContain(name);
    const example = readFileSync('.env.example', 'utf8');
    for (const name of documented) expect(example, `${name} is not in .env.example`).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });
});
