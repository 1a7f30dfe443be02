import { createHash, createHmac } from 'node:crypto';
import { memoryMarkerStore } from '../support/webhook-fakes.ts';
import { describe, expect, it } from 'vitest';
import { MARKERS } from '../../shared/adapters/firestore.ts';
import { createLogger } from '../../shared/core/logger.ts';
import { createApp } from '../../services/app.ts';
import type { GitPushMessage, WebhookDeps } from '../../services/webhooks/deps.ts';

const SECRET = 'gh-webhook-secret-DO-NOT-LEAK-7d41';
const TOKEN = 'gl-webhook-token-DO-NOT-LEAK-93ae';
const BEFORE = 'b'.repeat(40);
const AFTER = 'c'.repeat(40);
const ZERO = '0'.repeat(40);
/** Every response body and log line any test here produced; scanned for secrets at the end. */
const captured: string[] = [];

function harness(over: Partial<WebhookDeps> = {}) {
  const { store, markers } = memoryMarkerStore();
  const published: Array<{ payload: GitPushMessage; attributes: Record<string, string> }> = [];
  let publishFailures = 0;
  const deps: WebhookDeps = {
    github: { secret: SECRET },
    gitlab: { token: TOKEN },
    filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store,
    publish: async (payload, attributes) => {
      if (publishFailures > 0 && publishFailures--) throw new Error('pubsub unavailable');
      published.push({ payload, attributes });
      return `msg-${published.length}`;
    },
    clock: { now: () => new Date('2025-05-01T12:00:00Z') },
    log: createLogger({ level: 'DEBUG', write: (line) => void captured.push(line) }),
    ...over,
  };
  const app = createApp(deps);
  const post = async (path: string, headers: Record<string, string>, body: string | Uint8Array) => {
    const res = await app.request(path, { method: 'POST', headers, body });
    const text = await res.text();
    captured.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  return { post, markers, published, failNextPublish: () => void publishFailures++ };
}

const githubPush = (over: Record<string, unknown> = {}) => ({
  ref: 'refs/heads/main',
  before: BEFORE,
  after: AFTER,
  created: false,
  deleted: false,
  forced: false,
  repository: { full_name: 'acme/fleet-config', name: 'fleet-config' },
  pusher: { name: 'octocat', email: 'octocat@example.com' },
  commits: [{ id: AFTER, added: [], modified: ['fleet.yaml'], removed: [] }],
  head_commit: { id: AFTER, added: [], modified: ['fleet.yaml'], removed: [] },
  ...over,
});

const sign = (body: string | Uint8Array, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

interface GithubOpts {
  event?: string;
  delivery?: string;
  form?: boolean;
  signature?: string | null;
  contentType?: string;
}
function githubRequest(payload: unknown, opts: GithubOpts = {}): [string, Record<string, string>, string] {
  const json = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const body = opts.form ? new URLSearchParams({ payload: json }).toString() : json;
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? (opts.form ? 'application/x-www-form-urlencoded' : 'application/json'),
    'x-github-event': opts.event ?? 'push',
    'x-github-delivery': opts.delivery ?? crypto.randomUUID(),
  };
  const signature = opts.signature === undefined ? sign(body) : opts.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return ['/webhooks/github', headers, body];
}

describe('GitHub push', () => {
  const cases: Array<[string, unknown, GithubOpts, number, Record<string, unknown>, number]> = [
    ['JSON push of the config', githubPush(), {}, 202, { status: 'accepted', messageId: 'msg-1', commit: AFTER }, 1],
    ['form-encoded push', githubPush(), { form: true }, 202, { status: 'accepted', commit: AFTER }, 1],
    ['JSON with a charset parameter', githubPush(), { contentType: 'application/json; charset=utf-8' }, 202, { status: 'accepted' }, 1],
    [
      'missing signature',
      githubPush(),
      { signature: null },
      401,
      { code: 'unauthenticated', message: 'missing X-Hub-Signature-256 header' },
      0,
    ],
    [
      'signature with another secret',
      githubPush(),
      { signature: sign(JSON.stringify(githubPush()), 'wrong-secret') },
      401,
      { code: 'unauthenticated' },
      0,
    ],
    [
      'signature over re-serialized JSON',
      JSON.stringify(githubPush(), null, 2),
      { signature: sign(JSON.stringify(githubPush())) },
      401,
      { code: 'unauthenticated' },
      0,
    ],
    ['sha1 signature', githubPush(), { signature: 'sha1=' + 'a'.repeat(40) }, 401, { code: 'unauthenticated' }, 0],
    ['garbage signature', githubPush(), { signature: 'nonsense' }, 401, { code: 'unauthenticated' }, 0],
    ['ping', { zen: 'Keep it logically awesome.', hook_id: 1 }, { event: 'ping' }, 200, { status: 'pong' }, 0],
    ['other event', { action: 'opened' }, { event: 'issues' }, 202, { status: 'ignored', reason: 'event issues is not handled' }, 0],
    [
      'other branch',
      githubPush({ ref: 'refs/heads/dev' }),
      {},
      200,
      { status: 'ignored', reason: 'ref refs/heads/dev is not refs/heads/main' },
      0,
    ],
    [
      'other repository',
      githubPush({ repository: { full_name: 'acme/other' } }),
      {},
      200,
      { status: 'ignored', reason: 'repository acme/other is not acme/fleet-config' },
      0,
    ],
    [
      'files not touching the config',
      githubPush({ commits: [{ id: AFTER, added: ['docs/a.md'], modified: [], removed: [] }] }),
      {},
      200,
      { status: 'ignored', reason: 'no commit touches fleet.yaml' },
      0,
    ],
    [
      'truncated commit list (20)',
      githubPush({ commits: Array.from({ length: 20 }, () => ({ added: [], modified: ['x'], removed: [] })) }),
      {},
      202,
      { status: 'accepted' },
      1,
    ],
    [
      'capped file list (5000)',
      githubPush({ commits: [{ added: Array.from({ length: 5000 }, (_, i) => `f${i}`), modified: [], removed: [] }] }),
      {},
      202,
      { status: 'accepted' },
      1,
    ],
    ['commit list missing', githubPush({ commits: undefined }), {}, 202, { status: 'accepted' }, 1],
    ['forced push without file evidence', githubPush({ forced: true, commits: [] }), {}, 202, { status: 'accepted' }, 1],
    ['new branch', githubPush({ created: true, before: ZERO, commits: [] }), {}, 202, { status: 'accepted' }, 1],
    [
      'branch deletion',
      githubPush({ deleted: true, after: ZERO, commits: [], head_commit: null }),
      {},
      200,
      { status: 'ignored', reason: 'branch main was deleted' },
      0,
    ],
    ['malformed JSON', '{"ref": "refs/heads/main",', {}, 400, { code: 'invalid_argument', message: 'body is not valid JSON' }, 0],
    ['missing repository name', githubPush({ repository: {} }), {}, 400, { code: 'invalid_argument' }, 0],
    [
      'form without payload field',
      'nothing=here',
      { contentType: 'application/x-www-form-urlencoded' },
      400,
      { code: 'invalid_argument', message: 'form body has no payload field' },
      0,
    ],
    ['unsupported content type', githubPush(), { contentType: 'text/plain' }, 415, { code: 'unsupported_media_type' }, 0],
  ];
  it.each(cases)('%s → %i', async (_name, payload, opts, status, body, publishes) => {
    const h = harness();
    const res = await h.post(...githubRequest(payload, opts));
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject(body);
    expect(h.published).toHaveLength(publishes);
    expect(h.markers.size).toBe(publishes);
  });

  it('publishes the push as a nudge, with attributes', async () => {
    const h = harness();
    await h.post(...githubRequest(githubPush(), { delivery: 'd-1' }));
    expect(h.published).toEqual([
      {
        payload: {
          provider: 'github',
          repository: 'acme/fleet-config',
          branch: 'main',
          commit: AFTER,
          before: BEFORE,
          pusher: 'octocat',
          deliveryId: 'd-1',
          receivedAt: '2025-05-01T12:00:00.000Z',
        },
        attributes: { provider: 'github', repository: 'acme/fleet-config', branch: 'main', commit: AFTER, deliveryId: 'd-1' },
      },
    ]);
  });

  it('names the invalid field', async () => {
    const h = harness();
    const bad = await h.post(...githubRequest(githubPush({ repository: {} })));
    expect(bad.body.message).toContain('repository.full_name');
    const nested = await h.post(...githubRequest(githubPush({ commits: [{ modified: 'fleet.yaml' }] })));
    expect(nested.body.message).toContain('commits.0.modified');
    expect(nested.body.details).toMatchObject({ issues: [{ path: 'commits.0.modified' }] });
  });

  it('verifies the exact bytes: non-ASCII text and a byte-order mark pass, invalid UTF-8 does not', async () => {
    const h = harness();
    const unicode = JSON.stringify(githubPush({ pusher: { name: 'Zoë 東京' } }));
    expect((await h.post(...githubRequest(unicode))).status).toBe(202);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(githubPush()))]);
    const bomHeaders = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': sign(withBom) };
    expect((await h.post('/webhooks/github', bomHeaders, withBom)).status).toBe(200);
    const invalid = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const invalidHeaders = { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': sign(invalid) };
    expect((await h.post('/webhooks/github', invalidHeaders, invalid)).status).toBe(401);
  });
});

describe('GitHub replay and failure', () => {
  it('acknowledges a redelivery and publishes once', async () => {
    const h = harness();
    const first = await h.post(...githubRequest(githubPush(), { delivery: 'same' }));
    const again = await h.post(...githubRequest(githubPush(), { delivery: 'same' }));
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(again.body).toEqual({ status: 'duplicate', deliveryId: 'same' });
    expect(h.published).toHaveLength(1);
  });

  it('does not mark ignored deliveries', async () => {
    const h = harness();
    await h.post(...githubRequest(githubPush({ ref: 'refs/heads/dev' }), { delivery: 'x' }));
    expect(h.markers.size).toBe(0);
  });

  it('answers 503 when publishing fails, removes the marker, and the retry succeeds', async () => {
    const h = harness();
    h.failNextPublish();
    const failed = await h.post(...githubRequest(githubPush(), { delivery: 'retry-me' }));
    expect(failed).toEqual({ status: 503, body: { code: 'unavailable', message: 'the push could not be queued; retry later' } });
    expect(h.markers.size).toBe(0);
    const retried = await h.post(...githubRequest(githubPush(), { delivery: 'retry-me' }));
    expect(retried.status).toBe(202);
    expect(h.published).toHaveLength(1);
    // The marker is keyed on the signed body, not on the unsigned delivery id.
    const digest = createHash('sha256').update(githubRequest(githubPush())[2]).digest('hex');
    expect([...h.markers.keys()]).toEqual([`${MARKERS}/webhook:github:body-sha256-${digest}`]);
  });

  it('answers 503 when the marker cannot be written, and publishes nothing', async () => {
    const h = harness({ store: { markOnce: () => Promise.reject(new Error('firestore down')), delete: async () => undefined } });
    const res = await h.post(...githubRequest(githubPush()));
    expect(res.status).toBe(503);
    expect(h.published).toHaveLength(0);
  });

  it('answers 404 not_configured without a secret, even for a well-formed request', async () => {
    const h = harness({ github: undefined });
    const res = await h.post(...githubRequest(githubPush()));
    expect(res).toMatchObject({ status: 404, body: { code: 'not_configured' } });
    expect(h.published).toHaveLength(0);
  });

  it('handles a push in well under a second (median of 200)', async () => {
    const h = harness();
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const request = githubRequest(githubPush({ after: (i + 1).toString(16).padStart(40, '0') }), { delivery: `timing-${i}` });
      const start = performance.now();
      expect((await h.post(...request)).status).toBe(202);
      times.push(performance.now() - start);
    }
    const median = times.sort((a, b) => a - b)[100]!;
    expect(median).toBeLessThan(50);
  });

  it('never puts the secret or the token in a response or a log line', () => {
    expect(captured.length).toBeGreaterThan(40);
    for (const text of captured) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
  });
});
