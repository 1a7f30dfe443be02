/**
 * The GitHub webhook receiver: refuses a missing or malformed `X-Hub-Signature-256` before reading
 * the body, reads at most the body limit, verifies the signature (HMAC-SHA256 of the raw body
 * bytes, constant-time) before anything is parsed, answers `ping`, and hands `push` events — JSON
 * or form-encoded — to {@link acceptPush}, keyed for replays by the digest of the signed body.
 * Other events are acknowledged and ignored.
 */
import { verify } from '@octokit/webhooks-methods';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../http-errors.ts';
import { acceptPush } from './accept.ts';
import { bodyDigest, decodeExactUtf8, deliveryIdOf, notConfigured, parseJson } from './delivery.ts';
import { readLimitedBody } from '../read-body.ts';
import { DEFAULT_MAX_BODY_BYTES, type WebhookDeps } from './deps.ts';
import { isZeroSha } from './relevance.ts';

/** GitHub lists at most this many commits in a push payload; a list this long may be cut short. */
export const GITHUB_COMMIT_LIST_CAP = 20;
/** GitHub caps each commit's added/modified/removed list at this many paths. */
export const GITHUB_FILE_LIST_CAP = 5000;

/** The only signature GitHub sends with SHA-256: `sha256=` and 64 hexadecimal digits. */
const SIGNATURE = /^sha256=[0-9a-f]{64}$/i;

const sha = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/i, 'must be a full commit SHA');
const files = z.array(z.string()).optional();
const commitSchema = z.object({ id: z.string().optional(), added: files, modified: files, removed: files });

/** The fields of a GitHub `push` payload fleetpilot reads. */
export const githubPushSchema = z.object({
  ref: z.string().min(1),
  before: sha,
  after: sha,
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  repository: z.object({ full_name: z.string().min(1) }),
  pusher: z.object({ name: z.string() }),
  commits: z.array(commitSchema).optional(),
  head_commit: commitSchema.nullable().optional(),
});

/** The validated payload. */
export type GithubPush = z.output<typeof githubPushSchema>;

/** Creates the router, mounted at `/webhooks/github`. */
export function githubRouter(deps: WebhookDeps): Hono {
  const router = new Hono();
  router.post('/', async (c) => {
    const secret = deps.github?.secret;
    if (!secret) throw notConfigured('github');
    // Cheap checks first: nothing is read from a sender that cannot have signed the body.
    const signature = c.req.header('x-hub-signature-256')?.trim();
    if (!signature || !SIGNATURE.test(signature)) {
      deps.log.warn('webhook signature rejected', {
        component: 'webhooks',
        provider: 'github',
        signaturePresent: Boolean(signature),
        reason: 'missing or malformed',
      });
      throw new ApiError(
        401,
        'unauthenticated',
        signature ? 'X-Hub-Signature-256 must be sha256= followed by 64 hexadecimal digits' : 'missing X-Hub-Signature-256 header',
      );
    }
    const raw = await readLimitedBody(c.req.raw, deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    const text = await authenticate(secret, raw, signature);
    if (text === undefined) {
      deps.log.warn('webhook signature rejected', {
        component: 'webhooks',
        provider: 'github',
        signaturePresent: true,
        reason: 'does not match the body',
      });
      throw new ApiError(401, 'unauthenticated', 'X-Hub-Signature-256 does not match the body');
    }

    const event = c.req.header('x-github-event');
    if (event === 'ping') return c.json({ status: 'pong' }, 200);
    if (event !== 'push') return c.json({ status: 'ignored', reason: `event ${event ?? '(none)'} is not handled` }, 202);

    const push = githubPushSchema.parse(pushPayload(c.req.header('content-type'), text));
    const created = push.created === true || isZeroSha(push.before);
    const commits = push.commits;
    return acceptPush(c, deps, {
      provider: 'github',
      deliveryId: deliveryIdOf(c.req.header('x-github-delivery'), raw),
      // X-GitHub-Delivery is not signed: a captured body resent under a new id must still be a replay.
      replayKey: bodyDigest(raw),
      repository: push.repository.full_name,
      ref: push.ref,
      before: push.before,
      after: push.after,
      forced: push.forced === true,
      deleted: push.deleted === true,
      pusher: push.pusher.name || 'unknown',
      commits,
      truncated:
        commits === undefined || commits.length >= GITHUB_COMMIT_LIST_CAP || commits.some(capped) || push.forced === true || created,
    });
  });
  return router;
}

/** True when one of the commit's file lists may have been cut short. */
function capped(commit: z.output<typeof commitSchema>): boolean {
  return [commit.added, commit.modified, commit.removed].some((files) => (files?.length ?? 0) >= GITHUB_FILE_LIST_CAP);
}

/** The body as text when the signature matches it byte for byte; undefined otherwise. */
async function authenticate(secret: string, raw: Uint8Array, signature: string): Promise<string | undefined> {
  const text = decodeExactUtf8(raw);
  if (!text) return undefined;
  try {
    return (await verify(secret, text, signature)) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The push payload from a JSON body or from the `payload` field of a form body. */
function pushPayload(contentType: string | undefined, text: string): unknown {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return parseJson(text, 'body');
  if (media === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new ApiError(400, 'invalid_argument', 'form body has no payload field', { path: 'payload' });
    return parseJson(payload, 'payload');
  }
  throw new ApiError(415, 'unsupported_media_type', 'content type must be application/json or application/x-www-form-urlencoded');
}
