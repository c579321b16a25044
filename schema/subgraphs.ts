/** The subgraphs composed into the supergraph; the gateway finds each at `url` unless told otherwise. */
export interface SubgraphEntry {
  name: string;
  /** SDL file, relative to the repository root. */
  sdl: string;
  /** Composed into the supergraph; overridden at runtime by `<NAME>_URL` or the all-in-one boot. */
  url: string;
}

export const SUBGRAPHS: readonly SubgraphEntry[] = [
  { name: 'samples', sdl: 'subgraphs/samples/schema.graphql', url: 'http://localhost:4001/graphql' },
  { name: 'storage', sdl: 'subgraphs/storage/schema.graphql', url: 'http://localhost:4002/graphql' },
  { name: 'sequencing', sdl: 'subgraphs/sequencing/schema.graphql', url: 'http://localhost:4003/graphql' },
  { name: 'notifications', sdl: 'subgraphs/notifications/schema.graphql', url: 'http://localhost:4004/graphql' },
  { name: 'sagas', sdl: 'sagas/subgraph/schema.graphql', url: 'http://localhost:4005/graphql' },
  { name: 'access', sdl: 'subgraphs/access/schema.graphql', url: 'http://localhost:4006/graphql' },
];
