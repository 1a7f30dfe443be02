/**
 * Configuration revisions in Firestore: every pushed commit as `configRevisions/{commit}`, and the
 * one in force as `fleetConfig/applied`. Pushes arrive in any order, late or twice; which one is
 * applied is decided by the branch's history ({@link placeCommit}), never by commit dates, and
 * written in a transaction that only commits against the applied revision the placement was made
 * against. Revisions no longer in force carry `expireAt` for Firestore's TTL policy.
 */
import { Timestamp } from '@google-cloud/firestore';
import { TTL_FIELD, type DocData, type Store, type StoreTransaction } from '../adapters/firestore.ts';
import { TerminalError, TransientError } from '../core/errors.ts';
import type { Placement } from './placement.ts';
import { parseFleetConfigYaml } from '../config/config-file.ts';

/** The collection of pushed revisions, keyed by commit. */
export const CONFIG_REVISIONS = 'configRevisions';
/** The collection holding the applied configuration. */
export const FLEET_CONFIG = 'fleetConfig';
/** The id of the applied configuration's document. */
export const APPLIED_ID = 'applied';
/** How long a revision is kept once it is not (or no longer) the applied one: 90 days. */
export const REVISION_LIFETIME_MS = 90 * 24 * 60 * 60 * 1000;
/** How often a placement is made again because the applied revision changed meanwhile, before the push is retried. */
export const PLACEMENT_ATTEMPTS = 5;

/** What became of a pushed revision. */
export type RevisionStatus = 'applied' | 'rejected' | 'superseded' | 'unplaced';

/** A pushed commit's configuration, as received. */
export interface RevisionInput {
  commit: string;
  author: string;
  /** Committer time, ISO 8601, as the commit claims it: shown, never used to order revisions. */
  committedAt: string;
  /** When fleetpilot received the push (its own clock): the start of the revision's lifetime. */
  receivedAt: string;
  /** The configuration file's path in the repository. */
  path?: string;
  yaml?: string;
}

/** A stored revision. */
export interface RevisionRecord extends RevisionInput {
  status: RevisionStatus;
  /** Why the history placed it where it did. */
  reason?: string;
  /** Validation problems of a rejected revision (`file:line: path: message`). */
  problems?: string[];
  /** The commit that replaced (or had already replaced) this one. */
  supersededBy?: string;
  /** When Firestore's TTL policy deletes it; absent while it is the applied revision. */
  expireAt?: Timestamp;
}

/** The configuration in force. */
export interface AppliedConfig {
  commit: string;
  committedAt: string;
  yaml: string;
  appliedAt: string;
  path?: string;
  /**
   * Counts the pushes that applied or confirmed the applied revision. A placement commits only
   * against the generation it was made at, so a decision made before the branch moved (and moved
   * back to the applied commit, whose push then found nothing to change) cannot land afterwards.
   */
  generation?: number;
  /**
   * Since when the applied configurations have had a `safety.ramp` without a break: this revision's
   * time when the one before had none. Restores and joins from before it are not ramped.
   */
  rampInForceSince?: string;
}

/** A commit and its (claimed) time. */
export interface CommitRef {
  commit: string;
  committedAt: string;
}

/** The outcome of {@link applyByHistory}. */
export interface ApplyDecision {
  /** True when the revision is (now, or already) the applied one. */
  applied: boolean;
  /** True when the same commit was applied before (a redelivery): nothing was written. */
  alreadyApplied: boolean;
  /** How the revision was recorded. */
  status: RevisionStatus;
  /** Why (from the placement). */
  reason: string;
  /** The applied revision after the decision. */
  current?: CommitRef;
  /** The revision this one replaced, if any. */
  previous?: CommitRef;
  /** The commit that supersedes this one, when it was not applied for that reason. */
  supersededBy?: string;
}

/** Places the commit against the applied one (undefined before the first push). */
export type PlaceAgainst = (applied: string | undefined) => Promise<Placement>;

/** Writes a revision document that is not applied (a rejected one); it expires after {@link REVISION_LIFETIME_MS}. */
export async function recordRevision(store: Store, revision: RevisionRecord): Promise<void> {
  await store.set(CONFIG_REVISIONS, revision.commit, expiring(revision, revision.receivedAt));
}

/**
 * Records `revision` and makes it the applied configuration when `place` says the branch history
 * puts it there. The placement is made outside the transaction (it asks the Git host); the
 * transaction commits only if the applied revision is still the one (and the generation) it was
 * placed against, and otherwise it is placed again. The same commit again changes no revision; it
 * only counts a generation, which is what keeps a slower, older placement from landing after it.
 */
export async function applyByHistory(
  store: Store,
  revision: RevisionInput & { yaml: string },
  place: PlaceAgainst,
): Promise<ApplyDecision> {
  for (let attempt = 1; attempt <= PLACEMENT_ATTEMPTS; attempt++) {
    const seen = await readAppliedConfig(store);
    const placement = seen?.commit === revision.commit ? undefined : await place(seen?.commit);
    const decision = await store.transaction(async (tx) => {
      const current = (await tx.get(FLEET_CONFIG, APPLIED_ID)) as AppliedConfig | undefined;
      if (current?.commit !== seen?.commit || current?.generation !== seen?.generation) return undefined;
      if (!placement) return confirm(tx, current!);
      return placement.verdict === 'apply'
        ? apply(tx, revision, placement.reason, current, current ? await tx.get(CONFIG_REVISIONS, current.commit) : undefined)
        : notApplied(tx, revision, placement, current);
    });
    if (decision) return decision;
  }
  throw new TransientError(`the applied revision changed ${PLACEMENT_ATTEMPTS} times while ${revision.commit} was placed; retrying`);
}

function confirm(tx: StoreTransaction, current: AppliedConfig): ApplyDecision {
  tx.set(FLEET_CONFIG, APPLIED_ID, plain({ ...current, generation: (current.generation ?? 0) + 1 }));
  return { applied: true, alreadyApplied: true, status: 'applied', reason: 'already applied', current: ref(current) };
}

function apply(
  tx: StoreTransaction,
  revision: RevisionInput & { yaml: string },
  reason: string,
  current: AppliedConfig | undefined,
  previous: DocData | undefined,
): ApplyDecision {
  const applied: AppliedConfig = {
    commit: revision.commit,
    committedAt: revision.committedAt,
    yaml: revision.yaml,
    appliedAt: revision.receivedAt,
    path: revision.path,
    generation: (current?.generation ?? 0) + 1,
  };
  const rampSince = rampInForceSince(revision.yaml, current, revision.receivedAt);
  if (rampSince) applied.rampInForceSince = rampSince;
  tx.set(FLEET_CONFIG, APPLIED_ID, plain(applied));
  tx.set(CONFIG_REVISIONS, revision.commit, plain({ ...revision, status: 'applied', reason }));
  if (current && previous) {
    const replaced = { ...(previous as unknown as RevisionRecord), status: 'superseded' as const, supersededBy: revision.commit };
    tx.set(CONFIG_REVISIONS, current.commit, expiring(replaced, revision.receivedAt));
  }
  return {
    applied: true,
    alreadyApplied: false,
    status: 'applied',
    reason,
    current: ref(applied),
    ...(current ? { previous: ref(current) } : {}),
  };
}

function notApplied(
  tx: StoreTransaction,
  revision: RevisionInput,
  placement: Exclude<Placement, { verdict: 'apply' }>,
  current?: AppliedConfig,
): ApplyDecision {
  const by = placement.verdict === 'superseded' ? { supersededBy: placement.by } : {};
  const status = placement.verdict;
  tx.set(CONFIG_REVISIONS, revision.commit, expiring({ ...revision, status, reason: placement.reason, ...by }, revision.receivedAt));
  return { applied: false, alreadyApplied: false, status, reason: placement.reason, ...by, ...(current ? { current: ref(current) } : {}) };
}

/** Since when a ramp has been in force once `yaml` is applied over `current` (undefined: no ramp, or since before this was recorded). */
function rampInForceSince(yaml: string, current: AppliedConfig | undefined, at: string): string | undefined {
  if (!hasRamp(yaml)) return undefined;
  return current && hasRamp(current.yaml) ? current.rampInForceSince : at;
}

function hasRamp(yaml: string): boolean {
  try {
    return parseFleetConfigYaml(yaml, 'revision').safety.ramp !== undefined;
  } catch {
    // An applied revision was validated when it was pushed; a schema that tightened since only loses the ramp's history.
    return false;
  }
}

/** The applied configuration, or undefined before the first push. */
export async function readAppliedConfig(store: Store): Promise<AppliedConfig | undefined> {
  return (await store.get(FLEET_CONFIG, APPLIED_ID)) as AppliedConfig | undefined;
}

/** One stored revision. */
export async function readRevision(store: Store, commit: string): Promise<RevisionRecord | undefined> {
  return (await store.get(CONFIG_REVISIONS, commit)) as RevisionRecord | undefined;
}

/** The document of a revision that is not in force: it expires {@link REVISION_LIFETIME_MS} after `from`. */
function expiring(revision: RevisionRecord, from: string): DocData {
  const start = Date.parse(from);
  if (Number.isNaN(start)) throw new TerminalError(`revision receive time is not a timestamp: ${JSON.stringify(from)}`);
  const { expireAt: _old, ...rest } = revision;
  return { ...plain(rest), [TTL_FIELD]: Timestamp.fromMillis(start + REVISION_LIFETIME_MS) };
}

function ref(config: CommitRef): CommitRef {
  return { commit: config.commit, committedAt: config.committedAt };
}

/** Firestore refuses `undefined` fields: drop them. */
function plain(value: object): DocData {
  return JSON.parse(JSON.stringify(value)) as DocData;
}
