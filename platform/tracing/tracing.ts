import { isMainThread } from 'node:worker_threads';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { tracingRequested } from './settings.js';
import type { TracingOptions } from './sdk.js';

let running: NodeSDK | null = null;

/**
 * Starts tracing if an exporter is configured (see settings.ts), else does nothing and loads no SDK
 * code. Must run before the modules it instruments are imported: bin/tracing.ts does it as a
 * `--import` preload; a test does it before importing the system.
 */
export const startTracing = async (options: TracingOptions & { force?: boolean } = {}): Promise<boolean> => {
  if (running || !isMainThread) return running !== null;
  if (!options.force && !tracingRequested()) return false;
  const { registerImportHook } = await import('./import-hook.js');
  const acknowledged = registerImportHook();
  const { startSdk } = await import('./sdk.js');
  running = startSdk(options);
  await acknowledged();
  return true;
};

/** Sends what is buffered and stops; the process entry calls this on its way out. */
export const stopTracing = async (): Promise<void> => {
  const sdk = running;
  running = null;
  await sdk?.shutdown().catch(() => undefined);
};
