/**
 * Hostile deliveries to the webhook receivers (issue 13): the body limit holds while the body
 * streams and only after the cheap header checks, so an unauthenticated sender cannot make the
 * service buffer anything; replays are recognised by what the signature covers.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../services/app.ts';
import { DEFAULT_MAX_BODY_BYTES, type GitPushMessage, type WebhookDeps } from '../../services/webhooks/deps.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { memoryMarkerStore } from '../support/webhook-fakes.ts';

const SECRET = 'hostile-webhook-secret-0123456789';
const TOKEN = 'hostile-webhook-token-0123456789';
const CHUNK = 64 * 1024;

function harness(over: Partial<WebhookDeps> = {}) {
  const { store, markers } = memoryMarkerStore();
  const published: GitPushMessage[] = [];
  const app = createApp({
    github: { secret: SECRET },
    gitlab: { token: TOKEN },
    filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store,
    publish: async (payload) => `msg-${published.push(payload)}`,
    clock: { now: () => new Date('2025-05-01T12:00:00Z') },
    log: silentLogger(),
    ...over,
  });
  return { app, markers, published };
}

/** A chunked body of `total` bytes that counts what the receiver pulled from it (nothing is pulled ahead). */
function streamedBody(total: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        const size = Math.min(CHUNK, total - pulled);
        pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

const post = async (
  app: ReturnType<typeof createApp>,
  path: string,
  headers: Record<string, string>,
  body: ReadableStream<Uint8Array> | string,
) => {
  const res = await app.request(path, { method: 'POST', headers, body, duplex: 'half' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
const push = {
  ref: 'refs/heads/main',
  before: 'b'.repeat(40),
  after: 'c'.repeat(40),
  repository: { full_name: 'acme/fleet-config' },
  pusher: { name: 'octocat' },
  commits: [{ modified: ['fleet.yaml'] }],
};
const githubHeaders = (body: string, over: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'x-github-event': 'push',
  'x-github-delivery': crypto.randomUUID(),
  'x-hub-signature-256': sign(body),
  ...over,
});
const gitlabPush = {
  ref: 'refs/heads/main',
  before: 'b'.repeat(40),
  after: 'c'.repeat(40),
  user_username: 'u',
  project: { path_with_namespace: 'acme/fleet-config' },
  commits: [{ modified: ['fleet.yaml'] }],
  total_commits_count: 1,
};

describe('webhook body limit: after the header checks, while streaming', () => {
  it('the limit is about 1 MB', () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1024 * 1024);
  });

  it.each<[string, Record<string, string>]>([
    ['no signature', { 'x-github-event': 'push' }],
    ['a signature that is not sha256=HEX', { 'x-github-event': 'push', 'x-hub-signature-256': 'sha1=' + 'a'.repeat(40) }],
    ['a truncated signature', { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=abc' }],
  ])('GitHub with %s: 401 without reading a byte of a 25 MB chunked body', async (_name, headers) => {
    const { app, published } = harness();
    const body = streamedBody(25 * 1024 * 1024);
    const res = await post(app, '/webhooks/github', { 'content-type': 'application/json', ...headers }, body.stream);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthenticated');
    expect(body.pulled()).toBe(0);
    expect(published).toHaveLength(0);
  });

  it('GitHub with a well-formed but wrong signature: 413 after reading at most the limit plus one chunk', async () => {
    const { app } = harness();
    const body = streamedBody(25 * 1024 * 1024);
    const res = await post(
      app,
      '/webhooks/github',
      { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      body.stream,
    );
    expect(res).toEqual({
      status: 413,
      body: { code: 'payload_too_large', message: `request body exceeds ${DEFAULT_MAX_BODY_BYTES} bytes` },
    });
    expect(body.pulled()).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES + CHUNK);
  });

  it('GitHub with a declared length over the limit: 413 without reading', async () => {
    const { app } = harness();
    const body = streamedBody(2 * 1024 * 1024);
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      'content-length': String(2 * 1024 * 1024),
    };
    expect((await post(app, '/webhooks/github', headers, body.stream)).status).toBe(413);
    expect(body.pulled()).toBe(0);
  });

  it('GitHub: a signed push of exactly the limit is accepted, one byte more is refused', async () => {
    const { app, published } = harness();
    const json = JSON.stringify(push);
    const exact = json + ' '.repeat(DEFAULT_MAX_BODY_BYTES - json.length);
    expect((await post(app, '/webhooks/github', githubHeaders(exact), exact)).status).toBe(202);
    const over = exact + ' ';
    expect((await post(app, '/webhooks/github', githubHeaders(over), over)).status).toBe(413);
    expect(published).toHaveLength(1);
  });

  it.each<[string, Record<string, string>]>([
    ['no token', { 'x-gitlab-event': 'Push Hook' }],
    ['a wrong token', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'not-the-token' }],
  ])('GitLab with %s: 401 without reading a byte of a 25 MB chunked body', async (_name, headers) => {
    const { app } = harness();
    const body = streamedBody(25 * 1024 * 1024);
    const res = await post(app, '/webhooks/gitlab', { 'content-type': 'application/json', ...headers }, body.stream);
    expect(res.status).toBe(401);
    expect(body.pulled()).toBe(0);
  });

  it('GitLab with the token and an oversized chunked body: 413 after at most the limit plus one chunk', async () => {
    const { app, published } = harness();
    const body = streamedBody(25 * 1024 * 1024);
    const res = await post(
      app,
      '/webhooks/gitlab',
      { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': TOKEN },
      body.stream,
    );
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES + CHUNK);
    expect(published).toHaveLength(0);
  });

  it('GitLab: an event that is not a push is acknowledged without reading the body', async () => {
    const { app } = harness();
    const body = streamedBody(25 * 1024 * 1024);
    const res = await post(
      app,
      '/webhooks/gitlab',
      { 'content-type': 'application/json', 'x-gitlab-event': 'Issue Hook', 'x-gitlab-token': TOKEN },
      body.stream,
    );
    expect(res.status).toBe(202);
    expect(body.pulled()).toBe(0);
  });

  it('GitLab: a push within the limit is still accepted', async () => {
    const { app, published } = harness();
    const res = await post(
      app,
      '/webhooks/gitlab',
      { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': TOKEN },
      JSON.stringify(gitlabPush),
    );
    expect(res.status).toBe(202);
    expect(published).toHaveLength(1);
  });
});

describe('GitHub replay protection keyed on the signed body', () => {
  it('a captured signed body sent again under a new X-GitHub-Delivery is a duplicate', async () => {
    const { app, published } = harness();
    const body = JSON.stringify(push);
    const first = await post(app, '/webhooks/github', githubHeaders(body, { 'x-github-delivery': 'delivery-1' }), body);
    const replay = await post(app, '/webhooks/github', githubHeaders(body, { 'x-github-delivery': 'delivery-2' }), body);
    const noId = await post(
      app,
      '/webhooks/github',
      { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sign(body) },
      body,
    );
    expect([first.status, replay.status, noId.status]).toEqual([202, 200, 200]);
    expect(replay.body).toMatchObject({ status: 'duplicate' });
    expect(published).toHaveLength(1);
  });

  it('a different signed push is accepted even under a delivery id already seen', async () => {
    const { app, published } = harness();
    const one = JSON.stringify(push);
    const two = JSON.stringify({ ...push, before: push.after, after: 'd'.repeat(40) });
    await post(app, '/webhooks/github', githubHeaders(one, { 'x-github-delivery': 'same-id' }), one);
    const second = await post(app, '/webhooks/github', githubHeaders(two, { 'x-github-delivery': 'same-id' }), two);
    expect(second.status).toBe(202);
    expect(published.map((p) => p.commit)).toEqual(['c'.repeat(40), 'd'.repeat(40)]);
  });
});
