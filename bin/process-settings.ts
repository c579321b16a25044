import type { Config } from '../platform/config.js';

/**
 * Settings that libraries read from the process environment rather than from options, applied once
 * by the process entry (bin/tracseq.ts) before anything is constructed, so library code never
 * writes process.env.
 */
export const applyProcessSettings = (config: Pick<Config, 'apolloTelemetry'>, env: NodeJS.ProcessEnv = process.env): void => {
  // @apollo/gateway reads this in its constructor: unless an operator opted in, no usage metrics go
  // to Apollo and no cloud metadata endpoint is probed to describe the host.
  if (!config.apolloTelemetry) env.APOLLO_TELEMETRY_DISABLED = 'true';
};
