/** Where progress goes: a terminal gets one line redrawn in place, anything else a line per update. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** How far the work has come (absolute, not an increment). */
  update(done: number): void;
  /** Ends the line with the total time and average rate. */
  finish(note?: string): void;
}

const duration = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

const rateOf = (done: number, seconds: number) => (seconds > 0 ? Math.round(done / seconds) : 0);

/**
 * Progress with rate and ETA: `rebuild samples-read-model: 1200/5000 events (24%), 850/s, ETA 4s`.
 * Off a terminal (CI, a log file) it prints at most one line per `everyMs` so logs stay short.
 */
export const progress = (options: {
  label: string;
  total: number;
  /** @default 'items' */
  unit?: string;
  /** @default process.stderr */
  out?: ProgressOutput;
  /** @default Date.now */
  now?: () => number;
  /** Off a terminal, the least time between two lines. @default 2000 */
  everyMs?: number;
}): Progress => {
  const out = options.out ?? process.stderr;
  const now = options.now ?? Date.now;
  const unit = options.unit ?? 'items';
  const everyMs = options.everyMs ?? 2000;
  const started = now();
  let done = 0;
  let printedAt = -Infinity;
  const line = () => {
    const seconds = (now() - started) / 1000;
    const rate = rateOf(done, seconds);
    const percent = options.total > 0 ? Math.min(100, Math.floor((done / options.total) * 100)) : 100;
    const eta = rate > 0 ? duration((options.total - done) / rate) : '?';
    return `${options.label}: ${done}/${options.total} ${unit} (${percent}%), ${rate}/s, ETA ${eta}`;
  };
  return {
    update(value) {
      done = value;
      if (out.isTTY) {
        out.write(`\r${line()}\x1b[K`);
        return;
      }
      if (now() - printedAt < everyMs && done < options.total) return;
      printedAt = now();
      out.write(`${line()}\n`);
    },
    finish(note) {
      const seconds = (now() - started) / 1000;
      out.write(`${out.isTTY ? '\r\x1b[K' : ''}${options.label}: ${done} ${unit} in ${duration(seconds)} (${rateOf(done, seconds)}/s)${note ? `, ${note}` : ''}\n`);
    },
  };
};
