import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SUBGRAPHS } from '../../schema/subgraphs.js';

const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; build?: string; image?: string }>;
};
const cli = readFileSync(new URL('bin/tracseq.ts', root), 'utf8');

/** Every environment variable the code reads (process.env.X, env.X and `${NAME}_URL` lookups). */
const readVariables = (): Set<string> => {
  const names = new Set<string>();
  const walk = (dir: URL) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', '.data', '.git', 'tests'].includes(entry.name)) continue;
      if (entry.isDirectory()) walk(new URL(`${entry.name}/`, dir));
      else if (entry.name.endsWith('.ts')) {
        const source = readFileSync(new URL(entry.name, dir), 'utf8');
        for (const match of source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
      }
    }
  };
  walk(root);
  // platform/config.ts names its variables in a schema; .env.example lists every one of them.
  for (const match of readFileSync(new URL('.env.example', root), 'utf8').matchAll(/^([A-Z][A-Z0-9_]+)=/gm)) names.add(match[1]!);
  for (const match of readFileSync(new URL('schema/subgraphs.ts', root), 'utf8').matchAll(/name: '([a-z]+)'/g)) names.add(`${match[1]!.toUpperCase()}_URL`);
  return names;
};

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);
  const tracseq = services.filter(([, service]) => service.build);

  it('runs every TracSeq role the CLI knows, from the one image', () => {
    const roles = tracseq.map(([, service]) => service.command!.slice(3).join(' '));
    const perSubgraph = SUBGRAPHS.flatMap((s) => [`subgraph ${s.name}`, `projections ${s.name}`]);
    expect(roles.sort()).toEqual(['gateway', 'kafka-topics', 'migrate', ...perSubgraph].sort());
    for (const [name, service] of tracseq) {
      expect(service.command!.slice(0, 3), name).toEqual(['npx', 'tsx', 'bin/tracseq.ts']);
      const role = service.command![3]!;
      expect(cli, `${name}: the CLI has no "${role}" command`).toContain(`case '${role}':`);
    }
  });

  it('points the gateway at every subgraph', () => {
    const env = compose.services.gateway!.environment!;
    for (const subgraph of SUBGRAPHS) expect(env[`${subgraph.name.toUpperCase()}_URL`], subgraph.name).toMatch(new RegExp(`^http://${subgraph.name}-subgraph:\\d+/graphql$`));
  });

  it('sets only environment variables the code reads', () => {
    const known = readVariables();
    for (const [name, service] of tracseq) {
      for (const variable of Object.keys(service.environment ?? {})) expect(known.has(variable), `${name} sets ${variable}`).toBe(true);
      expect(service.environment?.DATABASE_URL, `${name} needs a database`).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    }
  });

  it('depends only on services it declares, with PostgreSQL and Kafka (KRaft) available', () => {
    for (const [name, service] of services) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(compose.services[dependency], `${name} → ${dependency}`).toBeDefined();
    }
    expect(compose.services.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    for (const [name, service] of tracseq) expect(service.environment?.KAFKA_BROKERS, `${name} uses the Kafka bus`).toBe('kafka:9092');
    expect(compose.services.migrate!.depends_on).toHaveProperty('kafka-topics');
    expect(Object.keys(compose.services)).not.toContain('zookeeper');
  });
});
