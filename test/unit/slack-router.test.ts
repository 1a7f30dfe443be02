import { createHmac } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../services/api/principal.ts';
import { ApiError, toErrorResponse } from '../../services/http-errors.ts';
import { HELP_TEXT } from '../../services/slack/command.ts';
import type { SlackDeps, SlackOpInput, SlackOpResult, SlackOps } from '../../services/slack/deps.ts';
import { INTERNAL_FAILURE_TEXT, REPLAY_TEXT, UNMAPPED_USER_TEXT } from '../../services/slack/handle.ts';
import { slackRouter } from '../../services/slack/router.ts';
import { slackMarkerKey, slackRequestId } from '../../services/slack/verify.ts';
import { createLogger } from '../../shared/core/logger.ts';

const SECRET = 'slack-signing-secret-DO-NOT-LEAK-5c2e';
const RESPONSE_TOKEN = 'RESPONSE-TOKEN-DO-NOT-LOG-9f3a';
const RESPONSE_URL = `https://hooks.slack.com/commands/T0001/1234/${RESPONSE_TOKEN}`;
const NOW = new Date('2025-05-01T12:00:00Z');
const TS = NOW.getTime() / 1000;
const ROLES: Record<string, Role> = { 'ops@example.com': 'operator', 'viewer@example.com': 'viewer', 'admin@example.com': 'admin' };
const USERS = { U_OPS: 'ops@example.com', U_VIEW: 'viewer@example.com', U_ADMIN: 'admin@example.com', U_NOROLE: 'nobody@example.com' };
/** Every response body, log line and posted message of this file; scanned for secrets at the end. */
const captured: string[] = [];
/** Every signature sent, valid or not. */
const signatures: string[] = [];

type OpCall = { op: keyof SlackOps; principal: Principal; input?: SlackOpInput };

function harness(over: Partial<SlackDeps> = {}, opsOver: Partial<SlackOps> = {}) {
  const markers = new Set<string>();
  const calls: OpCall[] = [];
  const posts: Array<{ url: string; body: unknown }> = [];
  const tasks: Array<Promise<unknown>> = [];
  const logs: Array<Record<string, unknown>> = [];
  const result = (summary: string, input?: SlackOpInput): SlackOpResult =>
    input?.dryRun ? { summary, text: 'dry run: nothing was changed' } : { summary };
  const ops: SlackOps = {
    status: async (principal) => (calls.push({ op: 'status', principal }), { summary: 'fleet: 3 regions serving' }),
    drain: async (principal, input) => (calls.push({ op: 'drain', principal, input }), result(`drained ${input.region}`, input)),
    restore: async (principal, input) => (calls.push({ op: 'restore', principal, input }), result(`restored ${input.region}`, input)),
    approvals: async (principal) => (calls.push({ op: 'approvals', principal }), { summary: 'no approval is waiting' }),
    decide: async (principal, input) => (calls.push({ op: 'decide', principal }), { summary: `${input.decision}d ${input.id}` }),
    ...opsOver,
  };
  const deps: SlackDeps = {
    signingSecret: SECRET,
    users: USERS,
    roleOf: (id) => ROLES[id],
    ops,
    store: { markOnce: async (key) => (markers.has(key) ? false : (markers.add(key), true)) },
    clock: { now: () => NOW },
    log: createLogger({
      level: 'DEBUG',
      write: (line) => void (captured.push(line), logs.push(JSON.parse(line) as Record<string, unknown>)),
    }),
    post: async (url, body) => void (captured.push(JSON.stringify(body)), posts.push({ url, body })),
    responseUrlPrefixes: ['https://hooks.slack.com/'],
    background: (task) => void tasks.push(task),
    ...over,
  };
  const app = new Hono();
  app.route('/slack', slackRouter(deps));
  app.onError((e, c) => {
    const r = toErrorResponse(e);
    return c.json(r.body, r.status);
  });
  const send = async ({ headers, body }: SlackRequest) => {
    const res = await app.request('/slack/commands', { method: 'POST', headers, body });
    const text = await res.text();
    captured.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  return { send, settle: () => Promise.all(tasks), markers, calls, posts, tasks, logs };
}

interface SlackRequest {
  headers: Record<string, string>;
  body: string | Uint8Array;
}
interface RequestOpts {
  timestamp?: number | string | null;
  signature?: string | null;
  secret?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

const sign = (timestamp: string, body: string | Uint8Array, secret = SECRET) =>
  `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;

/** A slash-command request, signed like Slack signs it unless the options say otherwise. */
function slackRequest(fields: Record<string, string | null> = {}, opts: RequestOpts = {}): SlackRequest {
  const form = {
    token: 'legacy',
    team_id: 'T0001',
    channel_id: 'C0001',
    user_id: 'U_OPS',
    user_name: 'ops',
    command: '/fleet',
    text: 'status',
    response_url: RESPONSE_URL,
    ...fields,
  };
  const body = opts.body ?? new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== null)).toString();
  const timestamp = opts.timestamp === undefined ? String(TS) : opts.timestamp === null ? null : String(opts.timestamp);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers };
  if (timestamp !== null) headers['x-slack-request-timestamp'] = timestamp;
  const signature = opts.signature === undefined ? sign(timestamp ?? '', body, opts.secret) : opts.signature;
  if (signature !== null) {
    headers['x-slack-signature'] = signature;
    signatures.push(signature);
  }
  return { headers, body };
}

const ephemeral = (text: string) => ({ response_type: 'ephemeral', text });
const unauthenticated = (message: string) => ({ code: 'unauthenticated', message });
const badRequest = (message: string, path?: string) => ({ code: 'invalid_argument', message, ...(path ? { details: { path } } : {}) });
const missing = (field: string) => badRequest(`missing form field ${field}`, field);
const badUrl = badRequest('response_url is not an allowed Slack URL', 'response_url');

describe('POST /slack/commands: immediate answers', () => {
  const denied = 'permission denied: /fleet drain needs the operator role; you are viewer';
  const cases: Array<[string, Record<string, string | null>, RequestOpts, number, Record<string, unknown>, number]> = [
    ['status from a viewer', { user_id: 'U_VIEW' }, {}, 200, ephemeral('Working on it: /fleet status'), 1],
    [
      'drain from an operator',
      { text: 'drain asia-northeast2 INC-7 packet loss' },
      {},
      200,
      ephemeral('Working on it: /fleet drain asia-northeast2'),
      1,
    ],
    [
      'restore from an admin',
      { user_id: 'U_ADMIN', text: 'restore asia-northeast2' },
      {},
      200,
      ephemeral('Working on it: /fleet restore asia-northeast2'),
      1,
    ],
    [
      'plan drain from a viewer',
      { user_id: 'U_VIEW', text: 'plan drain asia-northeast2 test' },
      {},
      200,
      ephemeral('Working on it: /fleet plan drain asia-northeast2'),
      1,
    ],
    ['help', { text: 'help' }, {}, 200, ephemeral(HELP_TEXT), 0],
    ['empty text', { text: null }, {}, 200, ephemeral(HELP_TEXT), 0],
    ['unknown command', { text: 'reboot' }, {}, 200, ephemeral(`unknown command "reboot".\n${HELP_TEXT}`), 0],
    ['drain without a reason', { text: 'drain asia-northeast2' }, {}, 200, ephemeral('reason required: /fleet drain REGION REASON'), 0],
    [
      'bad region',
      { text: 'drain tokyo now' },
      {},
      200,
      ephemeral('invalid region "tokyo": expected a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem'),
      0,
    ],
    ['viewer asking to drain', { user_id: 'U_VIEW', text: 'drain asia-northeast2 x' }, {}, 200, ephemeral(denied), 0],
    [
      'principal without a role',
      { user_id: 'U_NOROLE' },
      {},
      200,
      ephemeral('permission denied: /fleet status needs the viewer role; you have no role'),
      0,
    ],
    ['unknown Slack user', { user_id: 'U_STRANGER' }, {}, 200, ephemeral(UNMAPPED_USER_TEXT), 0],
    ['user id naming an Object property', { user_id: 'constructor' }, {}, 200, ephemeral(UNMAPPED_USER_TEXT), 0],
    ['user id __proto__', { user_id: '__proto__' }, {}, 200, ephemeral(UNMAPPED_USER_TEXT), 0],
    ['missing signature', {}, { signature: null }, 401, unauthenticated('missing X-Slack-Signature header'), 0],
    [
      'signature with another secret',
      {},
      { secret: 'not-the-secret' },
      401,
      unauthenticated('X-Slack-Signature does not match the request'),
      0,
    ],
    [
      'malformed signature',
      {},
      { signature: 'v0=nothex' },
      401,
      unauthenticated('X-Slack-Signature is not of the form v0=<64 hex digits>'),
      0,
    ],
    ['missing timestamp', {}, { timestamp: null }, 401, unauthenticated('missing X-Slack-Request-Timestamp header'), 0],
    [
      'timestamp 301 s old',
      {},
      { timestamp: TS - 301 },
      401,
      unauthenticated('X-Slack-Request-Timestamp is more than 300 s away from the server clock'),
      0,
    ],
    [
      'timestamp 301 s ahead',
      {},
      { timestamp: TS + 301 },
      401,
      unauthenticated('X-Slack-Request-Timestamp is more than 300 s away from the server clock'),
      0,
    ],
    ['timestamp 299 s old', {}, { timestamp: TS - 299 }, 200, ephemeral('Working on it: /fleet status'), 1],
    ['missing user_id', { user_id: null }, {}, 400, missing('user_id'), 0],
    ['missing command', { command: null }, {}, 400, missing('command'), 0],
    ['missing response_url', { response_url: null }, {}, 400, missing('response_url'), 0],
    ['response_url elsewhere', { response_url: 'https://attacker.example/collect' }, {}, 400, badUrl, 0],
    ['response_url on a look-alike host', { response_url: 'https://hooks.slack.com.attacker.example/x' }, {}, 400, badUrl, 0],
    ['response_url over http', { response_url: 'http://hooks.slack.com/commands/x' }, {}, 400, badUrl, 0],
    ['response_url to the metadata server', { response_url: 'http://169.254.169.254/computeMetadata/v1/' }, {}, 400, badUrl, 0],
    ['signed body that is not UTF-8', {}, { body: Uint8Array.from([0x75, 0x3d, 0xff]) }, 400, badRequest('body is not valid UTF-8'), 0],
  ];
  it.each(cases)('%s → %i', async (_name, fields, opts, status, body, started) => {
    const h = harness();
    const res = await h.send(slackRequest(fields, opts));
    expect(res).toEqual({ status, body });
    await h.settle();
    expect(h.tasks).toHaveLength(started);
    expect(h.calls).toHaveLength(started);
    expect(h.posts).toHaveLength(started);
    expect(h.markers.size).toBe(status === 200 ? 1 : 0);
  });

  it('refuses everything with 401 when no signing secret is configured', async () => {
    const h = harness({ signingSecret: undefined });
    expect(await h.send(slackRequest())).toEqual({ status: 401, body: unauthenticated('slack commands are not configured') });
    expect(h.calls).toHaveLength(0);
  });
});

describe('POST /slack/commands: operations', () => {
  it('runs an operator drain in the background and posts the result to response_url', async () => {
    const h = harness();
    const request = slackRequest({ text: 'drain asia-northeast2 INC-7: packet loss' });
    expect((await h.send(request)).status).toBe(200);
    await h.settle();
    const requestId = slackRequestId(request.headers['x-slack-signature']!);
    expect(h.calls).toEqual([
      {
        op: 'drain',
        principal: { id: 'ops@example.com', role: 'operator', via: 'slack' },
        input: { region: 'asia-northeast2', reason: 'INC-7: packet loss', dryRun: false, requestId },
      },
    ]);
    expect(h.posts).toEqual([{ url: RESPONSE_URL, body: { response_type: 'in_channel', text: 'drained asia-northeast2' } }]);
    expect([...h.markers]).toEqual([slackMarkerKey(request.headers['x-slack-signature']!)]);
    const handled = h.logs.filter((line) => line.message === 'slack command handled');
    expect(handled).toEqual([
      expect.objectContaining({
        user: 'U_OPS',
        principal: 'ops@example.com',
        command: 'drain',
        region: 'asia-northeast2',
        outcome: 'started',
        requestId,
      }),
    ]);
  });

  it('runs a plan as a dry run, even for a viewer, and posts summary and text', async () => {
    const h = harness();
    await h.send(slackRequest({ user_id: 'U_VIEW', text: 'plan restore europe-west1' }));
    await h.settle();
    expect(h.calls).toEqual([
      {
        op: 'restore',
        principal: { id: 'viewer@example.com', role: 'viewer', via: 'slack' },
        input: expect.objectContaining({ region: 'europe-west1', reason: '', dryRun: true }) as unknown,
      },
    ]);
    expect(h.posts[0]?.body).toEqual({ response_type: 'in_channel', text: 'restored europe-west1\ndry run: nothing was changed' });
  });

  it('answers before the operation finishes', async () => {
    let release: (value: SlackOpResult) => void = () => undefined;
    const pending = new Promise<SlackOpResult>((resolve) => (release = resolve));
    const h = harness({}, { drain: () => pending });
    const res = await h.send(slackRequest({ text: 'drain us-east1 slow' }));
    expect(res).toEqual({ status: 200, body: ephemeral('Working on it: /fleet drain us-east1') });
    expect(h.tasks).toHaveLength(1);
    expect(h.posts).toHaveLength(0);
    release({ summary: 'drained us-east1', text: 'operation op-1' });
    await h.settle();
    expect(h.posts).toEqual([{ url: RESPONSE_URL, body: { response_type: 'in_channel', text: 'drained us-east1\noperation op-1' } }]);
  });

  const failures: Array<[string, unknown, string, string]> = [
    [
      'a 4xx ApiError',
      new ApiError(409, 'conflict', 'asia-northeast2 is already drained'),
      'failed: asia-northeast2 is already drained',
      'WARNING',
    ],
    ['a 5xx ApiError', new ApiError(503, 'unavailable', 'firestore said no'), INTERNAL_FAILURE_TEXT, 'ERROR'],
    ['a plain Error', new Error('TypeError somewhere deep'), INTERNAL_FAILURE_TEXT, 'ERROR'],
    ['a thrown string', 'boom', INTERNAL_FAILURE_TEXT, 'ERROR'],
  ];
  it.each(failures)('posts an ephemeral failure for %s and never rejects', async (_name, error, text, severity) => {
    const h = harness(
      {},
      {
        drain: async () => {
          throw error;
        },
      },
    );
    await h.send(slackRequest({ text: 'drain us-east1 x' }));
    await expect(h.settle()).resolves.toBeDefined();
    expect(h.posts).toEqual([{ url: RESPONSE_URL, body: ephemeral(text) }]);
    expect(h.logs.some((line) => line.severity === severity && /^slack command (failed|refused)$/.test(String(line.message)))).toBe(true);
  });

  it('logs only the host when posting the result fails, and never rejects', async () => {
    const h = harness({ post: () => Promise.reject(new Error(`could not reach ${RESPONSE_URL}`)) });
    await h.send(slackRequest());
    await expect(h.settle()).resolves.toBeDefined();
    const line = h.logs.find((l) => l.message === 'slack response not delivered');
    expect(line).toMatchObject({ host: 'hooks.slack.com', errorName: 'Error', severity: 'ERROR' });
  });
});

describe('POST /slack/commands: replay and limits', () => {
  it('acknowledges a replay of the same request and does nothing', async () => {
    const h = harness();
    const request = slackRequest({ text: 'drain us-east1 once' });
    const upperHex = {
      ...request,
      headers: { ...request.headers, 'x-slack-signature': request.headers['x-slack-signature']!.toUpperCase().replace('V0=', 'v0=') },
    };
    const answers = [await h.send(request), await h.send(request), await h.send(upperHex)];
    expect(answers.map((a) => a.body.text)).toEqual(['Working on it: /fleet drain us-east1', REPLAY_TEXT, REPLAY_TEXT]);
    await h.settle();
    expect(h.calls).toHaveLength(1);
    expect(h.posts).toHaveLength(1);
  });

  it('answers 200 and runs nothing when the replay marker cannot be written', async () => {
    const h = harness({ store: { markOnce: () => Promise.reject(new Error('firestore down')) } });
    const res = await h.send(slackRequest({ text: 'drain us-east1 x' }));
    expect(res).toEqual({ status: 200, body: ephemeral('fleetpilot could not record this request; try again in a moment') });
    expect(h.tasks).toHaveLength(0);
  });

  const tooLarge = { code: 'payload_too_large', message: 'request body exceeds 65536 bytes' };
  it.each<[string, () => SlackRequest, Partial<SlackDeps>, number, Record<string, unknown>]>([
    ['a body one byte over 64 KiB', () => slackRequest({}, { body: 'a'.repeat(64 * 1024 + 1) }), {}, 413, tooLarge],
    [
      'a declared content-length over the limit',
      () => slackRequest({}, { headers: { 'content-length': String(10 * 1024 * 1024) } }),
      {},
      413,
      tooLarge,
    ],
    ['a body exactly at a custom limit', () => slackRequest({}, { body: 'a'.repeat(100) }), { maxBodyBytes: 100 }, 400, missing('user_id')],
    [
      'a body over a custom limit',
      () => slackRequest({}, { body: 'a'.repeat(101) }),
      { maxBodyBytes: 100 },
      413,
      { code: 'payload_too_large', message: 'request body exceeds 100 bytes' },
    ],
  ])('%s', async (_name, request, over, status, body) => {
    const h = harness(over);
    expect(await h.send(request())).toEqual({ status, body });
    expect(h.markers.size).toBe(0);
  });
});

describe('secrets', () => {
  it('never puts the signing secret, a signature or the response_url token in a response, a post or a log line', () => {
    expect(captured.length).toBeGreaterThan(60);
    expect(signatures.length).toBeGreaterThan(30);
    for (const text of captured) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(RESPONSE_TOKEN);
      for (const signature of signatures) if (signature.length > 8) expect(text).not.toContain(signature.slice(3));
    }
  });
});
