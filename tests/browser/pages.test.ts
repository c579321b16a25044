import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../bin/seed-demo.js';
import { SUPERGRAPH_FILE } from '../../bin/system.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { loadConfig } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { buildWeb } from '../../web/build.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { token } from '../support/tokens.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, wsClient } from '../support/ws.js';
import { chromiumAvailable, CHROMIUM_MISSING } from './chromium-availability.js';
import { launchBrowser, type TestBrowser } from './chromium.js';

const ARTIFACTS = path.resolve('test-artifacts');
/** The feature's promise: an excursion is on the wall screen within 2 s of the API answering. */
const EXCURSION_DEADLINE_MS = 2000;
/** How long a step may take on a busy machine before the test gives up (not a performance claim). */
const PATIENCE_MS = 30_000;

const runs = chromiumAvailable() || process.env.CI === 'true';
if (!runs) console.warn(`tests/browser skipped: ${CHROMIUM_MISSING}`);

describe.skipIf(!runs)('the lab board and the offline explorer, in Debian chromium', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  /** Pages load from 127.0.0.1: the gateway listens on IPv4, and that is loopback by any reading. */
  let origin: string;
  let board: Page;

  const freezerIds = async (): Promise<Record<string, string>> => {
    const { data } = await system.gql<{ storageUnits: Array<{ id: string; zone: string }> }>('{ storageUnits(kind: FREEZER) { id zone } }');
    return Object.fromEntries(data!.storageUnits.map((unit) => [unit.zone, unit.id]));
  };
  const recordTemperature = (unitId: string, celsius: number) =>
    system.gql('mutation($u: ID!, $c: Float!) { recordTemperature(unitId: $u, celsius: $c) { position } }', { u: unitId, c: celsius });
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** A gateway of our own in front of the test system's subgraphs, so a test can stop and start it. */
  const gatewayAt = (port: number, env: Record<string, string> = {}): Promise<RunningGateway> =>
    startGateway({
      config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', ...env }),
      logger: createLogger('silent'),
      port,
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphUrls: Object.fromEntries(system.subgraphs.map((subgraph) => [subgraph.name, subgraph.url])),
    });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Before the system starts, so its gateway loads the freshly written board manifest.
    await buildWeb();
    system = await startTestSystem();
    await seedDemo(system.runtime, system.gatewayUrl);
    origin = `http://127.0.0.1:${new URL(system.gatewayUrl).port}`;
    browser = await launchBrowser();
    board = await browser.newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  afterEach(() => {
    // Emptied each time, so a failure names the test that caused it.
    expect(browser.offMachine.splice(0), 'requests that left the machine').toEqual([]);
    expect(browser.pageErrors.splice(0), 'uncaught errors in the pages').toEqual([]);
  });

  it("shows the demo lab's open alerts, its freezers with zone, temperature and capacity", async () => {
    const { data } = await system.gql<{ alerts: { edges: Array<{ node: { id: string } }> } }>('{ alerts(status: [OPEN]) { edges { node { id } } } }');
    const open = data!.alerts.edges.map((edge) => edge.node.id);
    expect(open.length).toBeGreaterThan(0);

    await board.goto(`${origin}/board`);
    await board.waitForSelector('#connection[data-state="live"]', { timeout: PATIENCE_MS });
    await board.waitForFunction((ids) => ids.every((id) => document.querySelector(`li.alert[data-alert-id="${id}"][data-status="OPEN"]`)), open, { timeout: PATIENCE_MS });

    const freezers = await board.$$eval('li.freezer', (items) =>
      items.map((item) => ({ text: item.textContent ?? '', capacity: Number(item.querySelector('meter')?.getAttribute('max')) })),
    );
    expect(freezers).toHaveLength(5);
    const fridge = freezers.find((freezer) => freezer.text.includes('Fridge R1'))!;
    expect(fridge.text).toContain('Zone +4 °C');
    expect(fridge.text).toContain('9.6 °C');
    expect(fridge.text).toContain('OUT OF RANGE');
    expect(fridge.capacity).toBe(24);
    await shot(board, 'board-demo-lab');
  });

  it('shows a temperature excursion recorded through the API within 2 s', async () => {
    const unitId = (await freezerIds()).MINUS_80!;
    // The board's alertRaised and labEvents subscriptions are registered at the gateway.
    await waitUntil(() => system.subscriptionStats().subscribers >= 2, PATIENCE_MS, 'the board to subscribe');

    const response = await recordTemperature(unitId, -55);
    const answeredAt = Date.now();
    expect(response.errors).toBeUndefined();

    const row = await board.waitForSelector(`li.alert[data-unit-id="${unitId}"][data-status="OPEN"]`, { timeout: PATIENCE_MS });
    const receivedAt = Number(await row.getAttribute('data-received-at'));
    expect(receivedAt - answeredAt).toBeLessThan(EXCURSION_DEADLINE_MS);
    expect(await row.textContent()).toContain('Ultra-low freezer F1');
    // The freezer's card reads the new temperature too (refetched on the storage event).
    await board.waitForSelector(`li.freezer[data-unit-id="${unitId}"] .temperature[data-celsius="-55"]`, { timeout: PATIENCE_MS });
    await shot(board, 'board-excursion');
  });

  it('acknowledges an alert from the keyboard and shows who acknowledged it', async () => {
    const unitId = (await freezerIds()).MINUS_80!;
    const alertId = await board.getAttribute(`li.alert[data-unit-id="${unitId}"]`, 'data-alert-id');
    await board.focus(`li.alert[data-alert-id="${alertId}"] button.acknowledge`);
    await board.keyboard.press('Enter');

    await board.waitForSelector(`li.alert[data-alert-id="${alertId}"][data-status="ACKNOWLEDGED"]`, { timeout: PATIENCE_MS });
    expect(await board.textContent(`li.alert[data-alert-id="${alertId}"] .status`)).toContain('ACKNOWLEDGED by dev-admin');
    // Focus stays on the alert instead of falling back to the top of the page.
    expect(await board.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.focusKey)).toBe(`alert:${alertId}`);
    const { data } = await system.gql('query($id: ID!) { alert(id: $id) { status acknowledgedBy } }', { id: alertId });
    expect(data.alert).toEqual({ status: 'ACKNOWLEDGED', acknowledgedBy: 'dev-admin' });
    await shot(board, 'board-acknowledged');
  });

  it('shows a sample submission saga with the step it is on', async () => {
    const { data, errors } = await system.gql('mutation { submitSample(input: { sample: { barcode: "BOARD-SAGA-0001", sampleType: DNA }, zone: MINUS_20 }) { saga { id } } }');
    expect(errors).toBeUndefined();
    const sagaId = data.submitSample.saga.id as string;
    const row = await board.waitForSelector(`li.saga[data-saga-id="${sagaId}"]`, { timeout: PATIENCE_MS });
    // The step shows from the first update; the barcode once the sample exists (after registerSample).
    expect(await row.textContent()).toMatch(/Step \d of \d: \w+/);
    await board.waitForFunction((id) => /BOARD-SAGA-0001/.test(document.querySelector(`li.saga[data-saga-id="${id}"]`)?.textContent ?? ''), sagaId, { timeout: PATIENCE_MS });
    // Followed to the end (sagaUpdated, or the read by id if it was already done).
    await board.waitForSelector(`li.saga[data-saga-id="${sagaId}"][data-status="COMPLETED"]`, { timeout: PATIENCE_MS });
    await shot(board, 'board-saga');
  });

  it('refuses a subscription by an id that no manifest has, with a typed error', async () => {
    const client = wsClient(system.gatewayUrl);
    try {
      const refusal = await new Promise<unknown>((resolve) =>
        client.subscribe({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }, { next: resolve, error: resolve, complete: () => resolve('completed') }),
      );
      expect(refusal).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
    } finally {
      await closeAll();
    }
  });

  it('reconnects after a gateway restart and shows what happened meanwhile', async () => {
    const first = await gatewayAt(0);
    let gateway: RunningGateway | null = first;
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${first.port}/board`);
      await page.waitForSelector('#connection[data-state="live"]', { timeout: PATIENCE_MS });
      await page.waitForSelector('li.freezer', { timeout: PATIENCE_MS });

      await first.close();
      gateway = null;
      await page.waitForSelector('#connection[data-state="reconnecting"]', { timeout: PATIENCE_MS });

      // While the board is cut off: an excursion it can only learn of by reading again.
      const unitId = (await freezerIds()).MINUS_20!;
      expect((await recordTemperature(unitId, -4)).errors).toBeUndefined();
      await waitUntil(async () => {
        const { data } = await system.gql<{ alerts: { edges: Array<{ node: { storageUnit: { id: string } | null } }> } }>('{ alerts(status: [OPEN]) { edges { node { storageUnit { id } } } } }');
        return data!.alerts.edges.some((edge) => edge.node.storageUnit?.id === unitId);
      }, PATIENCE_MS, 'the alert to be raised');

      gateway = await gatewayAt(first.port);
      await page.waitForSelector('#connection[data-state="live"]', { timeout: PATIENCE_MS });
      await page.waitForSelector(`li.alert[data-unit-id="${unitId}"][data-status="OPEN"]`, { timeout: PATIENCE_MS });
      await page.waitForSelector(`li.freezer[data-unit-id="${unitId}"] .temperature[data-celsius="-4"]`, { timeout: PATIENCE_MS });
      await shot(page, 'board-after-restart');
    } finally {
      await page.close();
      await gateway?.close();
    }
  });

  it('outside development asks for a token, then shows the lab with what the role allows', async () => {
    const secret = 'browser-test-jwt-secret-of-sufficient-length';
    // The subgraphs were started in test mode: the gateway signs with the same internal secret.
    const gateway = await gatewayAt(0, { NODE_ENV: 'production', JWT_SECRET: secret, INTERNAL_SECRET: loadConfig({ NODE_ENV: 'test' }).internalSecret });
    const page = await browser.newPage();
    try {
      const gatewayOrigin = `http://127.0.0.1:${gateway.port}`;
      expect((await fetch(`${gatewayOrigin}/graphiql`)).status).toBe(404);

      await page.goto(`${gatewayOrigin}/board`);
      await page.waitForSelector('dialog#sign-in[open]', { timeout: PATIENCE_MS });
      expect(await page.getAttribute('#connection', 'data-state')).toBe('signed-out');
      await shot(page, 'board-sign-in');

      await page.fill('#token', await token({ tenant: 'demo', roles: ['viewer'], sub: 'wall-screen' }, { secret }));
      await page.press('#token', 'Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter'); // "Show the board", reached from the keyboard

      await page.waitForSelector('#connection[data-state="live"]', { timeout: PATIENCE_MS });
      await page.waitForSelector('li.alert[data-status="OPEN"]', { timeout: PATIENCE_MS });
      // A viewer sees the alerts but may not acknowledge them.
      const buttons = await page.$$eval('li.alert button.acknowledge', (items) => items.map((button) => (button as HTMLButtonElement).disabled));
      expect(buttons.length).toBeGreaterThan(0);
      expect(buttons.every(Boolean)).toBe(true);
    } finally {
      await page.close();
      await gateway.close();
    }
  });

  describe('GraphiQL', () => {
    const editorText = (page: Page, selector: string) => page.$eval(selector, (element) => (element as HTMLElement).innerText);
    const run = async (page: Page, query: string) => {
      await page.goto(`${origin}/graphiql?query=${encodeURIComponent(query)}`);
      await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: PATIENCE_MS });
      await page.waitForFunction((name) => document.querySelector('.graphiql-query-editor')?.textContent?.includes(name), query.split(/[\s({]/)[1], { timeout: PATIENCE_MS });
      await page.click('.graphiql-query-editor .CodeMirror');
      await page.keyboard.press('Control+Enter');
    };

    it('runs a query, with the schema and docs from our gateway', async () => {
      const page = await browser.newPage();
      try {
        await run(page, 'query Freezers { storageUnits(kind: FREEZER) { name zone } }');
        await page.waitForFunction(() => document.querySelector('.result-window')?.textContent?.includes('Fridge R1'), undefined, { timeout: PATIENCE_MS });
        expect(await editorText(page, '.result-window')).toContain('"zone": "PLUS_4"');

        await page.click('button[aria-label="Show Documentation Explorer"]');
        await page.waitForSelector('.graphiql-doc-explorer', { timeout: PATIENCE_MS });
        await page.click('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:text-is("Subscription")');
        await page.waitForFunction(() => document.querySelector('.graphiql-doc-explorer')?.textContent?.includes('alertRaised'), undefined, { timeout: PATIENCE_MS });
        await shot(page, 'graphiql-query');
      } finally {
        await page.close();
      }
    });

    it('runs a subscription over graphql-ws', async () => {
      const page = await browser.newPage();
      try {
        const before = system.subscriptionStats().subscribers;
        await run(page, 'subscription Temperatures { labEvents(streamTypes: ["StorageUnit"]) { type streamType } }');
        await waitUntil(() => system.subscriptionStats().subscribers > before, PATIENCE_MS, 'GraphiQL to subscribe');

        expect((await recordTemperature((await freezerIds()).PLUS_37!, 37.1)).errors).toBeUndefined();
        await page.waitForFunction(() => document.querySelector('.result-window')?.textContent?.includes('StorageUnit'), undefined, { timeout: PATIENCE_MS });
        expect(await editorText(page, '.result-window')).toContain('"labEvents"');
        await shot(page, 'graphiql-subscription');
      } finally {
        await page.close();
      }
    });
  });
});
