/**
 * Configuration revisions in Firestore: every pushed commit as `configRevisions/{commit}`, and the
 * one in force as `fleetConfig/applied`. Pushes arrive in any order; the applied revision only ever
 * moves forward in commit time, decided in one transaction.
 */
import type { DocData, Store } from '../adapters/firestore.ts';
import { TerminalError } from '../core/errors.ts';

/** The collection of pushed revisions, keyed by commit. */
export const CONFIG_REVISIONS = 'configRevisions';
/** The collection holding the applied configuration. */
export const FLEET_CONFIG = 'fleetConfig';
/** The id of the applied configuration's document. */
export const APPLIED_ID = 'applied';

/** What became of a pushed revision. */
export type RevisionStatus = 'applied' | 'rejected' | 'superseded';

/** A pushed commit's configuration, as received. */
export interface RevisionInput {
  commit: string;
  author: string;
  /** Committer time, ISO 8601: what orders revisions. */
  committedAt: string;
  receivedAt: string;
  /** The configuration file's path in the repository. */
  path?: string;
  yaml?: string;
}

/** A stored revision. */
export interface RevisionRecord extends RevisionInput {
  status: RevisionStatus;
  /** Validation problems of a rejected revision (`file:line: path: message`). */
  problems?: string[];
  /** The newer commit that replaced (or had already replaced) this one. */
  supersededBy?: string;
}

/** The configuration in force. */
export interface AppliedConfig {
  commit: string;
  committedAt: string;
  yaml: string;
  appliedAt: string;
  path?: string;
}

/** A commit and its time. */
export interface CommitRef {
  commit: string;
  committedAt: string;
}

/** The outcome of {@link applyIfNewer}. */
export interface ApplyDecision {
  /** True when the revision is (now, or already) the applied one. */
  applied: boolean;
  /** True when the same commit was applied before (a redelivery): nothing was written. */
  alreadyApplied: boolean;
  /** The applied revision after the decision. */
  current?: CommitRef;
  /** The revision this one replaced, if any. */
  previous?: CommitRef;
}

/** Writes a revision document (used for rejected revisions; applyIfNewer records the others). */
export async function recordRevision(store: Store, revision: RevisionRecord): Promise<void> {
  commitTime(revision.committedAt);
  await store.set(CONFIG_REVISIONS, revision.commit, plain(revision));
}

/**
 * Makes `revision` the applied configuration when nothing is applied yet or it is newer (by commit
 * time) than the applied one, and records it as 'applied'; otherwise records it as 'superseded'.
 * The same commit again changes nothing. One transaction: concurrent pushes cannot both win.
 */
export async function applyIfNewer(store: Store, revision: RevisionInput & { yaml: string }): Promise<ApplyDecision> {
  const time = commitTime(revision.committedAt);
  return store.transaction(async (tx) => {
    const current = (await tx.get(FLEET_CONFIG, APPLIED_ID)) as AppliedConfig | undefined;
    if (current?.commit === revision.commit) return { applied: true, alreadyApplied: true, current: ref(current) };
    if (current && !(time > commitTime(current.committedAt))) {
      tx.set(CONFIG_REVISIONS, revision.commit, plain({ ...revision, status: 'superseded', supersededBy: current.commit }));
      return { applied: false, alreadyApplied: false, current: ref(current) };
    }
    const previous = current ? await tx.get(CONFIG_REVISIONS, current.commit) : undefined;
    const applied: AppliedConfig = {
      commit: revision.commit,
      committedAt: revision.committedAt,
      yaml: revision.yaml,
      appliedAt: revision.receivedAt,
      path: revision.path,
    };
    tx.set(FLEET_CONFIG, APPLIED_ID, plain(applied));
    tx.set(CONFIG_REVISIONS, revision.commit, plain({ ...revision, status: 'applied' }));
    if (current && previous)
      tx.set(CONFIG_REVISIONS, current.commit, plain({ ...previous, status: 'superseded', supersededBy: revision.commit }));
    return { applied: true, alreadyApplied: false, current: ref(applied), ...(current ? { previous: ref(current) } : {}) };
  });
}

/** The applied configuration, or undefined before the first push. */
export async function readAppliedConfig(store: Store): Promise<AppliedConfig | undefined> {
  return (await store.get(FLEET_CONFIG, APPLIED_ID)) as AppliedConfig | undefined;
}

/** One stored revision. */
export async function readRevision(store: Store, commit: string): Promise<RevisionRecord | undefined> {
  return (await store.get(CONFIG_REVISIONS, commit)) as RevisionRecord | undefined;
}

function commitTime(iso: string): number {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new TerminalError(`revision commit time is not a timestamp: ${JSON.stringify(iso)}`);
  return time;
}

function ref(config: CommitRef): CommitRef {
  return { commit: config.commit, committedAt: config.committedAt };
}

/** Firestore refuses `undefined` fields: drop them. */
function plain(value: object): DocData {
  return JSON.parse(JSON.stringify(value)) as DocData;
}
