/**
 * The provider-neutral end of a webhook: filter the authenticated push, drop replays, publish one
 * message to the git-pushes topic, and answer. No work happens inline — the consumer of the topic
 * re-reads the repository. A delivery is marked only once it is known to be relevant, and the
 * marker is removed again when publishing fails, so the sender's retry goes through.
 */
import type { Context } from 'hono';
import { MARKERS } from '../../shared/adapters/firestore.ts';
import { ApiError } from '../http-errors.ts';
import { markerKey } from './delivery.ts';
import { REPLAY_WINDOW_MS, type GitPushMessage, type Provider, type WebhookDeps } from './deps.ts';
import { pushRelevance, type PushSummary } from './relevance.ts';

/** An authenticated, validated push from either provider. */
export interface ReceivedPush extends PushSummary {
  provider: Provider;
  deliveryId: string;
  /** What replays are recognised by (the signed body's digest for GitHub, the delivery id for GitLab). */
  replayKey: string;
  before: string;
  /** The provider said the push rewrote the branch. */
  forced?: boolean;
  pusher: string;
}

/** Filters, deduplicates and publishes `push`; returns the response for the sender. */
export async function acceptPush(c: Context, deps: WebhookDeps, push: ReceivedPush): Promise<Response> {
  const log = deps.log.child({ component: 'webhooks', provider: push.provider, deliveryId: push.deliveryId });
  const verdict = pushRelevance(push, deps.filter);
  if (!verdict.relevant) {
    log.info('webhook push ignored', { repository: push.repository, ref: push.ref, reason: verdict.reason });
    return c.json({ status: 'ignored', reason: verdict.reason }, 200);
  }

  const branch = deps.filter.branch;
  const key = markerKey(push.provider, push.replayKey);
  const marked = await deps.store
    .markOnce(key, REPLAY_WINDOW_MS, { provider: push.provider, repository: push.repository, branch, commit: push.after })
    .catch((error: unknown) => {
      log.error('webhook replay marker could not be written', { error });
      throw new ApiError(503, 'unavailable', 'the delivery could not be recorded; retry later');
    });
  if (!marked) {
    log.info('webhook delivery is a replay, ignored', { commit: push.after });
    return c.json({ status: 'duplicate', deliveryId: push.deliveryId }, 200);
  }

  const message: GitPushMessage = {
    provider: push.provider,
    repository: push.repository,
    branch,
    commit: push.after,
    before: push.before,
    ...(push.forced ? { forced: true } : {}),
    pusher: push.pusher,
    deliveryId: push.deliveryId,
    receivedAt: deps.clock.now().toISOString(),
  };
  const attributes = { provider: push.provider, repository: push.repository, branch, commit: push.after, deliveryId: push.deliveryId };
  let messageId: string;
  try {
    messageId = await deps.publish(message, attributes);
  } catch (error) {
    log.error('webhook push could not be published', { error, commit: push.after });
    await deps.store.delete(MARKERS, key).catch((cleanup: unknown) => {
      log.error('webhook replay marker could not be removed: a retry of this delivery will be ignored', { error: cleanup, key });
    });
    throw new ApiError(503, 'unavailable', 'the push could not be queued; retry later');
  }
  log.info('webhook push published', { messageId, repository: push.repository, branch, commit: push.after, basis: verdict.basis });
  return c.json({ status: 'accepted', messageId, commit: push.after }, 202);
}
