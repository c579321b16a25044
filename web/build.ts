import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';

const WEB = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(WEB, '..');

/** Where the gateway serves the pages from (gateway/use-web-pages.ts). */
export const WEB_DIST = path.join(WEB, 'dist');
export const BOARD_MANIFEST = path.join(ROOT, 'schema', 'persisted-queries', 'board.json');

export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface Manifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

/**
 * The board's operations as an Apollo persisted query manifest: one entry per named operation in
 * web/board/*.graphql, its body the printed operation (so whitespace and comments do not change
 * an id), its id the sha256 of that body.
 */
export const boardManifest = (sourceDir = path.join(WEB, 'board')): Manifest => {
  const operations: ManifestOperation[] = [];
  for (const file of readdirSync(sourceDir).filter((name) => name.endsWith('.graphql')).sort()) {
    const document = parse(readFileSync(path.join(sourceDir, file), 'utf8'));
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.name) {
        throw new Error(`${file}: the board's operations must be named and self-contained (no fragments)`);
      }
      const body = print(definition as OperationDefinitionNode);
      operations.push({ id: createHash('sha256').update(body).digest('hex'), name: definition.name.value, type: definition.operation, body });
    }
  }
  const names = new Set(operations.map((operation) => operation.name));
  if (names.size !== operations.length) throw new Error('two board operations share a name');
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
};

export const manifestText = (manifest: Manifest): string => `${JSON.stringify(manifest, null, 2)}\n`;

const writeIfChanged = (file: string, text: string) => {
  let current: string | null = null;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = null;
  }
  // The gateway watches the manifest folder: rewriting an unchanged file would reload it for nothing.
  if (current !== text) writeFileSync(file, text);
};

/**
 * Builds both pages into `outDir` (every asset bundled, nothing fetched at run time) and writes the
 * board's manifest. esbuild only: a few seconds, so tests and `npm start` can run it each time.
 */
export const buildWeb = async (options: { outDir?: string; manifestFile?: string } = {}): Promise<void> => {
  const outDir = options.outDir ?? WEB_DIST;
  const manifest = boardManifest();
  writeIfChanged(options.manifestFile ?? BOARD_MANIFEST, manifestText(manifest));
  const operations = Object.fromEntries(manifest.operations.map((operation) => [operation.name, operation.id]));
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    // Fonts and icons inline: the pages load nothing but their own two files.
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
    define: { 'process.env.NODE_ENV': '"production"' },
  } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: { board: path.join(WEB, 'board', 'main.ts') },
      outdir: path.join(outDir, 'board'),
      define: { ...common.define, __BOARD_OPERATIONS__: JSON.stringify(operations) },
    }),
    build({
      ...common,
      entryPoints: { graphiql: path.join(WEB, 'graphiql', 'main.tsx') },
      outdir: path.join(outDir, 'graphiql'),
      jsx: 'automatic',
    }),
  ]);
  for (const page of ['board', 'graphiql']) {
    mkdirSync(path.join(outDir, page), { recursive: true });
    copyFileSync(path.join(WEB, page, 'index.html'), path.join(outDir, page, 'index.html'));
  }
  copyFileSync(path.join(WEB, 'board', 'board.css'), path.join(outDir, 'board', 'board.css'));
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await buildWeb();
  console.log(`web pages built in ${Date.now() - started} ms → ${path.relative(process.cwd(), WEB_DIST)}`);
}
