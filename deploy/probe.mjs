#!/usr/bin/env node
// @ts-check
/**
 * Health probe for containers: needs nothing but Node (the runtime image has no wget or curl).
 * Plain JavaScript on purpose: Docker and Kubernetes run it every few seconds, and loading the
 * TypeScript loader for each run would cost more than the check itself.
 *
 *   node deploy/probe.mjs                    GET http://127.0.0.1:$PORT/ready (PORT default 4000)
 *   node deploy/probe.mjs <url>              GET <url>; healthy on 2xx
 *   node deploy/probe.mjs --database         SELECT 1 on DATABASE_URL (roles without an HTTP port)
 *
 * Exits 0 when healthy, 1 otherwise (with the reason on stderr), and never waits longer than
 * PROBE_TIMEOUT_MS (default 3000), so a hung service reads as unhealthy instead of a hung probe.
 */
const timeoutMs = Number(process.env.PROBE_TIMEOUT_MS || 3000);
const target = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT || 4000}/ready`;

/** @param {string} reason */
const unhealthy = (reason) => {
  process.stderr.write(`unhealthy: ${reason}\n`);
  process.exit(1);
};

const probeHttp = async (/** @type {string} */ url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) unhealthy(`${url} answered ${response.status}`);
};

const probeDatabase = async () => {
  const url = process.env.DATABASE_URL;
  if (!url) return unhealthy('DATABASE_URL is not set');
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'tracseq-probe' });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
};

// Belt and braces: a DNS lookup or TCP connect that ignores the abort signal still ends the probe.
setTimeout(() => unhealthy(`no answer within ${timeoutMs} ms`), timeoutMs + 500).unref();

try {
  await (target === '--database' ? probeDatabase() : probeHttp(target));
  process.exit(0);
} catch (error) {
  unhealthy(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
