import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../services/http-errors.ts';
import type { SlackDeps } from '../../services/slack/deps.ts';
import { slackApp } from '../support/approval-fixtures.ts';
import { parseServiceEnv } from '../../services/config.ts';
import { APPROVAL_ACTIONS } from '../../shared/approvals/index.ts';
import { createLogger } from '../../shared/core/logger.ts';

const SECRET = 'interactions-signing-secret-DO-NOT-LEAK';
const NOW = new Date('2025-05-01T12:00:00Z');
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0001/1/SECRET-PATH-DO-NOT-LOG';

function harness(decide?: SlackDeps['ops']['decide']) {
  const markers = new Set<string>();
  const decided: { principal: string; id: string; decision: string }[] = [];
  const posts: { url: string; body: unknown }[] = [];
  const tasks: Promise<unknown>[] = [];
  const lines: string[] = [];
  const deps: SlackDeps = {
    signingSecret: SECRET,
    users: { U0ONCALL: 'oncall@example.com', U0VIEW: 'viewer@example.com', U0NOROLE: 'nobody@example.com' },
    roleOf: (id) => (id === 'oncall@example.com' ? 'operator' : id === 'viewer@example.com' ? 'viewer' : undefined),
    ops: {
      status: async () => ({ summary: '' }),
      drain: async () => ({ summary: '' }),
      restore: async () => ({ summary: '' }),
      approvals: async () => ({ summary: '' }),
      decide:
        decide ??
        (async (principal, input) => {
          decided.push({ principal: principal.id, id: input.id, decision: input.decision });
          return { summary: 'ok' };
        }),
    },
    store: { markOnce: async (key) => (markers.has(key) ? false : (markers.add(key), true)) },
    clock: { now: () => NOW },
    log: createLogger({ level: 'DEBUG', write: (line) => void lines.push(line) }),
    post: async (url, body) => void posts.push({ url, body }),
    responseUrlPrefixes: ['https://hooks.slack.com/'],
    background: (task) => void tasks.push(task),
  };
  const app = slackApp(deps);
  const send = async (body: string, signature?: string) => {
    const ts = String(NOW.getTime() / 1000);
    const res = await app.request('/slack/interactions', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': signature ?? `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`,
      },
      body,
    });
    await Promise.all(tasks);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  return { send, decided, posts, lines };
}

const click = (over: Record<string, unknown> = {}) =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: 'U0ONCALL', name: 'oncall' },
      actions: [{ action_id: APPROVAL_ACTIONS.approve, value: 'drain-osaka-1', type: 'button' }],
      container: { type: 'message', message_ts: '1.000001', channel_id: 'C0APPROVALS' },
      response_url: RESPONSE_URL,
      ...over,
    }),
  }).toString();

describe('POST /slack/interactions', () => {
  it("acknowledges a click at once and decides as the clicking user's principal", async () => {
    const h = harness();
    expect(await h.send(click())).toEqual({ status: 200, body: null });
    expect(h.decided).toEqual([{ principal: 'oncall@example.com', id: 'drain-osaka-1', decision: 'approve' }]);
  });

  it('ignores a replay of the same signed click', async () => {
    const h = harness();
    const body = click({ actions: [{ action_id: APPROVAL_ACTIONS.deny, value: 'drain-osaka-1' }] });
    await h.send(body);
    expect(await h.send(body)).toEqual({ status: 200, body: null });
    expect(h.decided).toHaveLength(1);
  });

  it.each([
    ['no signature match', undefined, 'v0=' + '0'.repeat(64), 401, 'X-Slack-Signature does not match the request'],
    ['no payload field', 'foo=bar', undefined, 400, 'missing form field payload'],
    ['a payload that is not JSON', 'payload=%7Bnot', undefined, 400, 'payload is not JSON'],
    [
      'a view submission',
      click({ type: 'view_submission' }),
      undefined,
      400,
      'payload.type: only block_actions payloads (button clicks) are handled',
    ],
    [
      'a foreign action',
      click({ actions: [{ action_id: 'other.app', value: 'x' }] }),
      undefined,
      400,
      'payload.actions.0.action_id: not a fleetpilot action',
    ],
    [
      'no approval id',
      click({ actions: [{ action_id: APPROVAL_ACTIONS.approve }] }),
      undefined,
      400,
      'payload.actions.0.value: must be an approval id',
    ],
    [
      'a response URL elsewhere',
      click({ response_url: 'https://evil.example/' }),
      undefined,
      400,
      'response_url is not an allowed Slack URL',
    ],
    ['a bad user id', click({ user: { id: 'nobody' } }), undefined, 400, 'payload.user.id: must be a Slack user id'],
  ])('refuses %s with a clear error and decides nothing', async (_what, body, signature, status, message) => {
    const h = harness();
    const answer = await h.send(body ?? click(), signature);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ message });
    expect(h.decided).toEqual([]);
  });

  it.each([
    ['an unmapped user', 'U0STRANGER', 'your Slack user is not mapped to a fleetpilot principal'],
    ['a viewer', 'U0VIEW', 'permission denied: deciding an approval needs the operator role; you are viewer'],
    ['a user with no role', 'U0NOROLE', 'permission denied: deciding an approval needs the operator role; you have no role'],
  ])('tells %s alone why nothing happened', async (_what, user, text) => {
    const h = harness();
    expect(await h.send(click({ user: { id: user } }))).toEqual({ status: 200, body: null });
    expect(h.posts).toEqual([{ url: RESPONSE_URL, body: { response_type: 'ephemeral', replace_original: false, text } }]);
    expect(h.decided).toEqual([]);
  });

  it('tells the clicking user why a decision was refused, and never logs the response URL', async () => {
    const h = harness(async () => {
      throw new ApiError(403, 'permission_denied', 'oncall@example.com asked for approval drain-osaka-1 and cannot decide it');
    });
    await h.send(click());
    expect(h.posts[0]?.body).toMatchObject({ text: 'failed: oncall@example.com asked for approval drain-osaka-1 and cannot decide it' });
    expect(h.lines.join('\n')).not.toContain('SECRET-PATH');
    expect(h.lines.join('\n')).not.toContain(SECRET);
  });
});

describe('POST /slack/interactions under random signed payloads', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const payload = fc.oneof(
    json.map((v) => JSON.stringify(v)),
    fc
      .record({
        type: fc.constantFrom('block_actions', 'view_submission', 'shortcut', ''),
        user: fc.oneof(fc.record({ id: fc.constantFrom('U0ONCALL', 'U0VIEW', 'nobody', '') }), json),
        actions: fc.oneof(
          fc.array(
            fc.record({
              action_id: fc.constantFrom(APPROVAL_ACTIONS.approve, APPROVAL_ACTIONS.deny, 'x', ''),
              value: fc.oneof(fc.string(), fc.constantFrom('drain-osaka-1', '../../etc', 'a'.repeat(300))),
            }),
            { maxLength: 3 },
          ),
          json,
        ),
        response_url: fc.constantFrom(RESPONSE_URL, 'https://evil.example/x', 'not a url', ''),
      })
      .map((v) => JSON.stringify(v)),
    fc.string(),
  );

  it('answers every one with 200 or a 4xx naming the problem, never a 5xx, and never echoes the secret', async () => {
    await fc.assert(
      fc.asyncProperty(payload, fc.boolean(), async (p, asForm) => {
        const h = harness();
        const body = asForm ? new URLSearchParams({ payload: p }).toString() : p;
        const answer = await h.send(body);
        expect(answer.status === 200 || (answer.status >= 400 && answer.status < 500)).toBe(true);
        if (answer.status !== 200) expect(typeof answer.body?.message).toBe('string');
        expect(JSON.stringify(answer.body) + h.lines.join('\n')).not.toContain(SECRET);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the services configuration for approval buttons', () => {
  it('requires the signing secret with the bot token, so no button is posted that the service would refuse', () => {
    const base = { FLEETPILOT_GITOPS_REPOSITORY: 'acme/fleet-config', FLEETPILOT_SLACK_BOT_TOKEN: 'xoxb-1234-abcd-SECRET' };
    expect(parseServiceEnv(base)).toEqual({
      ok: false,
      problems: [
        'FLEETPILOT_SLACK_SIGNING_SECRET is required when FLEETPILOT_SLACK_BOT_TOKEN is set (clicks on approval buttons are verified with it)',
      ],
    });
    expect(parseServiceEnv({ ...base, FLEETPILOT_SLACK_SIGNING_SECRET: SECRET }).ok).toBe(true);
  });
});
