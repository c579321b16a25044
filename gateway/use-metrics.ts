import { getOperationAST } from 'graphql';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { extensionsOf } from '../platform/error-codes.js';
import { metricsRoute, poolMetrics } from '../platform/metrics.js';
import type { GatewayPlugin } from './plugin.js';

/** Seconds: GraphQL operations through the gateway range from ~1 ms (cached plan, one subgraph) to many seconds. */
const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const FETCH_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type SubscriptionStats = { groups: number; subscribers: number; upstreamClients: number };

export interface MetricsOptions {
  /**
   * Distinct operation names kept as label values; later new names count as "other". Clients
   * choose operation names, so without a cap one client could grow the series without bound.
   * @default 200
   */
  maxOperationNames?: number;
  /** Live subscriptions, read at scrape time. @default none (no subscription gauges) */
  subscriptionStats?: () => SubscriptionStats;
  /** The gateway's database pool (API keys), measured like every role's. @default none */
  pool?: pg.Pool | null;
}

/**
 * The gateway's request metrics on /metrics: every operation over HTTP timed by name and type with
 * its errors counted by code (Apollo's lifecycle), requests refused before Apollo Server runs
 * (identity, rate limit, manifest, limits) counted the same way, each subgraph fetch timed, and the
 * live subscription gauges.
 */
export const useMetrics = (options: MetricsOptions = {}): GatewayPlugin => {
  const registry = new Registry();
  const maxNames = options.maxOperationNames ?? 200;
  const names = new Set<string>();
  const operationName = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    const trimmed = name.slice(0, 100);
    if (names.has(trimmed)) return trimmed;
    if (names.size >= maxNames) return 'other';
    names.add(trimmed);
    return trimmed;
  };
  const duration = new Histogram({
    name: 'tracseq_graphql_operation_duration_seconds',
    help: 'GraphQL operations over HTTP at the gateway, by operation name and type (refused ones included).',
    labelNames: ['operation_name', 'operation_type'],
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'tracseq_graphql_operation_errors_total',
    help: 'GraphQL operations answered with at least one error of this extensions.code.',
    labelNames: ['operation_name', 'operation_type', 'code'],
    registers: [registry],
  });
  const fetches = new Histogram({
    name: 'tracseq_subgraph_fetch_duration_seconds',
    help: 'Gateway → subgraph HTTP fetches, by subgraph and outcome (ok, http_error, network_error).',
    labelNames: ['subgraph', 'outcome'],
    buckets: FETCH_BUCKETS,
    registers: [registry],
  });

  const apollo: GatewayPlugin['apollo'] = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ document, request, response }) {
          // Apollo resolves the operation only after validation; the parsed document names it earlier.
          const operation = document ? getOperationAST(document, request.operationName) : null;
          const labels = operation
            ? { operation_name: operationName(operation.name?.value), operation_type: operation.operation }
            : { operation_name: operationName(request.operationName), operation_type: 'unknown' };
          duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
          const formatted = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          const codes = new Set((formatted ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
          for (const code of codes) errors.inc({ ...labels, code });
        },
      };
    },
  };

  if (options.pool) poolMetrics(registry, options.pool, 'gateway');
  const stats = options.subscriptionStats;
  if (stats) {
    const gauge = (name: string, help: string, read: (s: SubscriptionStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(stats()));
        },
      });
    gauge('tracseq_subscription_groups', 'Shared upstream subscriptions (identical subscriptions of one caller share one).', (s) => s.groups);
    gauge('tracseq_subscribers', 'Live subscriptions of clients.', (s) => s.subscribers);
    gauge('tracseq_subscription_upstream_clients', 'graphql-ws connections from the gateway to subgraphs.', (s) => s.upstreamClients);
  }

  return {
    name: 'metrics',
    routes: { '/metrics': metricsRoute(registry) },
    apollo,
    wrapFetcher(subgraph, fetch) {
      return async (url, request) => {
        const end = fetches.startTimer({ subgraph });
        try {
          const reply = await fetch(url, request);
          end({ outcome: reply.status >= 200 && reply.status < 300 ? 'ok' : 'http_error' });
          return reply;
        } catch (error) {
          end({ outcome: 'network_error' });
          throw error;
        }
      };
    },
    onRefused({ error, request, transport, started }) {
      // The histogram is of operations over HTTP; a refused subscription gets its error message instead.
      if (transport === 'ws') return;
      // Refused before parsing: the leading operation of the text stands for the request.
      const head = /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(request.query ?? '');
      const labels = { operation_name: operationName(request.operationName ?? head?.[2]), operation_type: head?.[1] ?? (request.query?.trimStart().startsWith('{') ? 'query' : 'unknown') };
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      errors.inc({ ...labels, code: String(extensionsOf(error).code) });
    },
  };
};
