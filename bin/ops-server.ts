import { sendJson } from '../platform/http/graphql-handler.js';
import { startHttpServer, type RunningServer, type ShutdownSettings } from '../platform/http/http-server.js';
import { consumerMetrics, metricsRoute, poolMetrics, Registry } from '../platform/metrics.js';
import type { Runtime } from '../platform/runtime.js';
import type { SubgraphDefinition } from '../platform/subgraph-server.js';

/**
 * /health, /ready and /metrics for the projections role, which has no HTTP API of its own, on
 * METRICS_PORT (unset: none). Probes and Prometheus then treat it like every other role.
 */
export const serveOps = async (
  runtime: Runtime,
  definition: Pick<SubgraphDefinition<any>, 'name' | 'projections' | 'policies' | 'metrics'>,
  settings: { metricsPort?: number; shutdown?: ShutdownSettings } = runtime.config,
): Promise<RunningServer | null> => {
  const port = settings.metricsPort;
  if (port === undefined) return null;
  const registry = new Registry();
  poolMetrics(registry, runtime.pool, 'runtime');
  consumerMetrics(registry, runtime.db, [...definition.projections, ...(definition.policies ?? [])].map((p) => p.name));
  const service = `${definition.name}-projections`;
  return startHttpServer({
    name: service,
    port,
    portSetting: 'METRICS_PORT',
    ...settings.shutdown,
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', service }),
      '/ready': async (_req, res) => {
        try {
          await runtime.pool.query('SELECT 1');
          sendJson(res, 200, { status: 'ready', service });
        } catch {
          sendJson(res, 503, { status: 'database unreachable', service });
        }
      },
      '/metrics': metricsRoute(registry, definition.metrics),
    },
  });
};
