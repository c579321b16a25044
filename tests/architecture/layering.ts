import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The folders the layering rules are about (.dependency-cruiser.cjs). */
export const LAYERED = ['event-store', 'platform', 'subgraphs', 'sagas', 'gateway', 'bin'];

/** Every import that breaks a rule of .dependency-cruiser.cjs, as `rule: from → to`. */
export const layeringViolations = async (): Promise<string[]> => {
  const options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));
  const { output } = await cruise(LAYERED, { ...options, baseDir: ROOT, outputType: 'json' }, undefined, { tsConfig });
  const result = (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
};
