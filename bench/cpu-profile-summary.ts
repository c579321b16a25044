/**
 * Summarises V8 .cpuprofile files (node --cpu-prof) as two tables: the functions with the most
 * self time, and the most inclusive time (self plus callees, counted once per sample and stack).
 *   tsx bench/cpu-profile-summary.ts <file.cpuprofile>... [--top 25] [--skip 8 | --last 9]
 * --skip leaves out the first seconds of each profile (start-up: module loading, seeding); --last
 * keeps only its last seconds (a bench's timed run, ~1 s of shutdown after it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const top = option('--top', 25);
const skipSeconds = option('--skip', 0);
const lastSeconds = option('--last', 0);
const files = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));

/** `function (package/file:line)`, short enough for a table. */
const nameOf = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || '(anonymous)';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('node_modules/');
  const where = modules >= 0 ? file.slice(modules + 'node_modules/'.length) : path.relative(process.cwd(), file);
  return `${functionName || '(anonymous)'} (${where}:${lineNumber + 1})`;
};

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const length = profile.timeDeltas.reduce((sum, dt) => sum + dt, 0);
  const skipUs = lastSeconds > 0 ? length - lastSeconds * 1e6 : skipSeconds * 1e6;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < skipUs) return;
    total += dt;
    const node = byId.get(id)!;
    const name = nameOf(node);
    if (node.callFrame.functionName === '(idle)') idle += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
    const seen = new Set<string>();
    for (let frameId: number | undefined = id; frameId !== undefined; frameId = parent.get(frameId)) {
      const frame = nameOf(byId.get(frameId)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + dt);
    }
  });
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([name]) => !['(idle)', '(root)', '(program)'].includes(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `| ${pct(us)} | ${(us / 1000).toFixed(0)} | ${name} |`);
  console.log(`\n## ${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy\n`);
  console.log('### self time (share of busy time)\n\n| share | ms | function |\n| --- | --- | --- |');
  console.log(rows(self).join('\n'));
  console.log('\n### inclusive time\n\n| share | ms | function |\n| --- | --- | --- |');
  console.log(rows(inclusive).join('\n'));
}
