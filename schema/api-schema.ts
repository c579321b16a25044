import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { printSchema } from 'graphql';
import { SUPERGRAPH_PATH } from './compose.js';

export const API_SCHEMA_PATH = fileURLToPath(new URL('api.graphql', import.meta.url));

const HEADER = `# TracSeq's client-facing GraphQL schema: what the gateway serves at /graphql, without federation
# internals (no join or link directives, no entity lookups). Generated from supergraph.graphql by schema/api-schema.ts
# (\`npm run compose\` or \`npm run schema:api\`); do not edit. Frontend tooling: graphql.config.yml.
`;

/** The schema clients see: the supergraph's API schema, as the gateway derives it, printed. */
export const apiSchemaOf = (supergraphSdl: string): string => HEADER + '\n' + printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema()) + '\n';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(API_SCHEMA_PATH, apiSchemaOf(readFileSync(SUPERGRAPH_PATH, 'utf8')));
  console.log(`wrote ${API_SCHEMA_PATH}`);
}
