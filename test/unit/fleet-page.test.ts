/**
 * The live fleet page through `app.request()`: the real app (`createApp`, so the mount too) over
 * the in-memory demo fleet with real API tokens. Sign-in sets the cookie only from the page's own
 * origin; the page and its live stream authenticate from that cookie or a bearer header; a drained
 * region shows as drained; hostile text is escaped; approvals show when the deployment has them.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../services/api/rate-limit.ts';
import { revokeApiToken } from '../../services/api/tokens.ts';
import { SESSION_COOKIE } from '../../services/page/page-auth.ts';
import type { PendingApproval } from '../../services/page/page-data.ts';
import { mountFleetPage } from '../../services/page/fleet-page-router.tsx';
import { silentLogger } from '../../shared/core/logger.ts';
import { apiTestApp } from '../support/api-fakes.ts';
import { page, readEvents, regionTag, sessionCookie, signIn } from '../support/fleet-page-client.ts';

const OSAKA = 'asia-northeast2';
const TOKYO = 'asia-northeast1';
const HOSTILE = '<script>alert("pwned")</script> & <img src=x onerror=alert(1)>';
const ESCAPED = '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;';

describe('fleet page access', () => {
  it('answers the sign-in form (401) without a credential, and 401 on the live stream', async () => {
    const t = await apiTestApp();
    const { status, html, csp } = await page(t, {});
    expect(status).toBe(401);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<form class="sign-in" method="post" action="/fleet/sign-in">');
    expect(html).not.toContain('data-region=');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    const live = await t.app.request('/fleet/live');
    expect(live.status).toBe(401);
    expect(await live.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('signs in with a viewer token: an HttpOnly, SameSite=Strict cookie for the page only, Secure over https, and never the token in the answer or the log', async () => {
    const t = await apiTestApp();
    const res = await signIn(t, t.tokens.viewer);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/fleet');
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/fleet(;|$)/);
    expect(setCookie).not.toMatch(/Secure/);
    // Cloud Run: TLS ends at Google's front end, which says so in X-Forwarded-Proto.
    const https = await signIn(
      t,
      t.tokens.viewer,
      { origin: 'https://fleet.example.com', 'x-forwarded-proto': 'https' },
      'http://fleet.example.com/fleet/sign-in',
    );
    expect(https.status).toBe(303);
    expect(https.headers.getSetCookie().join('\n')).toMatch(/; Secure/);

    const { status, html } = await page(t, { cookie: sessionCookie(res) });
    expect(status).toBe(200);
    expect(html).toContain('token:viewer (viewer)');
    expect(html).not.toContain(t.tokens.viewer);
    expect(t.logLines.join('\n')).not.toContain(t.tokens.viewer);
    expect(t.logLines.some((l) => l.includes('fleet page sign-in') && l.includes('token:viewer'))).toBe(true);
  });

  it.each<[string, Record<string, string>]>([
    ['another origin', { origin: 'https://evil.example' }],
    ['an opaque origin', { origin: 'null' }],
    ['no Origin and no Sec-Fetch-Site', {}],
    ['a cross-site form', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    ['a sibling site naming this origin', { 'sec-fetch-site': 'same-site', origin: 'http://localhost' }],
  ])('refuses a sign-in from %s (403, no cookie)', async (_name, headers) => {
    const t = await apiTestApp();
    const res = await signIn(t, t.tokens.viewer, headers);
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it.each<[string, Record<string, string>]>([
    ['Sec-Fetch-Site: same-origin without Origin', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site: same-origin with an opaque Origin (a no-referrer page)', { 'sec-fetch-site': 'same-origin', origin: 'null' }],
  ])('accepts a same-origin sign-in by %s', async (_name, headers) => {
    const t = await apiTestApp();
    expect((await signIn(t, t.tokens.viewer, headers)).status).toBe(303);
  });

  it('shows the form again for a bad token, without echoing it', async () => {
    const t = await apiTestApp();
    const bad = `fpt_${'B'.repeat(43)}`;
    const res = await signIn(t, bad);
    const html = await res.text();
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(html).toContain('unknown or revoked API token');
    expect(html).not.toContain(bad);
    const junk = await signIn(t, '<b>not a token</b>');
    expect(junk.status).toBe(400);
    expect(await junk.text()).not.toContain('<b>not a token</b>');
  });

  it('asks to sign in again once the token is revoked, and signs out by clearing the cookie', async () => {
    const t = await apiTestApp();
    const cookie = sessionCookie(await signIn(t, t.tokens.viewer));
    const out = await t.app.request('/fleet/sign-out', { method: 'POST', headers: { cookie, origin: 'http://localhost' } });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join('\n')).toMatch(new RegExp(`${SESSION_COOKIE}=; Max-Age=0; Path=/fleet`));
    await revokeApiToken(t.store, t.clock, t.tokens.viewer);
    const { status, html } = await page(t, { cookie });
    expect(status).toBe(401);
    expect(html).toContain('Not signed in: unknown or revoked API token.');
    expect((await t.app.request('/fleet/live', { headers: { cookie } })).status).toBe(401);
  });
});

describe('fleet page content', () => {
  it('shows both regions serving, with their clusters and weights, for a viewer cookie or a bearer header', async () => {
    const t = await apiTestApp();
    const cookie = sessionCookie(await signIn(t, t.tokens.viewer));
    for (const headers of [{ cookie }, { authorization: `Bearer ${t.tokens.viewer}` }] as Record<string, string>[]) {
      const { status, html } = await page(t, headers);
      expect(status).toBe(200);
      expect(regionTag(html, TOKYO)).toContain('data-state="serving"');
      expect(regionTag(html, OSAKA)).toContain('data-state="serving"');
      expect(html).toContain('data-cluster="mc-gw-osaka"');
      expect(html).toMatch(/<table class="weights" data-service="store">/);
      expect(html).toContain('No drill is running.');
      expect(html).toContain('No approval is waiting.');
    }
  });

  it('shows a drained region with its cause and escapes a hostile reason everywhere, keeping the one script under the nonce', async () => {
    const t = await apiTestApp();
    const drain = await t.call('POST', `/v1/regions/${OSAKA}/drain`, { token: t.tokens.operator, body: { reason: HOSTILE } });
    expect(drain.status).toBe(200);
    const cookie = sessionCookie(await signIn(t, t.tokens.viewer));
    const { html, csp } = await page(t, { cookie });
    expect(regionTag(html, OSAKA)).toContain('data-state="drained"');
    expect(regionTag(html, OSAKA)).toContain('data-cause="manual"');
    expect(regionTag(html, TOKYO)).toContain('data-state="serving"');
    expect(html).toContain(`manual drain by token:operator: ${ESCAPED}`);
    expect(html).toMatch(/data-kind="manual-drain" data-result="succeeded"/);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(html.match(/<script\b[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
  });

  it('shows a running drill in its region and in the drills, with its restore time', async () => {
    const t = await apiTestApp();
    const started = await t.call('POST', '/v1/drills', {
      token: t.tokens.admin,
      body: { region: OSAKA, durationSeconds: 60, reason: 'game day' },
    });
    expect(started.status).toBe(200);
    const { drill } = (await started.json()) as { drill: { id: string; restoreDueAt: string } };
    const { html } = await page(t, { authorization: `Bearer ${t.tokens.viewer}` });
    expect(regionTag(html, OSAKA)).toContain('data-state="drained"');
    expect(html).toContain(`<li data-drill="${drill.id}" data-drill-state="draining" data-drill-region="${OSAKA}">`);
    expect(html).toMatch(new RegExp(`<dd data-fact="drill">60 s, restores at <time datetime="${drill.restoreDueAt}">`));
  });

  it('streams the fragment as server-sent events, and a reconnect with the last id gets no copy of what it has', async () => {
    const t = await apiTestApp();
    await t.call('POST', `/v1/regions/${OSAKA}/drain`, { token: t.tokens.operator, body: { reason: HOSTILE } });
    const cookie = sessionCookie(await signIn(t, t.tokens.viewer));
    const res = await t.app.request('/fleet/live', { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(res, (e) => e.some((x) => x.event === 'observed'));
    const fleet = events.find((e) => e.event === 'fleet')!;
    expect(regionTag(fleet.data, OSAKA)).toContain('data-state="drained"');
    expect(fleet.data).toContain(ESCAPED);
    expect(fleet.data).not.toContain('<script');
    expect(fleet.id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const again = await t.app.request('/fleet/live', {
      headers: { authorization: `Bearer ${t.tokens.viewer}`, 'last-event-id': fleet.id! },
    });
    const next = await readEvents(again, (e) => e.some((x) => x.event === 'observed'));
    expect(next.map((e) => e.event)).toEqual(['hello', 'observed']);
  });

  it('lists pending approvals when the deployment has them, escaped', async () => {
    const t = await apiTestApp();
    const approvals: PendingApproval[] = [
      {
        id: 'apr-1',
        action: 'drain',
        subject: OSAKA,
        requestedBy: 'oncall@example.com',
        summary: HOSTILE,
        expiresAt: '2025-05-01T12:30:00.000Z',
      },
    ];
    const app = new OpenAPIHono();
    mountFleetPage(app, {
      ops: t.ops,
      store: t.store,
      auth: { tokens: t.store, principals: {} },
      limiter: createRateLimiter(1_000, t.clock),
      clock: t.clock,
      log: silentLogger(),
      pendingApprovals: async () => approvals,
    });
    const { html } = await page({ app }, { authorization: `Bearer ${t.tokens.viewer}` });
    expect(html).toContain('<li data-approval="apr-1" data-action="drain">');
    expect(html).toContain(ESCAPED);
    expect(html).toContain('expires <time datetime="2025-05-01T12:30:00.000Z">12:30:00Z</time>');
    approvals.length = 0;
    expect((await page({ app }, { authorization: `Bearer ${t.tokens.viewer}` })).html).toContain('No approval is waiting.');
  });
});
