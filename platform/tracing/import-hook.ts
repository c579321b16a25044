import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

/**
 * ESM modules are instrumented through Node's loader hooks (import-in-the-middle); require() hooks
 * never see `import`. The hook wraps only the modules an instrumentation asked for (pg, kafkajs,
 * http, ...), not every file tsx compiles: wrapping all of them is where import-in-the-middle breaks.
 * Call before the SDK starts; await the result before any app module is imported.
 */
export const registerImportHook = (): (() => Promise<void>) => {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  return waitForAllMessagesAcknowledged;
};
