/**
 * What the webhook receivers need, as one options object whose collaborators are replaceable:
 * the real Firestore store and Pub/Sub publisher in production, small fakes in unit tests.
 */
import type { Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import type { Logger } from '../../shared/core/logger.ts';
import { FIXED_LIFETIMES } from '../../shared/state/retention.ts';
import type { PushFilter } from './relevance.ts';

/** The Git hosts fleetpilot accepts pushes from. */
export type Provider = 'github' | 'gitlab';

/** The message published to the git-pushes topic: a nudge to re-read the configuration. */
export interface GitPushMessage {
  provider: Provider;
  repository: string;
  branch: string;
  /** The commit the branch now points at. */
  commit: string;
  /** The commit it pointed at before the push (all zeros for a new branch). */
  before: string;
  /** Present (true) when the provider says the push rewrote the branch (GitHub's `forced`). */
  forced?: boolean;
  pusher: string;
  deliveryId: string;
  /** ISO-8601 time the receiver accepted the delivery. */
  receivedAt: string;
}

/** Publishes one message to the git-pushes topic and returns its message id. */
export type PublishGitPush = (payload: GitPushMessage, attributes: Record<string, string>) => Promise<string>;

/** The store operations the receivers use: replay markers, and removing one when publishing fails. */
export type WebhookStore = Pick<Store, 'markOnce' | 'delete'>;

/** Options of the webhook routers. A provider without a secret refuses every delivery. */
export interface WebhookDeps {
  github?: { secret: string } | undefined;
  gitlab?: { token: string } | undefined;
  filter: PushFilter;
  store: WebhookStore;
  publish: PublishGitPush;
  clock: Clock;
  log: Logger;
  /** Largest request body read, in bytes; defaults to {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/**
 * Largest webhook body read (1 MiB). GitHub allows up to 25 MB, but a push that concerns the
 * configuration is far smaller; refusing early bounds the memory an unauthenticated sender can
 * make the service hold (the limit plus one chunk per request).
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** How long a delivery id is remembered: longer than either provider keeps redelivering (shared/state/retention.ts). */
export const REPLAY_WINDOW_MS = FIXED_LIFETIMES.webhookDeliveryMs;
