/**
 * What the Slack router needs, as one options object whose collaborators are replaceable: the
 * operations service, Firestore and `fetch` in production, small fakes in unit tests.
 */
import type { Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import type { Logger } from '../../shared/core/logger.ts';
import type { Principal, Role } from '../api/principal.ts';
import type { OverridableGuard } from '../../shared/failover/index.ts';

/** What an operation reports back: a one-line summary, optionally followed by more text. */
export interface SlackOpResult {
  summary: string;
  text?: string;
}

/** A drain or restore as requested from Slack. */
export interface SlackOpInput {
  region: string;
  reason: string;
  /** True for `plan …`: report what would change, change nothing. */
  dryRun: boolean;
  /** Derived from the signed request, so a replay of the same request maps to the same id. */
  requestId: string;
  /** Break glass (admin): guards this drain may break. */
  overrideGuards?: OverridableGuard[];
}

/** The operations the commands run, on behalf of the mapped principal. */
export interface SlackOps {
  status(principal: Principal): Promise<SlackOpResult>;
  drain(principal: Principal, input: SlackOpInput): Promise<SlackOpResult>;
  restore(principal: Principal, input: SlackOpInput): Promise<SlackOpResult>;
  /** The approvals waiting for a decision. */
  approvals(principal: Principal): Promise<SlackOpResult>;
  /** Approves or denies one (never the requester's own). */
  decide(principal: Principal, input: { id: string; decision: 'approve' | 'deny'; reason: string }): Promise<SlackOpResult>;
}

/** Options of {@link slackRouter}. */
export interface SlackDeps {
  /** The app's signing secret; absent, every request is refused with 401. */
  signingSecret?: string | undefined;
  /** Slack user id (e.g. `U0123`) → principal id (an email). */
  users: Record<string, string>;
  roleOf(principalId: string): Role | undefined;
  ops: SlackOps;
  /** Replay markers. */
  store: Pick<Store, 'markOnce'>;
  clock: Clock;
  log: Logger;
  /** Posts a JSON body to a `response_url` (production: `fetch`). */
  post(url: string, body: unknown): Promise<void>;
  /** A `response_url` must start with one of these (production: {@link DEFAULT_RESPONSE_URL_PREFIXES}). */
  responseUrlPrefixes: string[];
  /** Keeps a task alive after the acknowledgement was sent; the task never rejects. */
  background(task: Promise<unknown>): void;
  /** Largest request body read, in bytes; defaults to {@link DEFAULT_SLACK_MAX_BODY_BYTES}. */
  maxBodyBytes?: number | undefined;
}

/** Slash-command bodies are small form posts; anything over 64 KiB is refused unread. */
export const DEFAULT_SLACK_MAX_BODY_BYTES = 64 * 1024;

/** Where Slack's response URLs point. */
export const DEFAULT_RESPONSE_URL_PREFIXES: readonly string[] = ['https://hooks.slack.com/'];

/** How long a signed request is remembered: longer than the 5-minute timestamp window. */
export const SLACK_REPLAY_WINDOW_MS = 10 * 60 * 1000;
