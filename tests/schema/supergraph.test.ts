import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { composeSupergraph, SUPERGRAPH_PATH } from '../../schema/compose.js';

const API_NAMES = {
  Query: ['sample', 'sampleByBarcode', 'samples'],
  Mutation: ['registerSample', 'receiveSample', 'validateSample', 'rejectSample', 'discardSample', 'archiveSample', 'importSamples'],
};

describe('the supergraph', () => {
  it('is up to date with the subgraph schemas (run `npm run compose`)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('serves every API.md name the samples subgraph owns', () => {
    const document = parse(readFileSync(SUPERGRAPH_PATH, 'utf8'));
    for (const [type, fields] of Object.entries(API_NAMES)) {
      const definition = document.definitions.find((d) => 'name' in d && d.name?.value === type);
      const names = definition && 'fields' in definition ? (definition.fields ?? []).map((f) => f.name.value) : [];
      expect(names).toEqual(expect.arrayContaining(fields));
    }
  });
});

describe('query plans', () => {
  const supergraph = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8'));
  const planner = new QueryPlanner(supergraph);
  /** The subgraphs a document's plan fetches from, in plan order. */
  const fetchesOf = (document: string): string[] => {
    const services: string[] = [];
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      if ((node as { kind?: string }).kind === 'Fetch') services.push((node as { serviceName: string }).serviceName);
      for (const value of Object.values(node)) if (value && typeof value === 'object') walk(value);
    };
    walk(planner.buildQueryPlan(operationFromDocument(supergraph.schema, parse(document))).node);
    return services;
  };

  it('answer an alert’s sample barcode from notifications alone (it provides the barcode), other sample fields from samples', () => {
    expect(fetchesOf('subscription { alertRaised { id message sample { id barcode } } }')).toEqual(['notifications']);
    expect(fetchesOf('{ alerts { edges { node { id sample { barcode } } } } }')).toEqual(['notifications']);
    expect(fetchesOf('{ alerts { edges { node { id sample { barcode status } } } } }')).toEqual(['notifications', 'samples']);
  });
});
