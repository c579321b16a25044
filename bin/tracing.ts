/**
 * Preload for every process entry: `node --import tsx --import ./bin/tracing.ts bin/tracseq.ts ...`.
 * OpenTelemetry has to patch pg, kafkajs, http and undici before the app imports them, which in ESM
 * means before the entry module is even loaded. Does nothing unless an exporter is configured.
 */
import { startTracing } from '../platform/tracing/tracing.js';

await startTracing();
