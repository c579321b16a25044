/** Hive Gateway serving TracSeq's supergraph (the peer in bench:gateway). Subgraph URLs as the composed ones, PORT to listen on. */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { SUPERGRAPH_FILE } from '../bin/system.js';

const hive = createGatewayRuntime({
  supergraph: readFileSync(SUPERGRAPH_FILE, 'utf8'),
  logging: false,
  graphqlEndpoint: '/graphql',
  // The benchmark client sends a pre-signed identity; Hive forwards it (TracSeq's gateway signs its own).
  propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ 'x-tracseq-identity': request.headers.get('x-tracseq-identity') }) },
});
http.createServer(hive).listen(Number(process.env.PORT ?? 4100), '127.0.0.1', () => console.log('hive gateway listening'));
