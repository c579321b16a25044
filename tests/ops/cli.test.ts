import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progress } from '../../bin/cli/progress.js';
import { importSamplesFile } from '../../bin/import-samples.js';
import { listDeadLettersTable, migrate, rebuild, replay } from '../../bin/maintenance-commands.js';
import { ALL_MIGRATIONS, SUBGRAPH_MODULES } from '../../bin/subgraphs.js';
import { table } from '../../bin/cli/table.js';
import { createTestDatabase } from '../support/database.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { runCli } from './cli-process.js';

describe('progress and tables', () => {
  it('reports done, total, percent, rate and ETA, one line per update off a terminal', () => {
    let clock = 0;
    const lines: string[] = [];
    const bar = progress({ label: 'rebuild samples-read-model', total: 5000, unit: 'events', out: { write: (text) => lines.push(text) }, now: () => clock, everyMs: 0 });
    clock = 2000;
    bar.update(1000);
    clock = 4000;
    bar.update(2000);
    clock = 10_000;
    bar.update(5000);
    bar.finish('caught up');
    expect(lines).toEqual([
      'rebuild samples-read-model: 1000/5000 events (20%), 500/s, ETA 8s\n',
      'rebuild samples-read-model: 2000/5000 events (40%), 500/s, ETA 6s\n',
      'rebuild samples-read-model: 5000/5000 events (100%), 500/s, ETA 0s\n',
      'rebuild samples-read-model: 5000 events in 10s (500/s), caught up\n',
    ]);
  });

  it('redraws one line on a terminal and keeps log output short elsewhere', () => {
    let clock = 0;
    const tty: string[] = [];
    const onTerminal = progress({ label: 'import', total: 10, unit: 'rows', out: { write: (text) => tty.push(text), isTTY: true }, now: () => clock });
    const logged: string[] = [];
    const offTerminal = progress({ label: 'import', total: 10, unit: 'rows', out: { write: (text) => logged.push(text) }, now: () => clock, everyMs: 2000 });
    for (let done = 1; done <= 10; done++) {
      clock = done * 100;
      onTerminal.update(done);
      offTerminal.update(done);
    }
    expect(tty).toHaveLength(10);
    expect(tty.every((text) => text.startsWith('\r') && !text.includes('\n'))).toBe(true);
    // The first update, then none within 2 s, then the last one.
    expect(logged).toEqual(['import: 1/10 rows (10%), 10/s, ETA 1s\n', 'import: 10/10 rows (100%), 10/s, ETA 0s\n']);
  });

  it('prints a header, a rule and one line per row, long cells cut', () => {
    const text = table(['ID', 'ERROR'], [[1, 'short'], [22, `line one\nline two ${'x'.repeat(100)}`]], { maxWidth: 30 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('ID  ERROR');
    expect(lines[1]).toBe(`--  ${'-'.repeat(30)}`);
    expect(lines[2]).toBe('1   short');
    expect(lines[3]).toMatch(/^22 {2}line one line two x+…$/);
    expect(lines).toHaveLength(4);
  });
});

/** Collects what a command prints: results and progress apart, as stdout and stderr are. */
const captured = () => {
  const printed: string[] = [];
  const progressed: string[] = [];
  return { printed, progressed, out: { print: (text: string) => printed.push(text), progress: { write: (text: string) => progressed.push(text) } } };
};

describe('migrate (the real command line)', () => {
  it('lists each migration it applied, then says the database is up to date', async () => {
    const databaseUrl = await createTestDatabase();
    const first = await runCli(['migrate'], { DATABASE_URL: databaseUrl }).exited;
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^MODULE\s+STEP\s+WHAT$/);
    expect(lines.some((line) => /^event-store\s+0\s+CREATE /.test(line))).toBe(true);
    const applied = Number(/applied (\d+) of (\d+) migrations/.exec(first.stdout)?.[1]);
    expect(applied).toBeGreaterThan(5);
    expect(lines).toHaveLength(applied + 3);

    const again = captured();
    expect(await migrate(databaseUrl, ALL_MIGRATIONS, again.out)).toBe(0);
    expect(again.printed).toEqual([`database is up to date (${applied} migrations applied before)`]);
  });
});

describe('maintenance commands against a running system', () => {
  let system: TestSystem;
  const projection = (name: string) => SUBGRAPH_MODULES.flatMap((m) => m.create(system.runtime).projections).find((p) => p.name === name)!;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(() => system?.stop());

  it('import-samples imports a large CSV in chunks with progress and reports refused rows by their row in the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tracseq-import-'));
    const file = path.join(dir, 'samples.csv');
    const rows = Array.from({ length: 25 }, (_, i) => `CLI-${String(i + 1).padStart(3, '0')},${i === 16 ? 'NOT_A_TYPE' : 'DNA'},CLI`);
    writeFileSync(file, `barcode,sampleType,projectCode\n${rows.join('\n')}\n`);
    const io = captured();
    const result = await importSamplesFile({ file, gatewayUrl: system.gatewayUrl, headers: {}, chunkRows: 10, out: io.out.progress, report: io.out.print });
    expect(result).toEqual({ imported: 24, failed: 1 });
    const progressed = io.progressed.join('');
    expect(progressed).toContain(`import ${file}: 10/25 rows (40%)`);
    expect(progressed).toMatch(/: 25 rows in \d+\w+ \(\d+\/s\), 24 imported, 1 refused\n$/);
    const report = io.printed.join('\n').split('\n');
    expect(report[0]).toMatch(/^ROW\s+BARCODE\s+ERROR$/);
    expect(report[2]).toMatch(/^17\s+CLI-017\s+\S/);
    expect(report).toHaveLength(3);
    const { rows: stored } = await system.runtime.pool.query(`SELECT count(*)::int AS n FROM es.events WHERE event_type = 'SampleRegistered'`);
    expect(stored[0].n).toBe(24);
  });

  it('rebuild follows the runner through the log with progress until it has caught up', async () => {
    const io = captured();
    expect(await rebuild(system.runtime, projection('samples-read-model'), io.out)).toBe(true);
    expect(io.printed).toEqual(['samples-read-model: emptied and rewound; its runner replays the log now']);
    expect(io.progressed.join('')).toMatch(/rebuild samples-read-model: \d+ events in \d+\w+ \(\d+\/s\), caught up\n$/);
    const { rows } = await system.runtime.pool.query(`SELECT count(*)::int AS n FROM samples_read.samples WHERE project_code = 'CLI'`);
    expect(rows[0].n).toBe(24);
  });

  it('dead-letters lists a table with headers, and replay shows progress and the outcome', async () => {
    const { rows } = await system.runtime.pool.query(`SELECT event_id, global_position FROM es.events WHERE event_type = 'SampleRegistered' ORDER BY global_position LIMIT 2`);
    for (const row of rows) {
      await system.runtime.pool.query(`INSERT INTO es.dead_letters (consumer, event_id, global_position, error) VALUES ('samples-read-model', $1, $2, 'column "x" does not exist\nat line 2')`, [row.event_id, row.global_position]);
    }
    const listed = captured();
    await listDeadLettersTable(system.runtime, listed.out);
    const lines = listed.printed.join('\n').split('\n');
    expect(lines[0]).toMatch(/^ID\s+CONSUMER\s+EVENT\s+SINCE\s+ERROR$/);
    expect(lines[1]).toMatch(/^-+( +-+){4}$/);
    expect(lines[2]).toMatch(new RegExp(`^\\d+\\s+samples-read-model\\s+${rows[0].event_id}\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+column "x" does not exist at line 2$`));
    expect(lines).toHaveLength(4);

    const replayed = captured();
    expect(await replay(system.runtime, projection('samples-read-model'), replayed.out)).toBe(0);
    expect(replayed.progressed.join('')).toContain('replay samples-read-model: 2/2 dead letters (100%)');
    expect(replayed.printed).toEqual(['replayed 2, still failing 0']);
    const after = captured();
    await listDeadLettersTable(system.runtime, after.out);
    expect(after.printed).toEqual(['no dead letters']);
  });
});
