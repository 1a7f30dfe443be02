/**
 * What the webhook receivers hand the git-push flow for ordering by history: the push's `before`,
 * and `forced` when GitHub says the branch was rewritten; a GitLab push that adds no commits (the
 * branch moved back) is published, since no file list says what changed.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryMarkerStore } from '../support/webhook-fakes.ts';
import { createLogger } from '../../shared/core/logger.ts';
import { parseGitPushMessage } from '../../shared/gitops/index.ts';
import { createApp } from '../../services/app.ts';
import type { GitPushMessage } from '../../services/webhooks/deps.ts';

const SECRET = 'gh-webhook-secret-for-gitops-tests';
const TOKEN = 'gl-webhook-token-for-gitops-tests';
const OLDER = 'a'.repeat(40);
const NEWER = 'b'.repeat(40);

function receiver() {
  const published: GitPushMessage[] = [];
  const app = createApp({
    github: { secret: SECRET },
    gitlab: { token: TOKEN },
    filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store: memoryMarkerStore().store,
    publish: async (payload) => (published.push(payload), `msg-${published.length}`),
    clock: { now: () => new Date('2025-05-01T12:00:00Z') },
    log: createLogger({ level: 'ERROR', write: () => undefined }),
  });
  const github = (payload: object) => {
    const body = JSON.stringify(payload);
    return app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
  };
  const gitlab = (payload: object) =>
    app.request('/webhooks/gitlab', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': TOKEN },
      body: JSON.stringify(payload),
    });
  return { published, github, gitlab };
}

const githubPush = (before: string, after: string, forced: boolean) => ({
  ref: 'refs/heads/main',
  before,
  after,
  forced,
  repository: { full_name: 'acme/fleet-config' },
  pusher: { name: 'octocat' },
  commits: forced ? [] : [{ id: after, added: [], modified: ['fleet.yaml'], removed: [] }],
  head_commit: { id: after },
});

describe('push messages for ordering by history', () => {
  it.each([
    { name: 'an ordinary push', before: OLDER, after: NEWER, forced: false, extra: {} },
    { name: 'a force-push back to an older commit', before: NEWER, after: OLDER, forced: true, extra: { forced: true } },
  ])('GitHub: $name is published with before (and forced)', async ({ before, after, forced, extra }) => {
    const r = receiver();
    expect((await r.github(githubPush(before, after, forced))).status).toBe(202);
    expect(r.published).toEqual([
      {
        provider: 'github',
        repository: 'acme/fleet-config',
        branch: 'main',
        commit: after,
        before,
        ...extra,
        pusher: 'octocat',
        deliveryId: expect.any(String) as unknown,
        receivedAt: '2025-05-01T12:00:00.000Z',
      },
    ]);
    expect(parseGitPushMessage(r.published[0])).toMatchObject({ ok: true, message: { commit: after, before, ...extra } });
  });

  it('GitLab: a push that adds no commits (the branch moved back) is published', async () => {
    const r = receiver();
    const res = await r.gitlab({
      object_kind: 'push',
      ref: 'refs/heads/main',
      before: NEWER,
      after: OLDER,
      checkout_sha: OLDER,
      user_username: 'jsmith',
      project: { path_with_namespace: 'acme/fleet-config' },
      commits: [],
      total_commits_count: 0,
    });
    expect(res.status).toBe(202);
    expect(r.published).toMatchObject([{ provider: 'gitlab', commit: OLDER, before: NEWER }]);
  });
});
