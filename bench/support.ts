import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../platform/free-port.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../platform/embedded-postgres.js';

/**
 * BENCH_PG_STATEMENTS=1: the bench server keeps per-statement statistics (pg_stat_statements) and a
 * bench prints where PostgreSQL's time went (`statementProfile`). Off by default: it costs a little.
 */
export const statementStatistics = process.env.BENCH_PG_STATEMENTS === '1';

/** A throwaway embedded PostgreSQL with its durability defaults (fsync, synchronous_commit) untouched. */
/**
 * @param options.commitTimestamps PostgreSQL records each transaction's commit time
 *   (track_commit_timestamp), so a bench can split a latency at the commits along its path.
 */
export const benchPostgres = async (options: { commitTimestamps?: boolean } = {}): Promise<EmbeddedDatabase & { createDatabase(name: string): Promise<string>; postmaster: number | null }> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracseq-bench-'));
  fs.chmodSync(dataDir, 0o755);
  const flags = [
    ...(statementStatistics ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all', '-c', 'pg_stat_statements.track_planning=on'] : []),
    ...(options.commitTimestamps ? ['-c', 'track_commit_timestamp=on'] : []),
    // BENCH_PG_SETTINGS="auto_explain.log_min_duration=0 ...": extra server settings while investigating.
    ...(process.env.BENCH_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean).flatMap((setting) => ['-c', setting]),
  ];
  // BENCH_PG_LOG=<file>: the server's log (with BENCH_PG_SETTINGS' auto_explain plans, say) goes there.
  const logFile = process.env.BENCH_PG_LOG;
  const log = logFile ? (line: string) => fs.appendFileSync(logFile, `${line}\n`) : undefined;
  const database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, flags, log });
  const admin = database.url.replace(/\/tracseq$/, '/postgres');
  const settings = new pg.Client({ connectionString: admin });
  await settings.connect();
  const { rows } = await settings.query(`SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method')`);
  // The server's process, whose CPU (with its backends') postgresCpuSeconds sums.
  const postmaster = await postmasterOf(settings);
  await settings.end();
  console.log(`PostgreSQL durability: ${rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`);
  return {
    ...database,
    postmaster,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name}`);
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      const url = admin.replace(/\/postgres$/, `/${name}`);
      if (statementStatistics) {
        const inDatabase = new pg.Client({ connectionString: url });
        await inDatabase.connect();
        await inDatabase.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        await inDatabase.end();
      }
      return url;
    },
    async stop() {
      await database.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export interface Measured {
  events: number;
  seconds: number;
  latencies: number[];
}

/** Runs `writers` concurrent loops of `perWriter` calls each; records each call's latency in ms. */
export const measure = async (writers: number, perWriter: number, eventsPerCall: number, call: (writer: number, i: number) => Promise<unknown>): Promise<Measured> => {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let i = 0; i < perWriter; i++) {
        const t0 = performance.now();
        await call(writer, i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { events: writers * perWriter * eventsPerCall, seconds, latencies };
};

export const table = (header: string[], rows: Array<Array<string | number>>): string => {
  const lines = [header, header.map(() => '---'), ...rows.map((row) => row.map(String))];
  return lines.map((line) => `| ${line.join(' | ')} |`).join('\n');
};

/**
 * The V8 flags `npm start` (and the image) run services with: the bench measures what is deployed.
 * Peers get them too, so a comparison is between servers, not heap settings.
 */
export const SERVICE_V8_FLAGS: readonly string[] = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } })
  .scripts.start.split(/\s+/)
  .filter((word) => word.startsWith('--max-'));

/**
 * A TracSeq role (or another script) in its own Node process, as it would be deployed. With
 * BENCH_CPU_PROF=<dir> each profiled service writes a CPU profile there when it exits (NODE_OPTIONS
 * refuses --cpu-prof); a peer that is not ours passes `profile: false`.
 */
export const spawnService = (args: string[], env: NodeJS.ProcessEnv, { profile = true } = {}): ChildProcess => {
  const dir = process.env.BENCH_CPU_PROF;
  const flags = profile && dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  return spawn(process.execPath, [...SERVICE_V8_FLAGS, ...flags, '--import', 'tsx', ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
};

/** Waits until every URL answers 2xx (a /ready endpoint), at most a minute. */
export const waitReady = async (urls: string[]): Promise<void> => {
  const deadline = Date.now() + 60_000;
  for (const url of urls) {
    while (!(await fetch(url).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error(`${url} never became ready`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
};

/** USER_HZ: the clock ticks /proc counts CPU time in (100 on every Linux this runs on). */
const CLOCK_TICKS = 100;

/** A process's /proc stat fields after its parenthesised command (which may hold spaces): state is [0], ppid [1], utime [11], stime [12], cutime [13], cstime [14]. */
const procStat = (pid: number | string): string[] => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');

/**
 * CPU seconds (user + system) a process has used, with its reaped children's if `children`, from
 * /proc (Linux); NaN where there is none. On a shared 2-core machine throughput moves with the
 * neighbours' load, CPU per operation much less.
 */
export const cpuSeconds = (pid: number | undefined, { children = false } = {}): number => {
  try {
    const fields = procStat(pid!);
    return (children ? [11, 12, 13, 14] : [11, 12]).reduce((sum, i) => sum + Number(fields[i]), 0) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
};

/** The postmaster of the server `client` is connected to (its backend's parent); null without /proc. */
const postmasterOf = async (client: pg.Client): Promise<number | null> => {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  try {
    return Number(procStat(rows[0]!.pid)[1]);
  } catch {
    return null;
  }
};

/** The whole PostgreSQL server's CPU seconds: the postmaster, its exited backends (reaped children) and its live ones. */
export const postgresCpuSeconds = (postmaster: number | null): number => {
  if (postmaster === null) return Number.NaN;
  let total = cpuSeconds(postmaster, { children: true });
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = procStat(entry);
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // exited meanwhile: counted in the postmaster's children times
    }
  }
  return total;
};

/**
 * With BENCH_PG_STATEMENTS=1: the statements that took most of PostgreSQL's execution time since
 * `reset` was called, as a table (calls per unit of work, ms per unit). Without it, nothing.
 */
export const statementProfile = (client: pg.Client | pg.Pool) => ({
  async reset() {
    if (statementStatistics) await client.query('SELECT pg_stat_statements_reset()');
  },
  async print(label: string, units: number, unitName: string, top = Number(process.env.BENCH_PG_TOP ?? '15')) {
    if (!statementStatistics) return;
    const { rows } = await client.query(
      `SELECT calls, total_exec_time, total_plan_time, plans, rows, wal_bytes, regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY total_exec_time + total_plan_time DESC`,
    );
    const total = rows.reduce((sum, r) => sum + Number(r.total_exec_time) + Number(r.total_plan_time), 0);
    const calls = rows.reduce((sum, r) => sum + Number(r.calls), 0);
    const planning = rows.reduce((sum, r) => sum + Number(r.total_plan_time), 0);
    console.log(`\nPostgreSQL statements, ${label}: ${(calls / units).toFixed(0)} per ${unitName}, ${(total / units).toFixed(2)} ms planning and executing per ${unitName} (${(planning / units).toFixed(2)} planning)\n`);
    console.log(table(['calls per ' + unitName, 'ms per ' + unitName, 'of which planning', 'rows per call', 'WAL B per ' + unitName, 'statement'], rows.slice(0, top).map((r) => [
      (Number(r.calls) / units).toFixed(1),
      ((Number(r.total_exec_time) + Number(r.total_plan_time)) / units).toFixed(3),
      (Number(r.total_plan_time) / units).toFixed(3),
      (Number(r.rows) / Math.max(1, Number(r.calls))).toFixed(1),
      (Number(r.wal_bytes) / units).toFixed(0),
      String(r.query).slice(0, 140).replace(/\|/g, '\\|'),
    ])));
  },
});
