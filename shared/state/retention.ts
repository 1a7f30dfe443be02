/**
 * How long fleetpilot keeps what it writes: the one table of lifetimes, per Firestore collection,
 * that the writers, the README's "Data and retention" table and the Terraform TTL policies
 * (infra/firestore.tf) follow; their tests check them against it.
 *
 * A document with a lifetime carries its expiry in {@link TTL_FIELD} (`expireAt`, a Timestamp),
 * stamped from the injected clock when it is written. Firestore's TTL policy deletes it eventually
 * (usually within a day of expiry, sometimes later), so a reader for which an expired document
 * would change behaviour checks the expiry itself ({@link isExpired}).
 */
import { Timestamp } from '@google-cloud/firestore';
import { TTL_FIELD } from '../adapters/firestore.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The lifetimes an operator may configure (`shared/config/env.ts`). */
export interface RetentionPolicy {
  /** Operation records: every run worth keeping (and a run still under way). */
  operationsMs: number;
  /**
   * A run that changed nothing and was not announced (a tick with nothing to change): kept briefly,
   * so that the operations API still shows the latest tick, instead of ~1,440 records a day.
   */
  quietOperationsMs: number;
}

/** The lifetimes unless configured otherwise: operations 30 days, quiet runs 1 hour. */
export const DEFAULT_RETENTION: RetentionPolicy = { operationsMs: 30 * DAY, quietOperationsMs: HOUR };

/** The retention variables of the environment, in the units they are given in. */
export interface RetentionVariables {
  FLEETPILOT_OPERATIONS_RETENTION_DAYS: number;
  FLEETPILOT_QUIET_OPERATIONS_RETENTION_MINUTES: number;
}

/** The policy the environment configures. */
export function retentionFromEnv(env: RetentionVariables): RetentionPolicy {
  return {
    operationsMs: env.FLEETPILOT_OPERATIONS_RETENTION_DAYS * DAY,
    quietOperationsMs: env.FLEETPILOT_QUIET_OPERATIONS_RETENTION_MINUTES * MINUTE,
  };
}

/** Lifetimes that follow from an outside contract rather than a preference, so are not configurable. */
export const FIXED_LIFETIMES = {
  /** An API idempotency key: what the API promises callers (retries within 24 hours are safe). */
  idempotencyKeyMs: 24 * HOUR,
  /** A webhook delivery marker: longer than GitHub (3 days) or GitLab keep redelivering a delivery. */
  webhookDeliveryMs: 7 * DAY,
  /** An audit-log entry's marker: Pub/Sub keeps an unacknowledged message at most 7 days. */
  auditEntryMs: 7 * DAY,
  /** A Slack request's marker: twice Slack's 5-minute signature window. */
  slackRequestMs: 10 * MINUTE,
  /** A removed cluster's record: long enough to read why it went; stale events for it are over within days. */
  removedClusterMs: 30 * DAY,
  /** A revoked API token's record: kept a while to show that (and when) it was revoked. */
  revokedTokenMs: 30 * DAY,
} as const;

/** One collection's row of the retention table. */
export interface CollectionLifetime {
  collection: string;
  /** What a document is. */
  holds: string;
  /** How long it is kept, in words (the README's table says the same). */
  lifetime: string;
  /** The field the Terraform TTL policy deletes by; null when the collection is bounded otherwise. */
  ttlField: typeof TTL_FIELD | null;
}

/** Every collection fleetpilot writes, with its lifetime. */
export const RETENTION_TABLE: readonly CollectionLifetime[] = [
  {
    collection: 'operations',
    holds: 'one record per run of a flow: trigger, plan, steps, result',
    lifetime:
      '30 days (`FLEETPILOT_OPERATIONS_RETENTION_DAYS`); a run that changed nothing and was not announced (a quiet tick) 1 hour (`FLEETPILOT_QUIET_OPERATIONS_RETENTION_MINUTES`)',
    ttlField: TTL_FIELD,
  },
  {
    collection: 'processedEvents',
    holds: 'dedupe markers of audit-log entries, webhook deliveries and Slack requests',
    lifetime: "the source's redelivery window: audit-log entries 7 days, webhook deliveries 7 days, Slack requests 10 minutes",
    ttlField: TTL_FIELD,
  },
  {
    collection: 'idempotencyKeys',
    holds: "the API's `Idempotency-Key` records and the answers they replay",
    lifetime: '24 hours (a pending key is free again after its 2-minute lease)',
    ttlField: TTL_FIELD,
  },
  {
    collection: 'leases',
    holds: 'who works on a cluster or on the routes right now',
    lifetime: "the lease's time (1 minute for the routes, 2 for a cluster); deleted at once when the work ends",
    ttlField: TTL_FIELD,
  },
  {
    collection: 'clusters',
    holds: "each cluster's phase with fleetpilot (onboarded, leaving, removed, skipped, failed) and why",
    lifetime:
      "one per cluster name, rewritten as the cluster changes; a removed cluster's 30 days after its removal; a record of a cluster that is gone becomes removed through the tick's sweep (above), so every record of a deleted cluster expires",
    ttlField: TTL_FIELD,
  },
  {
    collection: 'apiTokens',
    holds: 'API token hashes with their principal and role',
    lifetime: 'until revoked; a revoked token 30 days after its revocation',
    ttlField: TTL_FIELD,
  },
  {
    collection: 'configRevisions',
    holds: 'each pushed configuration revision and what became of it',
    lifetime:
      'the applied revision while it is applied; any other 90 days after it was received or stopped being applied (`shared/gitops`)',
    ttlField: TTL_FIELD,
  },
  {
    collection: 'fleetConfig',
    holds: 'the applied fleet configuration (one document)',
    lifetime: 'replaced by each applied push',
    ttlField: null,
  },
  {
    collection: 'failover',
    holds: 'the drain facts (incidents, manual holds) and the drain state last rendered',
    lifetime: 'bounded by compaction (see `shared/failover/README.md`)',
    ttlField: null,
  },
  {
    collection: 'failoverLog',
    holds: 'new drain facts, one document per notification or manual request that added one',
    lifetime:
      'until the route lease holder folds them into the facts document after its next render (seconds; longer only while renders fail)',
    ttlField: null,
  },
  {
    collection: 'drills',
    holds: 'one record per drill: its times, the guards it consulted and its report',
    lifetime: '90 days after its last change (a running drill is rewritten at each step)',
    ttlField: TTL_FIELD,
  },
  {
    collection: 'approvals',
    holds: 'requests waiting for (or decided by) a second person, with their plan and decision',
    lifetime: '30 days after the approval expires (`approvals.expireAfterSeconds` after the request)',
    ttlField: TTL_FIELD,
  },
  {
    collection: 'commitStatuses',
    holds: "the sandbox's stand-in for a Git host's commit statuses (production reports to the Git host)",
    lifetime: 'one per reported commit, sandbox only',
    ttlField: null,
  },
];

/** The collections with a TTL policy on `expireAt` (infra/firestore.tf creates one for each). */
export const TTL_COLLECTIONS: readonly string[] = RETENTION_TABLE.filter((c) => c.ttlField === TTL_FIELD).map((c) => c.collection);

/** The expiry of a document written at `now` and kept `lifetimeMs`. */
export function expiresAt(now: Date, lifetimeMs: number): Timestamp {
  return Timestamp.fromMillis(now.getTime() + lifetimeMs);
}

/** True when `doc` carries an expiry that has passed at `now` (Firestore may not have deleted it yet). */
export function isExpired(doc: Record<string, unknown>, now: Date): boolean {
  const at = doc[TTL_FIELD];
  const ms = at instanceof Timestamp ? at.toMillis() : at instanceof Date ? at.getTime() : undefined;
  return ms !== undefined && ms <= now.getTime();
}

/** `doc` without its expiry: what readers hand on (records as the API and flows know them). */
export function withoutExpiry(doc: Record<string, unknown>): Record<string, unknown> {
  const { [TTL_FIELD]: _expiry, ...rest } = doc;
  return rest;
}
