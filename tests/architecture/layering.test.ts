import { describe, expect, it } from 'vitest';
import { layeringViolations } from './layering.js';

describe('layering (.dependency-cruiser.cjs, also `npm run lint:deps`)', () => {
  it('has no import that breaks a rule: event-store imports nothing of ours, contexts share only published event types, no cycles between top-level folders', async () => {
    expect(await layeringViolations()).toEqual([]);
  });
});
