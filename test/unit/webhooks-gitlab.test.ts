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
/** Every response body and log line any test here produced; scanned for secrets at the end. */
const captured: string[] = [];

function harness(over: Partial<WebhookDeps> = {}) {
  const { store, markers } = memoryMarkerStore();
  const published: GitPushMessage[] = [];
  const deps: WebhookDeps = {
    github: { secret: SECRET },
    gitlab: { token: TOKEN },
    filter: { repository: 'platform/infra/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store,
    publish: async (payload) => `msg-${published.push(payload)}`,
    clock: { now: () => new Date('2025-05-01T12:00:00Z') },
    log: createLogger({ level: 'DEBUG', write: (line) => void captured.push(line) }),
    ...over,
  };
  const app = createApp(deps);
  const post = async (headers: Record<string, string>, body: string) => {
    const res = await app.request('/webhooks/gitlab', { method: 'POST', headers, body });
    const text = await res.text();
    captured.push(text);
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  };
  return { post, markers, published };
}

const gitlabPush = (over: Record<string, unknown> = {}) => ({
  object_kind: 'push',
  event_name: 'push',
  ref: 'refs/heads/main',
  before: BEFORE,
  after: AFTER,
  checkout_sha: AFTER,
  user_username: 'jsmith',
  project: { path_with_namespace: 'platform/infra/fleet-config' },
  commits: [{ id: AFTER, added: [], modified: ['fleet.yaml'], removed: [] }],
  total_commits_count: 1,
  ...over,
});

const headers = (over: Record<string, string | undefined> = {}): Record<string, string> => {
  const all: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-gitlab-event': 'Push Hook',
    'x-gitlab-token': TOKEN,
    ...over,
  };
  return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

describe('GitLab push', () => {
  const cases: Array<[string, Record<string, string>, unknown, number, Record<string, unknown>, number]> = [
    ['Push Hook touching the config', headers(), gitlabPush(), 202, { status: 'accepted', messageId: 'msg-1', commit: AFTER }, 1],
    [
      'missing token',
      headers({ 'x-gitlab-token': undefined }),
      gitlabPush(),
      401,
      { code: 'unauthenticated', message: 'missing X-Gitlab-Token header' },
      0,
    ],
    ['wrong token', headers({ 'x-gitlab-token': 'gl-webhook-token-DO-NOT-LEAK-93aX' }), gitlabPush(), 401, { code: 'unauthenticated' }, 0],
    ['token of another length', headers({ 'x-gitlab-token': TOKEN + TOKEN }), gitlabPush(), 401, { code: 'unauthenticated' }, 0],
    [
      'other event',
      headers({ 'x-gitlab-event': 'Tag Push Hook' }),
      gitlabPush(),
      202,
      { status: 'ignored', reason: 'event Tag Push Hook is not handled' },
      0,
    ],
    [
      'other branch',
      headers(),
      gitlabPush({ ref: 'refs/heads/feature' }),
      200,
      { status: 'ignored', reason: 'ref refs/heads/feature is not refs/heads/main' },
      0,
    ],
    ['other project', headers(), gitlabPush({ project: { path_with_namespace: 'platform/other' } }), 200, { status: 'ignored' }, 0],
    [
      'files not touching the config',
      headers(),
      gitlabPush({ commits: [{ added: ['README.md'], modified: [], removed: [] }] }),
      200,
      { status: 'ignored', reason: 'no commit touches fleet.yaml' },
      0,
    ],
    [
      'more commits than listed',
      headers(),
      gitlabPush({ commits: [{ added: ['README.md'], modified: [], removed: [] }], total_commits_count: 25 }),
      202,
      { status: 'accepted' },
      1,
    ],
    [
      'branch deletion',
      headers(),
      gitlabPush({ after: '0'.repeat(40), checkout_sha: null, commits: [], total_commits_count: 0 }),
      200,
      { status: 'ignored', reason: 'branch main was deleted' },
      0,
    ],
    ['new branch', headers(), gitlabPush({ before: '0'.repeat(40), commits: [] }), 202, { status: 'accepted' }, 1],
    ['malformed JSON', headers(), '{"ref":', 400, { code: 'invalid_argument', message: 'body is not valid JSON' }, 0],
    ['missing project path', headers(), gitlabPush({ project: {} }), 400, { code: 'invalid_argument' }, 0],
  ];
  it.each(cases)('%s → %i', async (_name, hdrs, payload, status, body, publishes) => {
    const h = harness();
    const res = await h.post(hdrs, typeof payload === 'string' ? payload : JSON.stringify(payload));
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject(body);
    expect(h.published).toHaveLength(publishes);
  });

  it('publishes the push with the GitLab user as pusher', async () => {
    const h = harness();
    await h.post(headers({ 'idempotency-key': 'k-1' }), JSON.stringify(gitlabPush()));
    expect(h.published).toEqual([
      {
        provider: 'gitlab',
        repository: 'platform/infra/fleet-config',
        branch: 'main',
        commit: AFTER,
        before: BEFORE,
        pusher: 'jsmith',
        deliveryId: 'k-1',
        receivedAt: '2025-05-01T12:00:00.000Z',
      },
    ]);
  });

  it('names the invalid field', async () => {
    const res = await harness().post(headers(), JSON.stringify(gitlabPush({ project: {} })));
    expect(res.body.message).toContain('project.path_with_namespace');
  });

  it('answers 404 not_configured without a token', async () => {
    const res = await harness({ gitlab: undefined }).post(headers(), JSON.stringify(gitlabPush()));
    expect(res).toMatchObject({ status: 404, body: { code: 'not_configured' } });
  });
});

describe('GitLab replay', () => {
  const replays: Array<[string, Record<string, string>, Record<string, string>, string]> = [
    [
      'Idempotency-Key',
      { 'idempotency-key': 'idem-1', 'x-gitlab-event-uuid': 'uuid-1' },
      { 'idempotency-key': 'idem-1', 'x-gitlab-event-uuid': 'uuid-2' },
      'webhook:gitlab:idem-1',
    ],
    ['X-Gitlab-Event-UUID', { 'x-gitlab-event-uuid': 'uuid-1' }, { 'x-gitlab-event-uuid': 'uuid-1' }, 'webhook:gitlab:uuid-1'],
    ['the body when no id header is sent', {}, {}, 'webhook:gitlab:body-sha256-'],
  ];
  it.each(replays)('recognises a redelivery by %s', async (_name, first, second, keyPrefix) => {
    const h = harness();
    const body = JSON.stringify(gitlabPush());
    expect((await h.post(headers(first), body)).status).toBe(202);
    const again = await h.post(headers(second), body);
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(h.published).toHaveLength(1);
    expect([...h.markers.keys()][0]).toContain(`${MARKERS}/${keyPrefix}`);
  });

  it('treats different ids as different deliveries', async () => {
    const h = harness();
    const body = JSON.stringify(gitlabPush());
    await h.post(headers({ 'idempotency-key': 'a' }), body);
    await h.post(headers({ 'idempotency-key': 'b' }), body);
    expect(h.published).toHaveLength(2);
  });

  it('never puts the token or the secret in a response or a log line', () => {
    expect(captured.length).toBeGreaterThan(20);
    for (const text of captured) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(SECRET);
    }
  });
});
