import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from './chromium-availability.js';

/** Quiet, offline-friendly: no sync, no component updates, no QUIC probing, nothing in the background. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** data:, blob: and about: never leave the browser; http(s) and ws(s) must stay on this machine. */
export const leavesTheMachine = (url: string): boolean => {
  const parsed = new URL(url);
  if (['data:', 'blob:', 'about:', 'chrome:', 'chrome-extension:'].includes(parsed.protocol)) return false;
  return !LOOPBACK.has(parsed.hostname);
};

export interface TestBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  /** Every request or WebSocket that would have left this machine, from any page. */
  offMachine: string[];
  /** Uncaught exceptions in any page. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** A fresh profile each run, so nothing (storage, tabs, credentials) carries over between runs. */
export const launchBrowser = async (): Promise<TestBrowser> => {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'tracseq-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1600, height: 1000 } });
  const offMachine: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (request) => {
    if (leavesTheMachine(request.url())) offMachine.push(request.url());
  });
  const watch = (page: Page) => {
    page.on('websocket', (socket) => {
      if (leavesTheMachine(socket.url())) offMachine.push(socket.url());
    });
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return {
    context,
    offMachine,
    pageErrors,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
};
