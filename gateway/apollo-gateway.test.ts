import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('@apollo/gateway as the gateway process loads it', () => {
  // In a fresh process, as deployed: the test runner's own module cache may hold @apollo/gateway already.
  it('reads @apollo/federation-internals through plain properties, not re-export getters', async () => {
    const script = `
      import { createRequire } from 'node:module';
      await import('./gateway/gateway.ts');
      const { federationExportsFlattened, ApolloGateway } = await import('./gateway/apollo-gateway.ts');
      const require = createRequire(import.meta.url);
      const internals = require('@apollo/federation-internals');
      const descriptor = Object.getOwnPropertyDescriptor(internals, 'isListType');
      console.log(JSON.stringify({ federationExportsFlattened, plain: 'value' in descriptor, gateway: typeof ApolloGateway, same: internals.isListType === require('@apollo/federation-internals/dist/definitions').isListType }));`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ federationExportsFlattened: true, plain: true, gateway: 'function', same: true });
  }, 30_000);
});
