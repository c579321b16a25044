import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateResolverTypes, generatedPathOf } from '../../schema/codegen-resolvers.js';
import { SUBGRAPHS } from '../../schema/subgraphs.js';

describe('generated resolver types', () => {
  it.each(SUBGRAPHS.map((s) => [s.name, s.sdl] as const))('%s: the committed types match its SDL (run npm run codegen after editing a schema)', async (name, sdl) => {
    const committed = readFileSync(generatedPathOf(sdl), 'utf8');
    expect(committed === (await generateResolverTypes(name, sdl))).toBe(true);
  });
});
