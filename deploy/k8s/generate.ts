import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { SUBGRAPHS } from '../../schema/subgraphs.js';

/**
 * Writes the Kubernetes manifests in this folder from schema/subgraphs.ts, so a new subgraph gets
 * its Deployment, Service and worker without twelve hand-copied blocks drifting apart.
 * `npm run k8s:generate`; tests/ops/k8s.test.ts fails when the files are stale.
 */
/** Tagged with the package version, as `docker build -t tracseq:<version> .` would be. */
const IMAGE = `tracseq:${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;
const CONFIG_MAP = 'tracseq-config';
/** Created by the operator (see docs/operations.md); never committed. */
export const SECRET = 'tracseq-secrets';
const GATEWAY_PORT = 4000;

const port = (url: string): number => Number(new URL(url).port);
const serviceName = (subgraph: string) => `tracseq-${subgraph}`;
const labels = (component: string) => ({ 'app.kubernetes.io/name': 'tracseq', 'app.kubernetes.io/component': component });
const secret = (key: string, optional = false) => ({ name: key, valueFrom: { secretKeyRef: { name: SECRET, key, ...(optional ? { optional } : {}) } } });
const subgraphUrls = SUBGRAPHS.map((s) => ({ name: `${s.name.toUpperCase()}_URL`, value: `http://${serviceName(s.name)}:${port(s.url)}/graphql` }));

const probe = (path: string) => ({ httpGet: { path, port: 'http' } });
/** Roles without an HTTP port: the worker can reach PostgreSQL (deploy/probe.mjs, Node only). */
const databaseProbe = { exec: { command: ['node', 'deploy/probe.mjs', '--database'] }, periodSeconds: 30, timeoutSeconds: 5 };

interface ContainerOptions {
  name: string;
  args: string[];
  env: object[];
  resources: { cpu: string; memory: string; memoryLimit: string };
  port?: number;
  probes?: object;
}

/** Non-root, read-only root filesystem, no privileges; /tmp is writable for the TypeScript loader's cache. */
const podSpec = (container: ContainerOptions, extra: object = {}) => ({
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  ...extra,
  containers: [
    {
      name: container.name,
      image: IMAGE,
      args: container.args,
      ...(container.port ? { ports: [{ name: 'http', containerPort: container.port }] } : {}),
      envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
      env: container.env,
      resources: { requests: { cpu: container.resources.cpu, memory: container.resources.memory }, limits: { memory: container.resources.memoryLimit } },
      ...container.probes,
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    },
  ],
  volumes: [{ name: 'tmp', emptyDir: {} }],
});

const deployment = (component: string, replicas: number, container: ContainerOptions, extra: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `tracseq-${component}`, labels: labels(component) },
  spec: {
    replicas,
    selector: { matchLabels: labels(component) },
    // Start the new pod before stopping an old one: capacity never drops during a rollout.
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: { metadata: { labels: labels(component) }, spec: podSpec(container, extra) },
  },
});

const service = (component: string, name: string, servicePort: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, labels: labels(component) },
  spec: { selector: labels(component), ports: [{ name: 'http', port: servicePort, targetPort: 'http' }] },
});

/** Servers drain on SIGTERM; the pause lets endpoint removal reach every proxy first, so no new request lands mid-drain. */
const serverLifecycle = { terminationGracePeriodSeconds: 45 };
const preStop = { lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } };

const config = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: CONFIG_MAP, labels: labels('config') },
  data: {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    // The external Kafka cluster. Remove to run the event bus on PostgreSQL alone (then the
    // projections are leader-elected per projection instead of sharing partitions).
    KAFKA_BROKERS: 'kafka-bootstrap.kafka.svc.cluster.local:9092',
    ALERT_ESCALATION_MINUTES: '15',
    SAGA_LEASE_MS: '30000',
    SAGA_CONCURRENCY: '16',
  },
};

const gatewayContainer: ContainerOptions = {
  name: 'gateway',
  args: ['gateway'],
  port: GATEWAY_PORT,
  env: [{ name: 'PORT', value: String(GATEWAY_PORT) }, secret('INTERNAL_SECRET'), secret('DATABASE_URL'), secret('JWT_SECRET', true), secret('JWKS_URL', true), ...subgraphUrls],
  resources: { cpu: '500m', memory: '384Mi', memoryLimit: '1Gi' },
  probes: {
    // /health, not /ready: the gateway's /ready fails when any one subgraph is down, and taking every
    // gateway out of the Service for that would turn a partial outage into a total one.
    startupProbe: { ...probe('/health'), periodSeconds: 2, failureThreshold: 30 },
    readinessProbe: { ...probe('/health'), periodSeconds: 5 },
    livenessProbe: { ...probe('/health'), periodSeconds: 10, failureThreshold: 3 },
    ...preStop,
  },
};

const gateway = [
  deployment('gateway', 2, gatewayContainer, serverLifecycle),
  service('gateway', 'tracseq-gateway', GATEWAY_PORT),
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'tracseq-gateway', labels: labels('gateway') },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'tracseq-gateway' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      // Subscribers stay on the replica they connected to: scale in slowly so sockets are not churned.
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] } },
    },
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'tracseq-gateway', labels: labels('gateway') },
    spec: { minAvailable: 1, selector: { matchLabels: labels('gateway') } },
  },
];

const subgraphs = SUBGRAPHS.flatMap((s) => {
  const component = `subgraph-${s.name}`;
  return [
    deployment(
      component,
      2,
      {
        name: 'subgraph',
        args: ['subgraph', s.name],
        port: port(s.url),
        env: [{ name: `${s.name.toUpperCase()}_PORT`, value: String(port(s.url)) }, secret('INTERNAL_SECRET'), secret('DATABASE_URL')],
        resources: { cpu: '250m', memory: '256Mi', memoryLimit: '768Mi' },
        probes: {
          startupProbe: { ...probe('/health'), periodSeconds: 2, failureThreshold: 30 },
          // A subgraph is ready when its database answers.
          readinessProbe: { ...probe('/ready'), periodSeconds: 5 },
          livenessProbe: { ...probe('/health'), periodSeconds: 10, failureThreshold: 3 },
          ...preStop,
        },
      },
      serverLifecycle,
    ),
    service(component, serviceName(s.name), port(s.url)),
  ];
});

/** Projections, policies and timers of one subgraph (`projections sagas` is the saga worker, which calls subgraphs). */
const workers = SUBGRAPHS.map((s) =>
  deployment(
    `projections-${s.name}`,
    2,
    {
      name: 'projections',
      args: ['projections', s.name],
      env: [secret('INTERNAL_SECRET'), secret('DATABASE_URL'), ...(s.name === 'sagas' ? subgraphUrls : [])],
      resources: s.name === 'sagas' ? { cpu: '250m', memory: '256Mi', memoryLimit: '768Mi' } : { cpu: '100m', memory: '192Mi', memoryLimit: '512Mi' },
      probes: { readinessProbe: databaseProbe },
    },
    // Saga steps in flight finish or are resumed by another worker after SAGA_LEASE_MS.
    { terminationGracePeriodSeconds: 45 },
  ),
);

const job = (name: string, args: string[], env: object[]) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: `tracseq-${name}`, labels: labels(name) },
  spec: {
    backoffLimit: 4,
    // Gone ten minutes after it finished, so the next `kubectl apply` can create it again.
    ttlSecondsAfterFinished: 600,
    template: {
      metadata: { labels: labels(name) },
      spec: podSpec({ name, args, env, resources: { cpu: '100m', memory: '192Mi', memoryLimit: '512Mi' } }, { restartPolicy: 'OnFailure' }),
    },
  },
});

const jobs = [
  // Every role also applies its migrations on start (under an advisory lock); this job does it once, up front.
  job('migrate', ['migrate'], [secret('INTERNAL_SECRET'), secret('DATABASE_URL')]),
  job('kafka-topics', ['kafka-topics'], [
    secret('INTERNAL_SECRET'),
    { name: 'KAFKA_PARTITIONS', value: '6' },
    { name: 'KAFKA_REPLICATION_FACTOR', value: '3' },
    { name: 'KAFKA_RETENTION_HOURS', value: '168' },
  ]),
];

const HEADER = '# Generated by deploy/k8s/generate.ts (npm run k8s:generate): edit that file, not this one.\n';
const documents = (objects: object[]) => HEADER + objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');

/** File name → content, every file of deploy/k8s except this script. */
export const renderManifests = (): Record<string, string> => {
  const files: Record<string, object[]> = { 'config.yaml': [config], 'gateway.yaml': gateway, 'subgraphs.yaml': subgraphs, 'workers.yaml': workers, 'jobs.yaml': jobs };
  return {
    ...Object.fromEntries(Object.entries(files).map(([name, objects]) => [name, documents(objects)])),
    'kustomization.yaml':
      HEADER +
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: 'tracseq',
        resources: Object.keys(files),
        images: [{ name: 'tracseq', newTag: IMAGE.split(':')[1] }],
      }),
  };
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [name, content] of Object.entries(renderManifests())) writeFileSync(new URL(name, import.meta.url), content);
  console.log('wrote deploy/k8s/*.yaml');
}
