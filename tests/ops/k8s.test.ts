import { readdirSync } from 'node:fs';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderManifests, SECRET } from '../../deploy/k8s/generate.js';
import { loadConfig } from '../../platform/config.js';
import { SUBGRAPHS } from '../../schema/subgraphs.js';
import { variablesRead, INJECTED_SECRETS, deployedEnv } from './support/code.js';
import { readRepoFile, repoHasFile, runtimeStage, stageHas } from './support/image.js';

/** deploy/k8s, parsed as kubectl would read it, each object validated by its kubernetes-models class. */
const MODELS: Record<string, Record<string, new (data: any) => { validate(): void }>> = {
  'apps/v1': appsV1 as any,
  'autoscaling/v2': autoscalingV2 as any,
  'batch/v1': batchV1 as any,
  'policy/v1': policyV1 as any,
  v1: coreV1 as any,
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}
const FOLDER = new URL('../../deploy/k8s/', import.meta.url);
const kustomization = parseAllDocuments(readRepoFile('deploy/k8s/kustomization.yaml'))[0]!.toJS() as { resources: string[] };
const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readRepoFile(`deploy/k8s/${file}`)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
    return document.toJS() as Manifest;
  }),
);
const named = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const workloads = manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job');
const containerOf = (workload: Manifest) => workload.spec.template.spec.containers[0];
const cli = readRepoFile('bin/tracseq.ts');
const image = runtimeStage();

/** A container's environment as the process would see it: its ConfigMap, then its own entries. */
const environmentOf = (container: any): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) Object.assign(env, named('ConfigMap', source.configMapRef.name)!.data);
  for (const entry of container.env ?? []) env[entry.name] = entry.value ?? `<secret ${entry.valueFrom.secretKeyRef.key}>`;
  return env;
};
const listensOn = (container: any): number | null => {
  const config = loadConfig({ ...deployedEnv(environmentOf(container)), ...INJECTED_SECRETS });
  if (container.args[0] === 'gateway') return config.port;
  if (container.args[0] === 'subgraph') return config.subgraphPorts[container.args[1]] ?? null;
  return null;
};

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('are what deploy/k8s/generate.ts writes (run `npm run k8s:generate`)', () => {
    const rendered = renderManifests();
    for (const [file, content] of Object.entries(rendered)) expect(readRepoFile(`deploy/k8s/${file}`), file).toBe(content);
    const yamlFiles = readdirSync(FOLDER).filter((f) => f.endsWith('.yaml'));
    expect(yamlFiles.sort()).toEqual(Object.keys(rendered).sort());
  });

  it('validate against the Kubernetes API schemas', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) {
      const Model = MODELS[manifest.apiVersion]?.[manifest.kind];
      expect(Model, `${manifest.apiVersion} ${manifest.kind} has no model`).toBeDefined();
      expect(() => new Model!(manifest).validate(), `${manifest.kind}/${manifest.metadata.name}`).not.toThrow();
    }
    // The validator is not a rubber stamp: a container without a name is refused.
    const broken = structuredClone(named('Deployment', 'tracseq-gateway')!);
    delete broken.spec.template.spec.containers[0].name;
    expect(() => new appsV1.Deployment(broken as any).validate()).toThrow();
  });

  it('run the gateway (scaled by an HPA), each subgraph, its projection workers and the one-off jobs', () => {
    const roles = workloads.map((w) => containerOf(w).args.join(' ')).sort();
    const perSubgraph = SUBGRAPHS.flatMap((s) => [`subgraph ${s.name}`, `projections ${s.name}`]);
    expect(roles).toEqual(['gateway', 'kafka-topics', 'migrate', ...perSubgraph].sort());
    for (const workload of workloads) expect(cli, `${workload.metadata.name}: the CLI has no such role`).toContain(`case '${containerOf(workload).args[0]}':`);
    const hpa = named('HorizontalPodAutoscaler', 'tracseq-gateway')!;
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'tracseq-gateway' });
    expect(named('Deployment', hpa.spec.scaleTargetRef.name)).toBeDefined();
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    // CPU utilisation is measured against requests: without them the HPA does nothing.
    expect(containerOf(named('Deployment', 'tracseq-gateway')!).resources.requests.cpu).toBeDefined();
  });

  it('give every container requests, a memory limit, a non-root user and no privileges', () => {
    for (const workload of workloads) {
      const pod = workload.spec.template.spec;
      const container = containerOf(workload);
      expect(container.resources.requests, workload.metadata.name).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources.limits.memory, workload.metadata.name).toBeDefined();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      // The read-only root needs a writable /tmp for the TypeScript loader's cache.
      const tmp = container.volumeMounts.find((m: any) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v: any) => v.name === tmp.name).emptyDir).toBeDefined();
      expect(container.image.split(':')[0]).toBe('tracseq');
    }
  });

  it('probe each long-running role where it listens, with tools the image has', () => {
    for (const workload of workloads.filter((w) => w.kind === 'Deployment')) {
      const container = containerOf(workload);
      const port = listensOn(container);
      const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map((p) => container[p]).filter(Boolean);
      expect(probes.length, `${workload.metadata.name} has probes`).toBeGreaterThan(0);
      if (port !== null) {
        expect(container.ports, workload.metadata.name).toEqual([{ name: 'http', containerPort: port }]);
        expect(container.readinessProbe.httpGet, workload.metadata.name).toBeDefined();
        expect(container.livenessProbe.httpGet.path).toBe('/health');
        for (const probe of probes) expect(probe.httpGet.port, workload.metadata.name).toBe('http');
      } else {
        expect(container.readinessProbe.exec.command).toEqual(['node', 'deploy/probe.mjs', '--database']);
      }
      const execs = [...probes.map((p) => p.exec?.command), container.lifecycle?.preStop?.exec?.command].filter(Boolean) as string[][];
      for (const command of execs) {
        expect(image.tools, `${workload.metadata.name}: ${command[0]} is not in the image`).toContain(command[0]);
        for (const file of command.filter((a) => a.endsWith('.mjs'))) expect(stageHas(image, file) && repoHasFile(file), file).toBe(true);
      }
    }
  });

  it('connect the gateway and saga workers to the subgraph Services, on the ports the subgraphs listen on', () => {
    const called = new Set([...readRepoFile('sagas/definitions/submit-sample.ts').matchAll(/call\('([a-z]+)'/g)].map((m) => m[1]!));
    const clients = [
      { deployment: 'tracseq-gateway', needs: SUBGRAPHS.map((s) => s.name) },
      { deployment: 'tracseq-projections-sagas', needs: [...called] },
    ];
    for (const { deployment, needs } of clients) {
      const env = environmentOf(containerOf(named('Deployment', deployment)!));
      for (const subgraph of needs) {
        const url = new URL(env[`${subgraph.toUpperCase()}_URL`]!);
        const service = named('Service', url.hostname);
        expect(service, `${deployment} → ${url.hostname}`).toBeDefined();
        expect(service!.spec.ports[0].port).toBe(Number(url.port));
        const target = workloads.find((w) => Object.entries(service!.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v))!;
        expect(containerOf(target).args).toEqual(['subgraph', subgraph]);
        expect(listensOn(containerOf(target))).toBe(service!.spec.ports[0].targetPort === 'http' ? containerOf(target).ports[0].containerPort : service!.spec.ports[0].targetPort);
      }
    }
  });

  it('set only variables the code reads, with secrets from the one operator-made Secret', () => {
    const known = variablesRead();
    for (const workload of workloads) {
      const container = containerOf(workload);
      for (const variable of Object.keys(environmentOf(container))) expect(known.has(variable), `${workload.metadata.name} sets ${variable}, which nothing reads`).toBe(true);
      for (const entry of container.env.filter((e: any) => e.valueFrom)) expect(entry.valueFrom.secretKeyRef.name).toBe(SECRET);
      // Production configuration refuses to start without these.
      const names = container.env.map((e: any) => e.name);
      expect(names, workload.metadata.name).toContain('INTERNAL_SECRET');
      if (containerOf(workload).args[0] !== 'kafka-topics') expect(names, workload.metadata.name).toContain('DATABASE_URL');
      expect(environmentOf(container).NODE_ENV).toBe('production');
    }
  });
});
