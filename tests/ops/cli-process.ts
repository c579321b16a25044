import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the text has appeared on stdout or stderr; rejects if the process ends first. */
  printed(text: string | RegExp): Promise<void>;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** bin/tracseq.ts as an operator runs it: a real process, its own environment, its output captured. */
export const runCli = (args: string[], env: Record<string, string>): CliRun => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/tracseq.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((check) => check());
  child.stdout!.on('data', (chunk) => ((stdout += String(chunk)), changed()));
  child.stderr!.on('data', (chunk) => ((stderr += String(chunk)), changed()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return {
    child,
    output: () => ({ stdout, stderr }),
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          const all = stdout + stderr;
          if (typeof text === 'string' ? all.includes(text) : text.test(all)) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
        void exited.then(({ code }) => {
          if (waiters.has(check)) reject(new Error(`tracseq ${args.join(' ')} exited (${code}) before printing ${text}:\n${stdout}\n${stderr}`));
        });
      }),
    exited,
  };
};
