import { listDeadLetters } from '../event-store/dead-letters.js';
import type { EventConsumer } from '../event-store/projection.js';
import { eventStoreMigrations } from '../event-store/schema.js';
import { createPool } from '../platform/database.js';
import { runMigrations, type MigrationSet } from '../event-store/migrations.js';
import type { Runtime } from '../platform/runtime.js';
import { followRebuild } from './cli/follow-rebuild.js';
import { progress, type Progress, type ProgressOutput } from './cli/progress.js';
import { table } from './cli/table.js';

/** Where a command reports: results on `print` (stdout), progress on `progress` (stderr). */
export interface CommandOutput {
  print(text: string): void;
  progress?: ProgressOutput;
}

export const consoleOutput: CommandOutput = { print: (text) => console.log(text) };

/** A progress bar made on the first report, when the total is known. */
const lazyProgress = (label: string, unit: string, out?: ProgressOutput) => {
  let bar: Progress | null = null;
  return {
    report(done: number, total: number) {
      bar ??= progress({ label, total, unit, out });
      bar.update(done);
    },
    finish: () => bar?.finish(),
  };
};

/** The first meaningful line of a migration step, for `migrate`'s list. */
const summary = (step: string): string =>
  (step.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('--')) ?? '').replace(/\s*\($/, '').replace(/;$/, '');

/** Applies what is missing and lists it (module, step, first line), or says nothing was due. */
export const migrate = async (databaseUrl: string, modules: readonly MigrationSet[], out: CommandOutput = consoleOutput): Promise<number> => {
  const pool = createPool(databaseUrl, 1);
  try {
    const sets = [eventStoreMigrations, ...modules];
    const applied = await runMigrations(pool, sets);
    const total = sets.reduce((n, set) => n + set.steps.length, 0);
    if (applied.length === 0) {
      out.print(`database is up to date (${total} migrations applied before)`);
      return 0;
    }
    const stepOf = (module: string, step: number) => sets.find((set) => set.module === module)!.steps[step]!;
    out.print(table(['MODULE', 'STEP', 'WHAT'], applied.map((a) => [a.module, a.step, summary(stepOf(a.module, a.step))])));
    out.print(`applied ${applied.length} of ${total} migrations`);
    return applied.length;
  } finally {
    await pool.end();
  }
};

/**
 * `rebuild <projection>`: on the postgres bus, empties and rewinds it, then follows its runner with
 * progress; on Kafka, replays the log into it here, with progress. False when no runner moved it.
 */
export const rebuild = async (runtime: Runtime, projection: EventConsumer, out: CommandOutput = consoleOutput, options: { stallMs?: number } = {}): Promise<boolean> => {
  const bar = lazyProgress(`rebuild ${projection.name}`, 'events', out.progress);
  const { replayed } = await runtime.bus.rebuild(runtime.db, projection, bar.report);
  if (replayed !== null) {
    bar.finish();
    out.print(`${projection.name}: rebuilt from the event store (${replayed} events); Kafka delivers the rest`);
    return true;
  }
  out.print(`${projection.name}: emptied and rewound; its runner replays the log now`);
  return followRebuild(runtime.pool, projection.name, { out: out.progress, stallMs: options.stallMs });
};

/** `dead-letters replay <projection>`: applies its dead letters again, with progress. Returns how many still fail. */
export const replay = async (runtime: Runtime, projection: EventConsumer, out: CommandOutput = consoleOutput): Promise<number> => {
  const kafka = runtime.bus.kind === 'kafka';
  const bar = lazyProgress(`replay ${projection.name}`, kafka ? 'dead-letter messages' : 'dead letters', out.progress);
  const result = await runtime.bus.replayDeadLetters(runtime.db, projection, bar.report);
  bar.finish();
  out.print(kafka ? `replayed ${result.replayed}, not pending ${result.skipped}, still failing ${result.failed}` : `replayed ${result.replayed}, still failing ${result.failed}`);
  return result.failed;
};

/** `dead-letters`: what every consumer gave up on, as a table. */
export const listDeadLettersTable = async (runtime: Pick<Runtime, 'db'>, out: CommandOutput = consoleOutput): Promise<void> => {
  const letters = await listDeadLetters(runtime.db);
  if (letters.length === 0) out.print('no dead letters');
  else out.print(table(['ID', 'CONSUMER', 'EVENT', 'SINCE', 'ERROR'], letters.map((l) => [l.id, l.consumer, l.eventId, l.createdAt, l.error])));
};
