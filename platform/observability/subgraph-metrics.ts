import { consumerMetrics, externalCounter, poolMetrics, Registry } from '../metrics.js';
import type { Runtime } from '../runtime.js';

/** A subgraph's own figures: its pool, its projections' and policies' lag and dead letters, its read-side SQL. */
export const subgraphMetrics = (
  runtime: Runtime,
  definition: { name: string; projections: ReadonlyArray<{ name: string }>; policies?: ReadonlyArray<{ name: string }> },
  /** Operation shapes graphql-jit failed to compile, answered by graphql-js (none without the jit executor). */
  interpreted: () => number = () => 0,
): Registry => {
  const registry = new Registry();
  poolMetrics(registry, runtime.pool, 'runtime');
  consumerMetrics(registry, runtime.db, [...definition.projections, ...(definition.policies ?? [])].map((p) => p.name));
  externalCounter(registry, {
    name: 'tracseq_sql_statements_total',
    help: "SQL statements of this subgraph's read side.",
    labels: { subgraph: definition.name },
    read: () => runtime.sqlStatements.get(definition.name) ?? 0,
  });
  externalCounter(registry, {
    name: 'tracseq_graphql_interpreted_operations_total',
    help: 'Operation shapes the graphql-jit compiler failed on, answered by graphql-js instead (each is also logged once).',
    labels: { subgraph: definition.name },
    read: interpreted,
  });
  return registry;
};
