import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/core/logger.ts';
import { createApp } from '../../services/app.ts';

const SECRET = 'fuzz-secret-0123456789abcdef';
const TOKEN = 'fuzz-token-0123456789abcdef';
const SHA = 'c'.repeat(40);

const validGithub = {
  ref: 'refs/heads/main',
  before: SHA,
  after: SHA,
  repository: { full_name: 'acme/fleet' },
  pusher: { name: 'p' },
  commits: [{ modified: ['fleet.yaml'] }],
};
const validGitlab = {
  ref: 'refs/heads/main',
  before: SHA,
  after: SHA,
  user_username: 'u',
  project: { path_with_namespace: 'acme/fleet' },
  commits: [{ modified: ['fleet.yaml'] }],
  total_commits_count: 1,
};
const fields = [
  'ref',
  'before',
  'after',
  'repository',
  'pusher',
  'commits',
  'head_commit',
  'deleted',
  'forced',
  'created',
  'project',
  'user_username',
  'total_commits_count',
  '__proto__',
];

const headerText = fc.string({ unit: 'grapheme-ascii', maxLength: 80 });
const plausible = fc.constantFrom<[string, unknown]>(
  ['ref', 'refs/heads/dev'],
  ['ref', 'refs/tags/v1'],
  ['commits', []],
  ['commits', null],
  ['after', '0'.repeat(40)],
  ['repository', { full_name: 'acme/other' }],
  ['project', { path_with_namespace: 'ACME/FLEET' }],
  ['forced', true],
  ['total_commits_count', 40],
  ['commits', [{ added: ['docs/readme.md'] }]],
);
/** A JSON text: random JSON, or a valid payload with some fields replaced by random or plausible values. */
const jsonBody = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.constantFrom(validGithub, validGitlab).map((value) => JSON.stringify(value)),
  fc
    .tuple(
      fc.constantFrom(validGithub, validGitlab),
      fc.array(fc.oneof(fc.tuple(fc.constantFrom(...fields), fc.jsonValue()), plausible), { maxLength: 3 }),
    )
    .map(([base, edits]) => JSON.stringify(Object.fromEntries([...Object.entries(base), ...edits]))),
);
const body = fc.oneof(
  { weight: 4, arbitrary: jsonBody.map((text) => new TextEncoder().encode(text)) },
  jsonBody.map((text) => new TextEncoder().encode(`payload=${encodeURIComponent(text)}`)),
  fc.string({ maxLength: 200 }).map((text) => new TextEncoder().encode(text)),
  fc.uint8Array({ maxLength: 200 }),
);
const request = fc.record({
  provider: fc.constantFrom('github', 'gitlab'),
  body,
  /** `push` stands for the provider's push event. */
  event: fc.oneof({ weight: 6, arbitrary: fc.constant('push') }, fc.constantFrom('ping', 'issues', 'Tag Push Hook'), headerText),
  contentType: fc.oneof(
    { weight: 4, arbitrary: fc.constant('application/json') },
    fc.constantFrom('application/x-www-form-urlencoded', 'text/plain'),
    headerText,
  ),
  auth: fc.oneof({ weight: 4, arbitrary: fc.constant('valid' as const) }, fc.constant('absent' as const), headerText),
  delivery: fc.option(headerText),
});

describe('webhook fuzz', () => {
  const app = createApp({
    github: { secret: SECRET },
    gitlab: { token: TOKEN },
    filter: { repository: 'acme/fleet', branch: 'main', configPath: 'fleet.yaml' },
    store: { markOnce: async () => true, delete: async () => undefined },
    publish: async () => 'msg',
    clock: { now: () => new Date('2025-05-01T12:00:00Z') },
    log: silentLogger(),
  });

  it('2,000 random deliveries never yield a 5xx, a non-JSON answer or a throw', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = { 'content-type': r.contentType };
        if (r.provider === 'github') {
          headers['x-github-event'] = r.event;
          if (r.delivery !== null) headers['x-github-delivery'] = r.delivery;
          if (r.auth !== 'absent')
            headers['x-hub-signature-256'] =
              r.auth === 'valid' ? `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}` : r.auth;
        } else {
          headers['x-gitlab-event'] = r.event === 'push' ? 'Push Hook' : r.event;
          if (r.delivery !== null) headers['idempotency-key'] = r.delivery;
          if (r.auth !== 'absent') headers['x-gitlab-token'] = r.auth === 'valid' ? TOKEN : r.auth;
        }
        const res = await app.request(`/webhooks/${r.provider}`, { method: 'POST', headers, body: r.body });
        expect(res.status).toBeLessThan(500);
        const answer = (await res.json()) as { status?: string; code?: string };
        const outcome = `${res.status} ${answer.status ?? answer.code}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: 2000 },
    );
    // The fuzz reaches every stage: refusals, parse errors, ignores and accepted pushes.
    for (const outcome of [
      '202 accepted',
      '200 ignored',
      '200 pong',
      '400 invalid_argument',
      '401 unauthenticated',
      '415 unsupported_media_type',
    ]) {
      expect(outcomes.get(outcome) ?? 0, `${outcome} in ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    }
  });
});
