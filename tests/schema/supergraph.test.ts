import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
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
