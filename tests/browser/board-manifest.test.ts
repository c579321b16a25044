import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BOARD_MANIFEST, boardManifest, manifestText } from '../../web/build.js';

describe("the board's persisted-operation manifest", () => {
  it('is what web/board/*.graphql builds to (run npm run build:web after editing them)', () => {
    expect(readFileSync(BOARD_MANIFEST, 'utf8')).toBe(manifestText(boardManifest()));
  });

  it('names each operation by the sha256 of its body, as the gateway looks them up', () => {
    for (const operation of boardManifest().operations) {
      expect(operation.id).toBe(createHash('sha256').update(operation.body).digest('hex'));
    }
  });
});
