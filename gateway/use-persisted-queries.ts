import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../platform/logger.js';

export interface ManifestOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/**
 * Partner safelists: every `*.json` under `dir` in Apollo's persisted query manifest format
 * ({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id, name, type, body }] }),
 * reloaded when the files change. A bad file is logged and skipped; the others stay in force.
 * @param dir PERSISTED_QUERIES_DIR, default schema/persisted-queries
 */
export const usePersistedQueries = (dir: string, logger?: Logger) => {
  let operations = new Map<string, ManifestOperation>();
  const load = () => {
    const next = new Map<string, ManifestOperation>();
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    } catch {
      files = [];
    }
    for (const file of files) {
      try {
        const manifest = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { format?: string; version?: number; operations?: ManifestOperation[] };
        if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
          throw new Error('not an apollo-persisted-query-manifest, version 1');
        }
        // Checked before any is taken: a file with one bad operation is skipped whole, not in part.
        if (!manifest.operations.every((operation) => typeof operation.id === 'string' && typeof operation.body === 'string')) {
          throw new Error('every operation needs an id and a body');
        }
        for (const operation of manifest.operations) next.set(operation.id, operation);
      } catch (error) {
        logger?.error({ file, err: error }, 'persisted query manifest skipped');
      }
    }
    operations = next;
  };
  load();
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  try {
    watcher = watch(dir, () => {
      // Editors write files in several steps: reload once things settle.
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, 50);
    });
  } catch {
    watcher = null;
  }
  return {
    byId: (id: string) => operations.get(id),
    get size() {
      return operations.size;
    },
    reload: load,
    close() {
      watcher?.close();
      if (timer) clearTimeout(timer);
    },
  };
};
