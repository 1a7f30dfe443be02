/** What a manual operation (API, chat-ops) returns: a one-line summary a bot can post as is. */
import type { OperationRecord } from '../state/operations.ts';
import type { FleetPlan } from '../routing/index.ts';

/** How a manual request ended; `planned` is a dry run, `pending` waits for a second person's approval. */
export type ManualOutcome = 'succeeded' | 'skipped' | 'refused' | 'failed' | 'planned' | 'pending';

/** The answer to a manual request. */
export interface ManualResult {
  result: ManualOutcome;
  /** One line for a chat channel. */
  summary: string;
  /** What would change (dry run) or changed: route diffs, drain changes, traffic moved, refusals. */
  plan: string[];
  /** The guard that refused the request, when one did. */
  refusal?: { guard: string; reason: string };
  /** The recorded operation; absent for dry runs. */
  operation?: OperationRecord;
  /** The approval a `pending` request waits for (shared/approvals). */
  approval?: { id: string; expiresAt: string; rule: string };
  /** The planned routes (dry runs, and the plan the request was checked against). */
  routes?: FleetPlan['routes'];
}
