/**
 * The layering of the architecture step (issue #13), checked by `npm run lint:deps` and by
 * tests/architecture/layering.test.ts (so `npm test` and CI enforce it).
 *
 * Layers, lowest first: event-store, platform, subgraphs/<ctx>, sagas, gateway, bin. A layer
 * imports (at runtime) only layers below it, so no two top-level folders can import each other in a
 * cycle. Contexts meet only through their published event types, imported type-only.
 */
const EVENTS = '^subgraphs/[^/]+/events\\.ts$';
const ours = { dependencyTypes: ['local'] };
const runtime = { dependencyTypesNot: ['type-only'] };
/** Runtime imports from `from` into any of `above` (layers higher than it) are refused. */
const below = (name, from, above, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { ...ours, ...runtime, path: above },
});

module.exports = {
  forbidden: [
    {
      name: 'event-store-imports-nothing-of-ours',
      comment: 'event-store/ is the bottom layer: its own errors, logger port and migrations; nothing else of this repo.',
      severity: 'error',
      from: { path: '^event-store/' },
      to: { ...ours, pathNot: '^event-store/' },
    },
    {
      name: 'contexts-share-only-published-events',
      comment: 'A subgraph imports another only through subgraphs/<other>/events.ts.',
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/' },
      to: { ...ours, path: '^subgraphs/', pathNot: ['^subgraphs/$1/', EVENTS] },
    },
    {
      name: 'published-events-are-imported-type-only',
      comment: 'Another context\'s published events are types: `import type` (no runtime coupling between contexts).',
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/' },
      to: { ...ours, ...runtime, path: EVENTS, pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'platform-and-sagas-see-only-published-events',
      comment: 'platform/ and sagas/ import subgraph code only as `import type` from subgraphs/<ctx>/events.ts.',
      severity: 'error',
      from: { path: '^(platform|sagas)/' },
      to: { ...ours, path: '^subgraphs/', pathNot: EVENTS },
    },
    {
      name: 'platform-and-sagas-import-published-events-type-only',
      comment: 'platform/ and sagas/ import subgraph code only as `import type` from subgraphs/<ctx>/events.ts.',
      severity: 'error',
      from: { path: '^(platform|sagas)/' },
      to: { ...ours, ...runtime, path: EVENTS },
    },
    {
      name: 'gateway-imports-no-subgraph-code',
      comment: 'The gateway knows subgraphs by their SDL and URL only.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { ...ours, path: '^(subgraphs|sagas)/' },
    },
    below('platform-below-contexts', '^platform/', '^(subgraphs|sagas|gateway|bin)/', 'platform/ is used by the contexts, the gateway and bin, never the other way round.'),
    below('contexts-below-sagas-and-gateway', '^subgraphs/', '^(sagas|gateway|bin)/', 'No runtime cycle between top-level folders: subgraphs sit below sagas, gateway and bin.'),
    below('sagas-below-gateway', '^sagas/', '^(gateway|bin)/', 'No runtime cycle between top-level folders: sagas sit below gateway and bin.'),
    below('gateway-below-bin', '^gateway/', '^bin/', 'No runtime cycle between top-level folders: only bin assembles the gateway.'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    // Type-only imports are seen (and told apart) only before compilation.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
