/**
 * Approval records: one Firestore document per request that waits for a second person, from the
 * request to its decision. State changes go through a transaction, so two people deciding at
 * once cannot both act; a record is kept {@link APPROVAL_LIFETIME_MS} after it expires.
 */
import type { Store } from '../adapters/firestore.ts';
import { TTL_FIELD } from '../adapters/firestore.ts';
import type { ApprovalAction } from '../config/approvals-config.ts';
import { expiresAt, withoutExpiry } from '../state/retention.ts';

/** The collection of approval records. */
export const APPROVALS = 'approvals';
/** How long a record is kept after its expiry: a month of who approved what. */
export const APPROVAL_LIFETIME_MS = 30 * 24 * 3600 * 1000;

/** What is waiting: a manual drain (with any overridden guards), an offboarding, or a drain an alert proposes. */
export type ApprovalRequest =
  | { type: 'drain'; region: string; reason: string; overrideGuards?: string[] }
  | { type: 'offboard'; cluster: Record<string, string>; region?: string }
  | { type: 'alert-drain'; region: string; incidentId: string; startedAt: string; policy: string };

/** Where an approval is. `approving` is held while the approved action runs. */
export type ApprovalState = 'pending' | 'approving' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'failed';

/** A stored approval. */
export interface ApprovalRecord {
  id: string;
  action: ApprovalAction;
  request: ApprovalRequest;
  /** The rule that asked for it, in words. */
  rule: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  /** The plan shown for approval (the dry run's), and its material lines (what is compared when approving). */
  plan: string[];
  material: string[];
  /** One line for chat: what it does and how much traffic moves. */
  summary: string;
  state: ApprovalState;
  decidedBy?: string;
  decidedAt?: string;
  /** Why it ended as it did (denial reason, expiry, cancellation, the action's outcome). */
  outcome?: string;
  /** The operation that carried the approved action out. */
  operationId?: string;
  /** Its Slack message, when approvals are posted to Slack (see approval-slack.ts). */
  slack?: ApprovalSlackMessage;
}

/** Where an approval's Slack message is, and which state it last showed. */
export interface ApprovalSlackMessage {
  channel: string;
  /** The message's timestamp (its id in the channel), once posted. */
  ts?: string;
  /** When a poster claimed the post (so that two posters cannot both post it). */
  claimedAt?: string;
  /** The approval state the message shows. */
  shown?: ApprovalState;
}

/** Reads one approval; undefined when there is none. */
export async function readApproval(store: Store, id: string): Promise<ApprovalRecord | undefined> {
  const doc = await store.get(APPROVALS, id);
  return doc ? (withoutExpiry(doc) as unknown as ApprovalRecord) : undefined;
}

function toDoc(record: ApprovalRecord): Record<string, unknown> {
  return {
    ...(JSON.parse(JSON.stringify(record)) as Record<string, unknown>),
    [TTL_FIELD]: expiresAt(new Date(record.expiresAt), APPROVAL_LIFETIME_MS),
  };
}

/** Creates `record` unless one with its id exists; false when it did. */
export async function createApproval(store: Store, record: ApprovalRecord): Promise<boolean> {
  return store.createIfAbsent(APPROVALS, record.id, toDoc(record));
}

/**
 * Moves an approval on in a transaction: `change` sees the stored record and returns the next one,
 * or a string saying why it may not change (returned as is, nothing written).
 */
export async function updateApproval(
  store: Store,
  id: string,
  change: (current: ApprovalRecord) => ApprovalRecord | string,
): Promise<ApprovalRecord | string> {
  return store.transaction(async (tx) => {
    const doc = await tx.get(APPROVALS, id);
    if (!doc) return `approval ${id} does not exist`;
    const next = change(withoutExpiry(doc) as unknown as ApprovalRecord);
    if (typeof next !== 'string') tx.set(APPROVALS, id, toDoc(next));
    return next;
  });
}

/** The latest approvals, newest first, optionally in one state. */
export async function recentApprovals(store: Store, state?: ApprovalState, limit = 50): Promise<ApprovalRecord[]> {
  const docs = await store.query(APPROVALS, { orderBy: 'requestedAt', limit: 200 });
  return docs
    .map((d) => withoutExpiry(d) as unknown as ApprovalRecord)
    .filter((a) => state === undefined || a.state === state)
    .slice(0, limit);
}
