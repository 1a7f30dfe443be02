/**
 * The live fleet page in a real browser: Debian's headless Chromium (`/usr/bin/chromium`), driven by
 * playwright-core, signs in at the sandbox's `/fleet` with the viewer token, then an admin starts
 * a drill of Osaka through the API and the open page shows Osaka drained and, once the drill
 * restores it, serving again — through its live stream, without a reload. The drained page is
 * saved in .cache/fleet-page/ (with FLEETPILOT_UPDATE_SCREENSHOT=1 also as docs/fleet-page.png, the README's picture).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { apiRequest } from '../../sandbox/api-client.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import type { DrillRecord } from '../../shared/drills/index.ts';
import { sandboxInfo } from '../support/sandbox-clients.ts';

/** The browser: Debian's Chromium unless FLEETPILOT_CHROMIUM names another build. */
const CHROMIUM = process.env.FLEETPILOT_CHROMIUM ?? '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';
const OSAKA = 'asia-northeast2';
const TOKYO = 'asia-northeast1';
const region = (name: string, state: string) => `[data-region="${name}"][data-state="${state}"]`;

describe('fleet page in headless Chromium (sandbox end to end)', () => {
  const api = sandboxInfo().api;
  const shots = join(sandboxInfo().repoRoot, '.cache', 'fleet-page');
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Main-frame navigations after the sign-in: a live page has none. */
  let navigations = 0;
  let watching = false;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: the fleet page's browser test drives Debian's chromium package; install it with \`${INSTALL}\` (as root), or set FLEETPILOT_CHROMIUM to another Chromium`,
      );
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('framenavigated', (frame) => void (watching && frame === page.mainFrame() && navigations++));
    mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await apiRequest(api.url, method, path, {
      token,
      body,
      headers: body ? { 'idempotency-key': `fleet-page-${Date.now()}-${Math.random()}` } : {},
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** The fleet is quiet: no drill running, Tokyo and Osaka serving, no incident open there (earlier files may still be settling). */
  const quiet = () =>
    pollUntil(
      async () => {
        const drills = (await call('GET', '/v1/drills', api.tokens.viewer)).body.drills as DrillRecord[];
        const regions = (await call('GET', '/v1/fleet/regions', api.tokens.viewer)).body.regions as {
          region: string;
          serving: boolean;
          drained: boolean;
          openIncidents: unknown[];
        }[];
        const active = drills.some((d) => ['draining', 'restoring', 'measuring'].includes(d.state));
        // Tokyo and Osaka only: other files leave regions of their own behind (on-prem, offboarded clusters).
        const demo = regions.filter((r) => r.region === TOKYO || r.region === OSAKA);
        const calm = demo.every((r) => r.serving && !r.drained && r.openIncidents.length === 0);
        return !active && calm && demo.length === 2 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'a quiet fleet (no drill running, every region serving)' },
    );

  it('answers the sign-in form, and signs in with the viewer token into an HttpOnly cookie', async () => {
    await quiet();
    const answer = await page.goto(`${api.url}/fleet`);
    expect(answer?.status()).toBe(401);
    await page.fill('#token', api.tokens.viewer);
    await Promise.all([page.waitForURL(`${api.url}/fleet`), page.click('button[type=submit]')]);
    await page.waitForSelector(region(OSAKA, 'serving'), { timeout: 30_000 });
    await page.waitForSelector(region(TOKYO, 'serving'), { timeout: 30_000 });
    const [cookie] = await context.cookies(`${api.url}/fleet`);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/fleet' });
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(page.url()).not.toContain(api.tokens.viewer);
    expect(await page.textContent('.meta')).toContain('viewer@sandbox.local (viewer)');
    await page.waitForSelector('#live-status[data-live="open"]', { timeout: 15_000 });
  });

  it('shows a drill of Osaka drain it and restore it, live, without a reload', async () => {
    await quiet();
    watching = true;
    await page.evaluate('document.documentElement.dataset.testMarker = "loaded once"');
    const started = await call('POST', '/v1/drills', api.tokens.admin, { region: OSAKA, durationSeconds: 8, reason: 'page test' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const drill = started.body.drill as DrillRecord;
    onTestFailed(async () => {
      await page.screenshot({ path: join(shots, 'failed.png') }).catch(() => undefined);
      await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'fleet page test cleanup' });
    });
    expect(drill).toMatchObject({ region: OSAKA, state: 'draining' });

    await page.waitForSelector(region(OSAKA, 'drained'), { timeout: 30_000 });
    await page.waitForSelector(`[data-drill="${drill.id}"][data-drill-state="draining"]`, { timeout: 10_000 });
    expect(await page.textContent(`[data-region="${OSAKA}"] [data-fact="cause"]`)).toContain('page test');
    // The README's picture is refreshed only on request, so a test run never leaves a tracked file changed.
    if (process.env.FLEETPILOT_UPDATE_SCREENSHOT === '1')
      await page.screenshot({ path: join(sandboxInfo().repoRoot, 'docs', 'fleet-page.png') });
    await page.screenshot({ path: join(shots, 'fleet-page-drained.png'), fullPage: true });

    await page.waitForSelector(region(OSAKA, 'serving'), { timeout: 60_000 });
    await page.screenshot({ path: join(shots, 'fleet-page-restored.png'), fullPage: true });
    // The same document all along: no navigation, the marker set before the drill is still there, and the stream updated it.
    expect(navigations).toBe(0);
    expect(await page.evaluate('document.documentElement.dataset.testMarker')).toBe('loaded once');
    expect(Number(await page.getAttribute('body', 'data-live-updates'))).toBeGreaterThanOrEqual(2);

    // Later files find a quiet fleet: the drill has ended (measured and reported) before this one does.
    const ended = await pollUntil(
      async () => {
        const { body } = await call('GET', `/v1/drills/${drill.id}`, api.tokens.viewer);
        const state = (body as unknown as DrillRecord).state;
        return state === 'completed' || state === 'aborted' ? state : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `drill ${drill.id} to end` },
    );
    expect(ended).toBe('completed');
    await page.waitForSelector(`[data-drill="${drill.id}"][data-drill-state="completed"]`, { timeout: 15_000 });
  }, 240_000);
});
