/**
 * Approvals end to end in the sandbox, over real HTTP: with `approvals.rules` pushed through
 * GitOps, an operator's drain of Osaka (half the store's traffic) answers 202 with an approval id
 * and changes no weight; the same operator's approve answers 403; the admin's approve drains Osaka
 * in the real config cluster's HTTPRoute; each step is on the results topic. The approval is posted
 * to Slack (the double's Web API, through the official client) with Approve / Deny buttons; a
 * second operator's click, signed and sent by the double as Slack sends it, drains Osaka and the
 * message then shows who approved.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { apiRequest, slackCommandRequest, slashCommandForm } from '../../sandbox/api-client.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { pushConfig } from '../support/config-push.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { subscribeResults, type ResultsFeed } from '../support/results-feed.ts';
import { clickSlackButton, slackMessages } from '../../sandbox/slack-app.ts';
import { SANDBOX_SECOND_OPERATOR } from '../../sandbox/operations-api.ts';
import { APPROVAL_ACTIONS, proposalId } from '../../shared/approvals/index.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';

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
      const body = slashCommandForm(text, user, responseUrl);
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

  it("posts the approval to Slack; the requester's click is refused, a second operator's Approve drains Osaka and the message names them", async () => {
    const cleanup = async () => {
      await pushConfig('no approvals', (doc) => void (doc.hasIn(['approvals']) && doc.deleteIn(['approvals'])));
      await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'test cleanup' });
    };
    onTestFailed(cleanup);
    const double = { doubleUrl: sandboxInfo().doubleUrl, token: sandboxInfo().token };
    await pushConfig('drains of more than 30% need approval', (doc) =>
      doc.set('approvals', doc.createNode({ rules: [{ action: 'drain', when: { trafficShareAbove: 0.3 } }], expireAfterSeconds: 900 })),
    );
    const asked = await call('POST', `/v1/regions/${OSAKA}/drain`, api.tokens.operator, { reason: 'canary errors' });
    expect(asked.status).toBe(202);
    const id = asked.body.approval!.id;
    const message = await pollUntil(async () => (await slackMessages(double)).find((m) => JSON.stringify(m.blocks).includes(id)), {
      timeoutMs: 30_000,
      what: `approval ${id} posted to Slack`,
    });
    onTestFailed(async () => void process.stdout.write(`Slack channel: ${JSON.stringify(await slackMessages(double))}\n`));
    expect(message.text).toContain(`drain asia-northeast2 by operator@sandbox.local: canary errors`);
    const buttons = message.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as { action_id: string; value: string }[]);
    expect(buttons).toEqual([
      expect.objectContaining({ action_id: APPROVAL_ACTIONS.approve, value: id }),
      expect.objectContaining({ action_id: APPROVAL_ACTIONS.deny, value: id }),
    ]);

    const own = await clickSlackButton(double, {
      ts: message.ts,
      actionId: APPROVAL_ACTIONS.approve,
      user: { id: 'U0OPERATOR', name: 'operator' },
    });
    expect(own.status).toBe(200);
    const told = await pollUntil(
      async () =>
        ((await (await fetch(own.responseUrl)).json()) as { messages: { text: string; replace_original: boolean }[] }).messages[0],
      { timeoutMs: 15_000, what: 'the refusal told to the requester' },
    );
    expect(told).toMatchObject({ replace_original: false });
    expect(told.text).toMatch(/^failed: operator@sandbox.local asked for approval .* and cannot decide it/);
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 50 });

    const second = { id: SANDBOX_SECOND_OPERATOR.slackUser, name: SANDBOX_SECOND_OPERATOR.name };
    const click = await clickSlackButton(double, { ts: message.ts, actionId: APPROVAL_ACTIONS.approve, user: second });
    expect(click).toMatchObject({ status: 200, body: '' });
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'Osaka drained by the approval',
    });
    const updated = await pollUntil(
      async () =>
        (await slackMessages(double)).find(
          (m) => m.ts === message.ts && m.history.length > 0 && /Approved by/.test(m.text) && !/action is running/.test(m.text),
        ),
      { timeoutMs: 30_000, what: 'the Slack message updated with the decision' },
    );
    expect(updated.text).toContain(`Approved by ${SANDBOX_SECOND_OPERATOR.email}`);
    expect(updated.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect((await call('GET', `/v1/approvals/${id}`, api.tokens.viewer)).body).toMatchObject({
      state: 'approved',
      decidedBy: SANDBOX_SECOND_OPERATOR.email,
      requestedBy: 'operator@sandbox.local',
    });
    // The buttons are gone: a late click on them is something Slack cannot send.
    await expect(clickSlackButton(double, { ts: message.ts, actionId: APPROVAL_ACTIONS.deny, user: second })).rejects.toThrow(/HTTP 409/);
    await cleanup();
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 50 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'Osaka restored',
    });
  });

  it("in propose mode, posts an alert's drain to Slack without draining; an Approve click drains Osaka; a close cancels the next proposal", async () => {
    const double = { doubleUrl: sandboxInfo().doubleUrl, token: sandboxInfo().token };
    const alert = (incidentId: string, state: 'open' | 'closed', startedAt: Date) =>
      monitoringNotification({
        incidentId,
        state,
        startedAt,
        cluster: 'mc-gw-osaka',
        location: 'asia-northeast2-b',
        projectId: sandboxInfo().projectId,
      });
    const first = { id: `propose-1-${run}`, at: new Date() };
    const second = { id: `propose-2-${run}`, at: new Date(Date.now() + 1_000) };
    const cleanup = async () => {
      await adapters.pubsub.publish('healthAlerts', alert(first.id, 'closed', first.at));
      await adapters.pubsub.publish('healthAlerts', alert(second.id, 'closed', second.at));
      await pushConfig('alerts drain on their own', (doc) => void (doc.hasIn(['failover']) && doc.deleteIn(['failover'])));
    };
    onTestFailed(cleanup);
    onTestFailed(async () => void process.stdout.write(`Slack channel: ${JSON.stringify(await slackMessages(double))}\n`));
    await pushConfig('alerts only propose their drains', (doc) => doc.set('failover', doc.createNode({ mode: 'propose' })));
    const slackMessageOf = (id: string, test: (text: string) => boolean = () => true) =>
      pollUntil(async () => (await slackMessages(double)).find((m) => JSON.stringify(m.blocks).includes(id) && test(m.text)), {
        timeoutMs: 30_000,
        what: `the Slack message of approval ${id}`,
      });

    await adapters.pubsub.publish('healthAlerts', alert(first.id, 'open', first.at));
    const proposal = proposalId(OSAKA, first.id);
    // The alert function has no bot token: the tick posts its proposal.
    const posted = await slackMessageOf(proposal);
    expect(posted.text).toMatch(/^Alert drain of asia-northeast2 \(incident propose-1-/);
    expect((await call('GET', `/v1/approvals/${proposal}`, api.tokens.viewer)).body).toMatchObject({
      state: 'pending',
      requestedBy: 'cloud-monitoring',
    });
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 50 });
    const click = await clickSlackButton(double, {
      ts: posted.ts,
      actionId: APPROVAL_ACTIONS.approve,
      user: { id: SANDBOX_SECOND_OPERATOR.slackUser, name: SANDBOX_SECOND_OPERATOR.name },
    });
    expect(click.status).toBe(200);
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'Osaka drained by the approved proposal',
    });
    expect((await slackMessageOf(proposal, (t) => /Approved by/.test(t) && !/running/.test(t))).text).toContain(
      `Approved by ${SANDBOX_SECOND_OPERATOR.email}`,
    );

    // The incident closes; after the hold-down Osaka serves again. A new incident's proposal is cancelled by its close.
    await adapters.pubsub.publish('healthAlerts', alert(first.id, 'closed', first.at));
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 50 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'Osaka restored after the hold-down',
    });
    await adapters.pubsub.publish('healthAlerts', alert(second.id, 'open', second.at));
    const next = proposalId(OSAKA, second.id);
    await slackMessageOf(next);
    await adapters.pubsub.publish('healthAlerts', alert(second.id, 'closed', second.at));
    expect((await slackMessageOf(next, (t) => /Cancelled/.test(t))).blocks.some((b) => b.type === 'actions')).toBe(false);
    expect((await call('GET', `/v1/approvals/${next}`, api.tokens.viewer)).body).toMatchObject({ state: 'cancelled' });
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 50 });
    await cleanup();
  });
});
