/**
 * The GitLab webhook receiver: `X-Gitlab-Token` is a plain shared secret, compared in constant
 * time before the body is read; `Push Hook` events are read up to the body limit and go to
 * {@link acceptPush}, others are acknowledged and ignored unread. Replays are recognised by
 * `Idempotency-Key` (kept across GitLab's retries), then `X-Gitlab-Event-UUID`, then a digest of
 * the body. GitLab signs nothing: whoever holds the token can send any body, so there is no
 * signed field to key on, and keying on the body alone would drop a legitimate push that repeats
 * an earlier one byte for byte (a branch moved back and forth).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../http-errors.ts';
import { acceptPush } from './accept.ts';
import { decodeExactUtf8, deliveryIdOf, notConfigured, parseJson, secretMatches } from './delivery.ts';
import { readLimitedBody } from '../read-body.ts';
import { DEFAULT_MAX_BODY_BYTES, type WebhookDeps } from './deps.ts';
import { isZeroSha } from './relevance.ts';

const sha = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/i, 'must be a full commit SHA');
const files = z.array(z.string()).optional();
const commit = z.object({ id: z.string().optional(), added: files, modified: files, removed: files });

/** The fields of a GitLab `Push Hook` payload fleetpilot reads. */
export const gitlabPushSchema = z.object({
  object_kind: z.literal('push').optional(),
  ref: z.string().min(1),
  before: sha,
  after: sha,
  checkout_sha: sha.nullable().optional(),
  user_username: z.string(),
  project: z.object({ path_with_namespace: z.string().min(1) }),
  commits: z.array(commit).optional(),
  total_commits_count: z.number().int().min(0).optional(),
});

/** The validated payload. */
export type GitlabPush = z.output<typeof gitlabPushSchema>;

/** Creates the router, mounted at `/webhooks/gitlab`. */
export function gitlabRouter(deps: WebhookDeps): Hono {
  const router = new Hono();
  router.post('/', async (c) => {
    const token = deps.gitlab?.token;
    if (!token) throw notConfigured('gitlab');
    const presented = c.req.header('x-gitlab-token');
    if (!secretMatches(token, presented)) {
      deps.log.warn('webhook token rejected', { component: 'webhooks', provider: 'gitlab', tokenPresent: Boolean(presented) });
      throw new ApiError(401, 'unauthenticated', presented ? 'X-Gitlab-Token does not match' : 'missing X-Gitlab-Token header');
    }

    const event = c.req.header('x-gitlab-event');
    if (event !== 'Push Hook') return c.json({ status: 'ignored', reason: `event ${event ?? '(none)'} is not handled` }, 202);

    const raw = await readLimitedBody(c.req.raw, deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    const text = decodeExactUtf8(raw);
    if (text === undefined) throw new ApiError(400, 'invalid_argument', 'body is not UTF-8', { path: 'body' });
    const push = gitlabPushSchema.parse(parseJson(text, 'body'));
    const commits = push.commits;
    const total = push.total_commits_count ?? commits?.length ?? 0;
    const deliveryId = deliveryIdOf(c.req.header('idempotency-key') ?? c.req.header('x-gitlab-event-uuid'), raw);
    return acceptPush(c, deps, {
      provider: 'gitlab',
      deliveryId,
      replayKey: deliveryId,
      repository: push.project.path_with_namespace,
      ref: push.ref,
      before: push.before,
      after: push.after,
      pusher: push.user_username || 'unknown',
      commits,
      // No new commits: the branch moved to a commit it already had (a force-push back), so no file list says what changed.
      truncated: commits === undefined || total > commits.length || total === 0 || isZeroSha(push.before),
    });
  });
  return router;
}
