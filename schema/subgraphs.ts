/**
 * THE list of subgraphs: everything else (configuration variables and their defaults, composition,
 * resolver codegen, the binary's modules, deployment manifests, tests) is derived from it, so a
 * subgraph added or renamed here is added or renamed everywhere, or the code stops compiling.
 */
const ENTRIES = [
  { name: 'samples', sdl: 'subgraphs/samples/schema.graphql', port: 4001 },
  { name: 'storage', sdl: 'subgraphs/storage/schema.graphql', port: 4002 },
  { name: 'sequencing', sdl: 'subgraphs/sequencing/schema.graphql', port: 4003 },
  { name: 'notifications', sdl: 'subgraphs/notifications/schema.graphql', port: 4004 },
  { name: 'sagas', sdl: 'sagas/subgraph/schema.graphql', port: 4005 },
  { name: 'access', sdl: 'subgraphs/access/schema.graphql', port: 4006 },
  { name: 'audit', sdl: 'subgraphs/audit/schema.graphql', port: 4007 },
] as const;

export type SubgraphName = (typeof ENTRIES)[number]['name'];

export interface SubgraphEntry {
  name: SubgraphName;
  /** SDL file, relative to the repository root. */
  sdl: string;
  /** `<NAME>_PORT`'s default, and the port of the URL composed into the supergraph. */
  port: number;
  /** Composed into the supergraph; overridden at runtime by `<NAME>_URL` or the all-in-one boot. */
  url: string;
}

/** In composition order. */
export const SUBGRAPHS: readonly SubgraphEntry[] = ENTRIES.map((entry) => ({ ...entry, url: `http://localhost:${entry.port}/graphql` }));

export const SUBGRAPH_NAMES: readonly SubgraphName[] = ENTRIES.map((entry) => entry.name);

/** `samples` → `SAMPLES`: the prefix of the subgraph's `<NAME>_PORT` and `<NAME>_URL` settings. */
export const settingPrefix = (name: SubgraphName) => name.toUpperCase() as Uppercase<SubgraphName>;
