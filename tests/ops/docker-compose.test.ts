import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../platform/config.js';
import { SUBGRAPHS } from '../../schema/subgraphs.js';
import { reachableFrom, variablesRead, INJECTED_SECRETS, deployedEnv } from './support/code.js';
import { parseDockerfile, readRepoFile, repoHasFile, runtimeStage, stageHas, type Stage } from './support/image.js';

/**
 * No Docker engine here: these read the Dockerfile and docker-compose.yml and check every command,
 * health check, port and variable against what the image really contains and what the code reads.
 */
interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  healthcheck?: { test?: string[]; disable?: boolean };
  ports?: string[];
}
const compose = parse(readRepoFile('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const cli = readRepoFile('bin/tracseq.ts');
const packageJson = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const image = runtimeStage();
const services = Object.entries(compose.services);
const tracseq = services.filter(([, service]) => service.build);

/** The port a role listens on, as platform/config.ts reads it from the service's environment. */
const listensOn = (role: string[], env: Record<string, string | undefined>): number | null => {
  const config = loadConfig({ ...deployedEnv(env), ...INJECTED_SECRETS });
  if (role[0] === 'gateway' || role[0] === 'start') return config.port;
  if (role[0] === 'subgraph') return config.subgraphPorts[role[1]!] ?? null;
  return null;
};

/** An exec-form command the image can run: the program is installed and any script it names was copied in. */
const expectRunnable = (stage: Stage, command: string[], what: string) => {
  expect(stage.tools, `${what}: "${command[0]}" is not in the image`).toContain(command[0]);
  for (const argument of command.slice(1).filter((a) => /\.(m?js|ts)$/.test(a))) {
    expect(stageHas(stage, argument), `${what}: ${argument} is not copied into the image`).toBe(true);
    expect(repoHasFile(argument), `${what}: ${argument} is not in the repository`).toBe(true);
  }
};

const probeUrl = (test: string[]): URL | null => {
  const url = test.find((a) => a.startsWith('http'));
  return url ? new URL(url) : null;
};

describe('Dockerfile', () => {
  it('builds in one stage and runs from a smaller one, as a non-root user under an init', () => {
    const stages = parseDockerfile();
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(readRepoFile('Dockerfile')).toMatch(/RUN npm ci\b/);
    expect(image.user).not.toMatch(/^(root|0)?$/);
    expect(image.entrypoint[0], 'PID 1 is an init that forwards signals').toBe('tini');
    expectRunnable(image, image.entrypoint, 'ENTRYPOINT');
    expect(image.env.NODE_ENV).toBe('production');
  });

  it('runs services with the V8 heap flags of npm start (the settings the benchmarks measure)', () => {
    const heapFlags = (words: readonly string[]) => words.filter((word) => word.startsWith('--max-'));
    const start = (JSON.parse(readRepoFile('package.json')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
    expect(heapFlags(start)).toContain('--max-semi-space-size=64');
    expect(heapFlags(image.entrypoint)).toEqual(heapFlags(start));
    // Node must take the flag before the loader: after the script name it would be the CLI's argument.
    expect(image.entrypoint.indexOf('--max-semi-space-size=64')).toBeLessThan(image.entrypoint.indexOf('bin/tracseq.ts'));
  });

  it('runs the CLI with only production dependencies, and carries every file the CLI loads', () => {
    // V8's heap flags aside (checked below), Node's first options load TypeScript through tsx in-process.
    const command = image.entrypoint.slice(image.entrypoint.indexOf('--') + 1).filter((argument) => !argument.startsWith('--max-'));
    expect(command.slice(0, 3), 'Node loads TypeScript through tsx in-process').toEqual(['node', '--import', 'tsx']);
    const entry = command.at(-1)!;
    // Preloads (`--import ./bin/tracing.ts`) load code of ours too.
    const preloads = command.slice(3, -1).filter((argument) => argument.startsWith('./'));
    const reached = [entry, ...preloads].map(reachableFrom);
    const files = new Set(reached.flatMap((r) => [...r.files]));
    const packages = new Set(reached.flatMap((r) => [...r.packages]));
    for (const file of files) expect(stageHas(image, file), `${file} (imported from ${entry}) is not in the image`).toBe(true);
    // The build stage prunes devDependencies: anything the CLI loads must be a dependency.
    for (const pkg of [...packages, 'tsx', 'pg']) expect(packageJson.dependencies, `${pkg} is loaded at run time`).toHaveProperty(pkg);
    expect(files.size).toBeGreaterThan(50);
    // Read at run time rather than imported.
    for (const file of ['schema/supergraph.graphql', ...SUBGRAPHS.map((s) => s.sdl)]) expect(stageHas(image, file), file).toBe(true);
  });

  it('exposes every port the configuration listens on by default', () => {
    const config = loadConfig({ ...INJECTED_SECRETS, NODE_ENV: 'production' });
    expect([...image.expose].sort()).toEqual([config.port, ...Object.values(config.subgraphPorts)].sort());
    for (const subgraph of SUBGRAPHS) expect(image.expose, subgraph.name).toContain(config.subgraphPorts[subgraph.name]);
  });

  it('health-checks the default role on its port with Node alone', () => {
    expect(image.healthcheck).not.toBeNull();
    expectRunnable(image, image.healthcheck!, 'HEALTHCHECK');
    // deploy/probe.mjs defaults to the gateway's /ready on PORT: the port of the default command.
    expect(readRepoFile('deploy/probe.mjs')).toContain('process.env.PORT || 4000');
    expect(listensOn(image.cmd, image.env)).toBe(4000);
    expect(cli).toContain(`case '${image.cmd[0]}':`);
  });

  it('keeps the embedded database writable for the non-root user', () => {
    expect(image.env.DATA_DIR).toBeDefined();
    expect(stageHas(image, image.env.DATA_DIR!)).toBe(true);
    expect(readRepoFile('Dockerfile')).toContain(`chown node:node ${image.env.DATA_DIR}`);
  });
});

describe('docker-compose.yml', () => {
  it('runs every TracSeq role the CLI knows, from the one image', () => {
    const roles = tracseq.map(([, service]) => service.command!.join(' '));
    const perSubgraph = SUBGRAPHS.flatMap((s) => [`subgraph ${s.name}`, `projections ${s.name}`]);
    expect(roles.sort()).toEqual(['gateway', 'kafka-topics', 'migrate', ...perSubgraph].sort());
    for (const [name, service] of tracseq) {
      expect(service.build, name).toBe('.');
      expect(service.image, name).toBe(tracseq[0]![1].image);
      expect(cli, `${name}: the CLI has no "${service.command![0]}" command`).toContain(`case '${service.command![0]}':`);
    }
  });

  it('health-checks every TracSeq service with Node alone, on the port its role listens on', () => {
    for (const [name, service] of tracseq) {
      const check = service.healthcheck;
      expect(check, `${name} needs its own check: the image's probes the gateway port`).toBeDefined();
      if (check!.disable) {
        expect(['migrate', 'kafka-topics'], `${name} may not switch its check off`).toContain(service.command![0]);
        continue;
      }
      const test = check!.test!;
      expect(test[0], `${name}: exec form, no shell`).toBe('CMD');
      expect(test[1], name).toBe('node');
      expectRunnable(image, test.slice(1), name);
      const port = listensOn(service.command!, service.environment ?? {});
      if (port === null) {
        expect(test.slice(2), `${name} has no HTTP port: it checks its database`).toEqual(['deploy/probe.mjs', '--database']);
      } else {
        const url = probeUrl(test)!;
        expect(Number(url.port), `${name} probes the port it listens on`).toBe(port);
        expect(url.pathname).toBe('/ready');
      }
    }
  });

  it('points the gateway and the saga worker at the ports the subgraphs listen on', () => {
    const subgraphPort = (subgraph: string) => {
      const service = compose.services[`${subgraph}-subgraph`]!;
      return listensOn(service.command!, service.environment ?? {});
    };
    const gatewayEnv = compose.services.gateway!.environment!;
    for (const subgraph of SUBGRAPHS) {
      expect(gatewayEnv[`${subgraph.name.toUpperCase()}_URL`], subgraph.name).toBe(`http://${subgraph.name}-subgraph:${subgraphPort(subgraph.name)}/graphql`);
    }
    expect(compose.services.gateway!.ports).toContain(`${listensOn(['gateway'], gatewayEnv)}:${listensOn(['gateway'], gatewayEnv)}`);
    // Every subgraph a saga step calls must be reachable from the worker.
    const called = new Set([...readRepoFile('sagas/definitions/submit-sample.ts').matchAll(/call\('([a-z]+)'/g)].map((m) => m[1]!));
    expect(called.size).toBeGreaterThan(0);
    const workerEnv = compose.services['sagas-projections']!.environment!;
    for (const subgraph of called) expect(workerEnv[`${subgraph.toUpperCase()}_URL`], subgraph).toBe(`http://${subgraph}-subgraph:${subgraphPort(subgraph)}/graphql`);
  });

  it('sets only environment variables the code reads, and a database for every role', () => {
    const known = variablesRead();
    for (const [name, service] of tracseq) {
      for (const variable of Object.keys(service.environment ?? {})) expect(known.has(variable), `${name} sets ${variable}, which nothing reads`).toBe(true);
      expect(service.environment?.DATABASE_URL, `${name} needs a database`).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      // Outside development the configuration refuses to start without it.
      expect(service.environment?.INTERNAL_SECRET, name).toBeDefined();
      expect(() => loadConfig({ ...deployedEnv(service.environment ?? {}), ...INJECTED_SECRETS })).not.toThrow();
    }
  });

  it('depends only on services it declares, with PostgreSQL and Kafka (KRaft) available', () => {
    for (const [name, service] of services) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(compose.services[dependency], `${name} → ${dependency}`).toBeDefined();
    }
    // A service_healthy dependency on a service without a check would never start.
    for (const [name, service] of services) {
      for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
        if ((condition as { condition?: string }).condition !== 'service_healthy') continue;
        const check = compose.services[dependency]!.healthcheck;
        expect(check?.test && !check.disable, `${name} waits for ${dependency} to be healthy`).toBeTruthy();
      }
    }
    expect(compose.services.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    for (const [name, service] of tracseq) expect(service.environment?.KAFKA_BROKERS, `${name} uses the Kafka bus`).toBe('kafka:9092');
    expect(compose.services.migrate!.depends_on).toHaveProperty('kafka-topics');
    expect(Object.keys(compose.services)).not.toContain('zookeeper');
  });
});
