import { existsSync } from 'node:fs';

/** Debian's chromium: playwright-core drives it; no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

export const CHROMIUM_MISSING = `${CHROMIUM} is missing. Install Debian's chromium (apt-get install chromium); .ci/run does.`;
