// The REAL Slack Web API client (@slack/web-api, through shared/adapters/slack-chat.ts) against the
// double's Slack stand-in on a loopback port, and the double's signed clicks against the REAL
// `/slack/interactions` router on another port: the message shapes, the error classification, and
// that a click the double signs is one the services accept. The decisions themselves are faked here
// (the sandbox contract test runs them for real).
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackChatAdapter, type ChatAdapter } from '../../shared/adapters/slack-chat.ts';
import { approvalMessage, APPROVAL_ACTIONS } from '../../shared/approvals/index.ts';
import { TerminalError } from '../../shared/core/errors.ts';
import { createLogger } from '../../shared/core/logger.ts';
import type { SlackDeps } from '../../services/slack/deps.ts';
import { pendingDrainApproval, slackApp } from '../support/approval-fixtures.ts';
import { testDouble, type TestDouble } from '../../sandbox/google-double/testing.ts';
import type { StoredSlackMessage } from '../../sandbox/google-double/slack-api-routes.ts';

const BOT_TOKEN = 'xoxb-unit-DO-NOT-LEAK-0123456789';
const SECRET = 'unit-signing-secret-0123456789abcdef';
const CHANNEL = 'C0APPROVALS';

const approval = pendingDrainApproval({ id: 'drain-osaka-1' });

const listen = (fetch: (req: Request) => Response | Promise<Response>) =>
  new Promise<ServerType>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
const urlOf = (server: ServerType) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('Slack approvals: the Web API client, the double and the interactions endpoint over HTTP', () => {
  let d: TestDouble;
  let doubleServer: ServerType;
  let servicesServer: ServerType;
  let chat: ChatAdapter;
  const decided: { principal: string; id: string; decision: string }[] = [];
  const tasks: Promise<unknown>[] = [];
  const logged: string[] = [];

  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${urlOf(doubleServer)}${path}`, {
      method,
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const messages = async () => (await control('GET', `/_double/slack/messages?channel=${CHANNEL}`)).body.messages as StoredSlackMessage[];

  beforeAll(async () => {
    d = testDouble({ clock: () => new Date() });
    doubleServer = await listen(d.app.fetch);
    const log = createLogger({ level: 'DEBUG', write: (line) => void logged.push(line) });
    const deps: SlackDeps = {
      signingSecret: SECRET,
      users: { U0ONCALL: 'oncall@example.com', U0VIEWER: 'viewer@example.com' },
      roleOf: (id) => (id === 'oncall@example.com' ? 'operator' : 'viewer'),
      ops: {
        status: async () => ({ summary: '' }),
        drain: async () => ({ summary: '' }),
        restore: async () => ({ summary: '' }),
        approvals: async () => ({ summary: '' }),
        decide: async (principal, input) => {
          decided.push({ principal: principal.id, id: input.id, decision: input.decision });
          return { summary: `approval ${input.id} ${input.decision}d` };
        },
      },
      store: { markOnce: async () => true },
      clock: { now: () => new Date() },
      log,
      post: async (url, body) => {
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      },
      responseUrlPrefixes: [`${urlOf(doubleServer)}/_double/slack/`],
      background: (task) => void tasks.push(task),
    };
    servicesServer = await listen(slackApp(deps).fetch);
    expect(
      await control('POST', '/_double/slack/app', {
        botToken: BOT_TOKEN,
        signingSecret: SECRET,
        interactionsUrl: `${urlOf(servicesServer)}/slack/interactions`,
        channels: [CHANNEL],
      }),
    ).toMatchObject({ status: 200 });
    chat = createSlackChatAdapter({ token: BOT_TOKEN, apiUrl: `${urlOf(doubleServer)}/slack/api`, log });
  });
  afterAll(async () => {
    await Promise.all([doubleServer, servicesServer].map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('posts the Block Kit message and replaces it, keeping the earlier version', async () => {
    const posted = await chat.post(approvalMessage(approval, CHANNEL));
    expect(posted.channel).toBe(CHANNEL);
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    let stored = (await messages()).find((m) => m.ts === posted.ts)!;
    expect(stored.blocks).toEqual(approvalMessage(approval, CHANNEL).blocks);
    const decidedRecord = { ...approval, state: 'denied' as const, decidedBy: 'oncall@example.com', decidedAt: '2025-05-01T12:01:00.000Z' };
    await chat.update({ ...approvalMessage(decidedRecord, CHANNEL), ts: posted.ts });
    stored = (await messages()).find((m) => m.ts === posted.ts)!;
    expect(stored.text).toContain('Denied by oncall@example.com at 2025-05-01T12:01:00.000Z');
    expect(stored.history).toHaveLength(1);
    expect(stored.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it.each([
    [
      'an unknown channel',
      () => chat.post({ ...approvalMessage(approval, 'C0NOWHERE') }),
      /Slack chat.postMessage failed: channel_not_found/,
    ],
    ['a message that does not exist', () => chat.update({ ...approvalMessage(approval, CHANNEL), ts: '1.000001' }), /message_not_found/],
    [
      'a wrong token',
      () =>
        createSlackChatAdapter({
          token: 'xoxb-wrong-0000000000',
          apiUrl: `${urlOf(doubleServer)}/slack/api`,
          log: createLogger({ write: () => undefined }),
        }).post(approvalMessage(approval, CHANNEL)),
      /invalid_auth/,
    ],
  ])('classifies %s as terminal, naming Slack’s error and never the token', async (_what, run, message) => {
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toMatch(message);
    expect(JSON.stringify(error)).not.toContain('xoxb-');
  });

  it('sends a click signed as Slack signs it; the services accept it and decide as the mapped principal', async () => {
    const { ts } = await chat.post(approvalMessage(approval, CHANNEL));
    const click = await control('POST', '/_double/slack/click', {
      channel: CHANNEL,
      ts,
      actionId: APPROVAL_ACTIONS.approve,
      user: { id: 'U0ONCALL', name: 'oncall' },
    });
    expect(click.body).toMatchObject({ status: 200, body: '' });
    await Promise.all(tasks);
    expect(decided).toContainEqual({ principal: 'oncall@example.com', id: approval.id, decision: 'approve' });
  });

  it('tells a viewer alone that deciding needs the operator role, and decides nothing', async () => {
    const { ts } = await chat.post(approvalMessage(approval, CHANNEL));
    const before = decided.length;
    const click = await control('POST', '/_double/slack/click', {
      channel: CHANNEL,
      ts,
      actionId: APPROVAL_ACTIONS.deny,
      user: { id: 'U0VIEWER', name: 'viewer' },
    });
    expect(click.body).toMatchObject({ status: 200 });
    await Promise.all(tasks);
    const told = (await (await fetch(String(click.body.responseUrl))).json()) as { messages: { text: string }[] };
    expect(told.messages[0]?.text).toBe('permission denied: deciding an approval needs the operator role; you are viewer');
    expect(decided).toHaveLength(before);
  });

  it('refuses a click on a button the message no longer has', async () => {
    const { ts } = await chat.post(approvalMessage({ ...approval, state: 'expired' }, CHANNEL));
    const click = await control('POST', '/_double/slack/click', {
      channel: CHANNEL,
      ts,
      actionId: APPROVAL_ACTIONS.approve,
      user: { id: 'U0ONCALL', name: 'oncall' },
    });
    expect(click.status).toBe(409);
  });

  it('never logs the bot token or the signing secret', () => {
    expect(logged.join('\n')).not.toContain(BOT_TOKEN);
    expect(logged.join('\n')).not.toContain(SECRET);
  });
});
