import { existsSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { readRepoFile, root } from './image.js';

const SKIP = new Set(['node_modules', '.data', '.git', 'tests', 'bench', 'examples', 'docs']);

/** Every .ts file of the server code (tests, benchmarks and examples left out). */
export const sourceFiles = (dir = ''): string[] =>
  readdirSync(new URL(dir || '.', root), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (SKIP.has(entry.name)) return [];
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });

/** Every environment variable the code reads (process.env.X, env.X and the `${NAME}_URL` lookups). */
export const variablesRead = (): Set<string> => {
  const names = new Set<string>();
  for (const file of sourceFiles()) for (const match of readRepoFile(file).matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
  for (const match of readRepoFile('schema/subgraphs.ts').matchAll(/name: '([a-z]+)'/g)) names.add(`${match[1]!.toUpperCase()}_URL`);
  // platform/config.ts names its variables in a schema; .env.example lists every one of them.
  for (const match of readRepoFile('.env.example').matchAll(/^([A-Z][A-Z0-9_]+)=/gm)) names.add(match[1]!);
  // deploy/probe.mjs is the health check inside the image.
  for (const match of readRepoFile('deploy/probe.mjs').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
  return names;
};

/** Value imports of a module (type-only imports are erased and need nothing at run time). */
const importsOf = (source: string): string[] => [
  ...[...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!),
  ...[...source.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1]!),
  ...[...source.matchAll(/^export\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!),
  ...[...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!),
];

const packageOf = (specifier: string): string | null => {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
};

/** The repository files and npm packages a program loads, following its imports from `entry`. */
export const reachableFrom = (entry: string): { files: Set<string>; packages: Set<string> } => {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of importsOf(readRepoFile(file))) {
      if (!specifier.startsWith('.')) {
        const pkg = packageOf(specifier);
        if (pkg) packages.add(pkg);
        continue;
      }
      const resolved = posix.join(posix.dirname(file), specifier);
      const candidates = [resolved.replace(/\.js$/, '.ts'), resolved];
      const found = candidates.find((candidate) => existsSync(new URL(candidate, root)));
      if (!found) throw new Error(`${file} imports ${specifier}, which does not exist`);
      visit(found);
    }
  };
  visit(entry);
  return { files, packages };
};

/** Stand-ins for the secrets a deployment injects (production refuses to start without them). */
export const INJECTED_SECRETS = { INTERNAL_SECRET: 'i'.repeat(32), JWT_SECRET: 'j'.repeat(32) } as const;

/**
 * An environment as the process would receive it once deployed: compose's `${NAME:-default}` is
 * interpolated from an empty shell (so the default applies), and a Kubernetes secret reference
 * (`<secret KEY>`) is left to the operator (the caller adds INJECTED_SECRETS), except the database URL.
 */
export const deployedEnv = (env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]): [string, string] => [name, value.replace(/\$\{[A-Z0-9_]+(?::?-([^}]*))?\}/g, (_all, fallback: string | undefined) => fallback ?? '')])
      .map(([name, value]): [string, string] => [name, /^<secret /.test(value) ? (name === 'DATABASE_URL' ? 'postgres://tracseq@postgres:5432/tracseq' : '') : value]),
  );
