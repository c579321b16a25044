import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';

export const root = new URL('../../../', import.meta.url);
export const readRepoFile = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/**
 * What the base image ships, as far as these checks rely on it. node:20-bookworm-slim has Node,
 * npm, npx and corepack plus Debian's essential packages (a shell, coreutils), and notably neither
 * wget nor curl: the reason the old health checks never passed.
 */
const BASE_IMAGE_TOOLS: Record<string, readonly string[]> = {
  'node:20-bookworm-slim': ['node', 'npm', 'npx', 'corepack', 'sh', 'bash', 'sleep', 'cat', 'ls', 'apt-get', 'rm', 'mkdir', 'chown'],
};
/** Binaries a Debian package installs, for the packages the Dockerfile may add. */
const DEBIAN_PACKAGE_TOOLS: Record<string, readonly string[]> = { tini: ['tini'] };

export interface Stage {
  name: string;
  from: string;
  workdir: string;
  user: string;
  /** Executables available in this stage. */
  tools: Set<string>;
  /** Absolute paths copied into the stage (files or folders). */
  paths: Set<string>;
  env: Record<string, string>;
  expose: number[];
  healthcheck: string[] | null;
  entrypoint: string[];
  cmd: string[];
}

/** Joins continuation lines and drops comments: one Dockerfile instruction per entry. */
const instructions = (source: string): Array<{ op: string; args: string }> => {
  const joined = source.split('\n').filter((line) => !/^\s*#/.test(line)).join('\n').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
};

const execForm = (args: string): string[] => JSON.parse(args) as string[];

/** Reads the Dockerfile into its stages, following ARGs, COPY --from and apt-get installs. */
export const parseDockerfile = (source = readRepoFile('Dockerfile')): Stage[] => {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  const resolve = (path: string) => posix.resolve(stage!.workdir, path);
  for (const { op, args: rest } of instructions(source)) {
    if (op === 'ARG' && !stage) {
      const [name, value = ''] = rest.split('=');
      args[name!] = value;
    } else if (op === 'FROM') {
      const [image, , name] = rest.replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg] ?? '').split(/\s+/);
      const parent = stages.find((s) => s.name === image);
      const baseTools = parent ? [...parent.tools] : BASE_IMAGE_TOOLS[image!];
      if (!baseTools) throw new Error(`unknown base image ${image}: tell tests/ops/support/image.ts what it contains`);
      stage = { name: name ?? image!, from: image!, workdir: '/', user: 'root', tools: new Set(baseTools), paths: new Set(parent?.paths ?? []), env: {}, expose: [], healthcheck: null, entrypoint: [], cmd: [] };
      stages.push(stage);
    } else if (!stage) {
      throw new Error(`${op} before FROM`);
    } else if (op === 'WORKDIR') {
      stage.workdir = resolve(rest);
    } else if (op === 'USER') {
      stage.user = rest;
    } else if (op === 'ENV') {
      for (const match of rest.matchAll(/(\w+)=(\S+)/g)) stage.env[match[1]!] = match[2]!;
    } else if (op === 'EXPOSE') {
      stage.expose.push(...rest.split(/\s+/).map(Number));
    } else if (op === 'HEALTHCHECK') {
      const cmd = rest.match(/CMD\s+(\[.*\])$/);
      stage.healthcheck = cmd ? execForm(cmd[1]!) : null;
    } else if (op === 'ENTRYPOINT') {
      stage.entrypoint = execForm(rest);
    } else if (op === 'CMD') {
      stage.cmd = execForm(rest);
    } else if (op === 'COPY') {
      const parts = rest.split(/\s+/).filter((p) => !p.startsWith('--chown'));
      const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : null;
      const destination = parts.pop()!;
      const fromStage = from ? stages.find((s) => s.name === from) : null;
      if (from && !fromStage) throw new Error(`COPY --from=${from}: no such stage`);
      for (const source of parts) {
        if (fromStage ? !stageHas(fromStage, source) : source !== '.' && (!existsSync(new URL(source, root)) || isDockerIgnored(source))) {
          throw new Error(`COPY ${source}: not in ${from ?? 'the build context'}`);
        }
        // `COPY . .` brings the build context; `COPY a b ./` keeps names; `COPY x ./y` renames.
        if (source === '.') {
          for (const entry of contextEntries()) stage.paths.add(resolve(posix.join(destination, entry)));
        } else {
          const target = parts.length === 1 && !destination.endsWith('/') ? destination : posix.join(destination, posix.basename(source));
          stage.paths.add(resolve(target));
        }
      }
    } else if (op === 'RUN') {
      for (const install of rest.matchAll(/apt-get install ([^&;]+)/g)) {
        for (const pkg of install[1]!.split(/\s+/).filter((word) => word && !word.startsWith('-'))) {
          const tools = DEBIAN_PACKAGE_TOOLS[pkg];
          if (!tools) throw new Error(`apt package ${pkg}: tell tests/ops/support/image.ts which binaries it installs`);
          for (const tool of tools) stage.tools.add(tool);
        }
      }
      for (const dir of rest.matchAll(/mkdir -p (\S+)/g)) stage.paths.add(resolve(dir[1]!));
      if (/\bnpm (ci|install)\b/.test(rest)) stage.paths.add(resolve('node_modules'));
    }
  }
  return stages;
};

/** Patterns of .dockerignore: a path they match never reaches the build. */
const dockerIgnored = (): RegExp[] =>
  readRepoFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((pattern) => new RegExp(`^${pattern.replace(/\/$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`));

export const isDockerIgnored = (path: string): boolean => dockerIgnored().some((pattern) => pattern.test(path));

/** Top-level entries of the build context (the repository less .dockerignore). */
const contextEntries = (): string[] => readdirSync(root).filter((entry) => !isDockerIgnored(entry));

/** The last stage: what `docker run` gets. */
export const runtimeStage = (): Stage => parseDockerfile().at(-1)!;

/** Whether a path inside the image exists in the stage: copied itself or inside a copied folder. */
export const stageHas = (stage: Stage, path: string): boolean => {
  const absolute = posix.resolve(stage.workdir, path);
  return [...stage.paths].some((copied) => absolute === copied || absolute.startsWith(`${copied}/`));
};

/** Whether an in-image path under WORKDIR maps to a file in the repository (so the copy is real). */
export const repoHasFile = (path: string): boolean => existsSync(new URL(path, root)) && statSync(new URL(path, root)).isFile();
