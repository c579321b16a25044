import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { getOperationAST } from 'graphql';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DomainError } from '../platform/errors.js';

type Fetcher = (url: string, init?: { method?: string; headers?: unknown; body?: unknown }) => Promise<Response>;
type Prepare<A extends unknown[], R> = (...args: A) => Promise<R>;

/** Seconds: GraphQL operations through the gateway range from ~1 ms (cached plan, one subgraph) to many seconds. */
const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const FETCH_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The gateway's request metrics: an Apollo Server plugin that times every operation by name and
 * type and counts its errors by code; a wrapper that times each subgraph fetch; a wrapper that
 * counts requests refused before Apollo Server runs (auth, rate limit, manifest, limits); and the
 * live subscription gauges.
 */
export const useMetrics = (
  options: {
    /**
     * Distinct operation names kept as label values; later new names count as "other". Clients
     * choose operation names, so without a cap one client could grow the series without bound.
     * @default 200
     */
    maxOperationNames?: number;
  } = {},
) => {
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

  const plugin: ApolloServerPlugin<BaseContext> = {
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

  return {
    registry,
    plugin,

    /** Times a data source's fetches to one subgraph. */
    timeFetcher(subgraph: string, fetcher: Fetcher): Fetcher {
      return async (url, init) => {
        const end = fetches.startTimer({ subgraph });
        try {
          const response = await fetcher(url, init);
          end({ outcome: response.ok ? 'ok' : 'http_error' });
          return response;
        } catch (error) {
          end({ outcome: 'network_error' });
          throw error;
        }
      };
    },

    /** Counts requests the gateway refuses before Apollo Server sees them, under the refusal's code. */
    countRefusals<A extends [unknown, { query?: string; operationName?: string }, ...unknown[]], R>(prepare: Prepare<A, R>): Prepare<A, R> {
      return async (...args) => {
        const started = process.hrtime.bigint();
        try {
          return await prepare(...args);
        } catch (error) {
          if (error instanceof DomainError) {
            // Refused before parsing: the leading operation of the text stands for the request.
            const head = /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(args[1]?.query ?? '');
            const labels = { operation_name: operationName(args[1]?.operationName ?? head?.[2]), operation_type: head?.[1] ?? (args[1]?.query?.trimStart().startsWith('{') ? 'query' : 'unknown') };
            duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
            errors.inc({ ...labels, code: error.code });
          }
          throw error;
        }
      };
    },

    /** Live subscriptions, read at scrape time. */
    watchSubscriptions(stats: () => { groups: number; subscribers: number; upstreamClients: number }): void {
      const gauge = (name: string, help: string, read: (s: ReturnType<typeof stats>) => number) =>
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
    },
  };
};
