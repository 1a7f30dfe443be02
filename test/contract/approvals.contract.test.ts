/**
 * Approvals end to end in the sandbox, over real HTTP: with `approvals.rules` pushed through
 * GitOps, an operator's drain of Osaka (half the store's traffic) answers 202 with an approval id
 * and changes no weight; the same operator's approve answers 403; the admin's approve drains Osaka
 * in the real config cluster's HTTPRoute; each step is on the results topic.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { apiRequest, slackCommandRequest } from '../../sandbox/api-client.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { pushConfig } from '../support/config-push.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { subscribeResults, type ResultsFeed } from '../support/results-feed.ts';

const OSAKA = 'asia-northeast2';
type Json = Record<string, unknown> & { result?: string; summary?: string; approval?: { id: string }; code?: string };

describe('approvals (sandbox end to end)', () => {
  let adapters: GcpAdapters;
  let feed: ResultsFeed<(typeof results)[number]>;
  const run = Date.now().toString(36);
  const results: { kind: string; principal: string; summary: string }[] = [];
  beforeAll(async () => {
    adapters = await sandboxAdapters();
    feed = await subscribeResults<(typeof results)[number]>(adapters, `approvals-${run}`, results);
  });
  afterAll(async () => {
    await feed.close();
    await adapters.close();
  });

  const api = sandboxInfo().api;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await apiRequest(api.url, method, path, { token, body });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const weights = async () =>
    Object.fromEntries(((await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends ?? []).map((b) => [b.name, b.weight]));

  it("holds an operator's drain of half the traffic for a second person's approval", async () => {
    const cleanup = async () => {
      await pushConfig('no approvals', (doc) => void (doc.hasIn(['approvals']) && doc.deleteIn(['approvals'])));
      await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'test cleanup' });
    };
    onTestFailed(cleanup);
    await pushConfig('drains of more than 30% need approval', (doc) =>
      doc.set('approvals', doc.createNode({ rules: [{ action: 'drain', when: { trafficShareAbove: 0.3 } }], expireAfterSeconds: 900 })),
    );
    const asked = await call('POST', `/v1/regions/${OSAKA}/drain`, api.tokens.operator, { reason: 'bad deploy' });
    expect(asked.status).toBe(202);
    expect(asked.body.result).toBe('pending');
    const id = asked.body.approval!.id;
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 50 });
    const listed = await call('GET', '/v1/approvals?state=pending', api.tokens.viewer);
    expect((listed.body.approvals as { id: string }[]).map((a) => a.id)).toContain(id);

    const self = await call('POST', `/v1/approvals/${id}/approve`, api.tokens.operator, {});
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('permission_denied');
    const approved = await call('POST', `/v1/approvals/${id}/approve`, api.tokens.admin, {});
    expect(approved.status).toBe(200);
    expect(approved.body.summary).toMatch(new RegExp(`^approval ${id} approved by admin@sandbox.local: asia-northeast2 drained`));
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 0 });
    const stored = await call('GET', `/v1/approvals/${id}`, api.tokens.viewer);
    expect(stored.body).toMatchObject({ state: 'approved', decidedBy: 'admin@sandbox.local', requestedBy: 'operator@sandbox.local' });
    await pollUntil(
      () =>
        ['approval-requested', 'manual-drain', 'approval-approved'].every((k) => results.some((r) => r.kind === k)) ? true : undefined,
      { timeoutMs: 15_000, what: 'the approval on the results topic' },
    );
    await cleanup();
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 50 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'Osaka restored',
    });
  });
  it('lists pending approvals in Slack and lets a second person deny one with /fleet deny', async () => {
    const cleanup = async () => {
      await pushConfig('no approvals', (doc) => void (doc.hasIn(['approvals']) && doc.deleteIn(['approvals'])));
    };
    onTestFailed(cleanup);
    await pushConfig('drains of more than 30% need approval', (doc) =>
      doc.set('approvals', doc.createNode({ rules: [{ action: 'drain', when: { trafficShareAbove: 0.3 } }], expireAfterSeconds: 900 })),
    );
    const asked = await call('POST', `/v1/regions/${OSAKA}/drain`, api.tokens.operator, { reason: 'maybe a bad deploy' });
    expect(asked.status).toBe(202);
    const id = asked.body.approval!.id;
    const responseUrl = `${api.slackResponsePrefix}responses/approvals-${run}`;
    const slack = async (text: string, user: string) => {
      const body = new URLSearchParams({
        command: '/fleet',
        text,
        user_id: user,
        team_id: 'T0SANDBOX',
        response_url: responseUrl,
      }).toString();
      const res = await slackCommandRequest(api.url, api.slackSigningSecret, body);
      expect(res.status).toBe(200);
    };
    const posted = (count: number) =>
      pollUntil(
        async () => {
          const { messages } = (await (await fetch(responseUrl)).json()) as { messages: { text: string }[] };
          return messages.length >= count ? messages : undefined;
        },
        { timeoutMs: 30_000, what: `${count} Slack message(s)` },
      );
    await slack('approvals', 'U0VIEWER');
    expect((await posted(1))[0]?.text).toContain(`• ${id}: drain asia-northeast2 by operator@sandbox.local: maybe a bad deploy`);
    await slack(`deny ${id} not convinced`, 'U0OPERATOR');
    expect((await posted(2))[1]?.text).toMatch(/^failed: operator@sandbox.local asked for approval .* and cannot decide it/);
    await slack(`deny ${id} not convinced`, 'U0ADMIN');
    expect((await posted(3))[2]?.text.split('\n')[0]).toBe(`approval ${id} denied by admin@sandbox.local: not convinced; nothing was done`);
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 50 });
    expect((await call('GET', `/v1/approvals/${id}`, api.tokens.viewer)).body).toMatchObject({
      state: 'denied',
      decidedBy: 'admin@sandbox.local',
    });
    await cleanup();
  });
});
