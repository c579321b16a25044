import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createFetcher } from './fetcher.js';

const DEFAULT_QUERY = `# TracSeq explorer: GraphiQL served by the gateway, no internet needed.
# Ctrl-Enter runs the operation; the docs and the schema come from this gateway.
# Subscriptions run over graphql-ws on the same /graphql, e.g.
#   subscription { alertRaised { severity message storageUnit { name } } }

query OpenAlerts {
  alerts(status: [OPEN], first: 10) {
    edges { node { id severity kind message raisedAt } }
  }
}
`;

// ?query=… opens the explorer on that operation, so links can point at an example.
const linked = new URLSearchParams(location.search).get('query') ?? undefined;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={createFetcher(new URL(location.href))} defaultQuery={DEFAULT_QUERY} query={linked} />
  </StrictMode>,
);
