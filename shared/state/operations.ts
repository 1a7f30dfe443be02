/**
 * Operation records: every run of a flow records who or what triggered it, the plan, each step
 * with its outcome and timing, and the result — in Firestore, where the API and people read them.
 * Each write stamps the record's expiry (`expireAt`) by the retention policy: a run worth keeping
 * for `operationsMs`, a quiet one (nothing changed, nothing announced) for `quietOperationsMs`.
 */
import { TTL_FIELD, type Store } from '../adapters/firestore.ts';
import type { Clock, IdGenerator } from '../core/clock.ts';
import { clip } from '../core/limits.ts';
import { redact } from '../core/redact.ts';
import { expiresAt, type RetentionPolicy } from './retention.ts';

/** The collection holding operation records. */
export const OPERATIONS = 'operations';

/**
 * Longest reason or step detail kept in a record, in characters; the rest is cut here, the one
 * place records are written, so that no error message or outside value can push a record towards
 * Firestore's 1 MiB document limit.
 */
export const MAX_RECORD_TEXT = 2_000;

const brief = (text: string) => clip(text, MAX_RECORD_TEXT);

/** How a run ended. */
export type OperationResult = 'succeeded' | 'skipped' | 'refused' | 'failed' | 'retrying';

/** One recorded step. */
export interface StepRecord {
  name: string;
  outcome: 'done' | 'unchanged' | 'skipped' | 'failed';
  detail?: string;
  /** When the step began, in milliseconds after the operation started. */
  offsetMs: number;
  elapsedMs: number;
}

/** A stored operation. */
export interface OperationRecord {
  id: string;
  kind: string;
  trigger: Record<string, unknown>;
  principal: string;
  subject: string;
  /** The region the operation is about, when it is about one (for filtering). */
  region?: string;
  /** The cluster (`PROJECT/LOCATION/NAME`) the operation is about, when it is about one. */
  cluster?: string;
  plan: string[];
  steps: StepRecord[];
  /** A structured outcome for machines (a drill's report), published with the result. */
  details?: Record<string, unknown>;
  result?: OperationResult;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
}

/** Records one operation as it runs; the record is written at start and at finish, reasons and details cut to {@link MAX_RECORD_TEXT}. */
export interface OperationRecorder {
  readonly id: string;
  step<T>(name: string, run: () => Promise<T>, describe?: (value: T) => { outcome?: StepRecord['outcome']; detail?: string }): Promise<T>;
  note(name: string, outcome: StepRecord['outcome'], detail?: string): void;
  plan(lines: string[]): void;
  /** Sets the structured outcome ({@link OperationRecord.details}). */
  attach(details: Record<string, unknown>): void;
  /**
   * Records the ending. `notable` says whether the finished run is worth keeping for the full
   * lifetime (default: yes); one that is not (a tick that changed nothing) is kept only briefly.
   */
  finish(result: OperationResult, reason?: string, notable?: (record: OperationRecord) => boolean): Promise<OperationRecord>;
  record(): OperationRecord;
}

/** What an operation is about: its kind, trigger, principal and subject. */
export interface OperationInit {
  /**
   * The id to record the operation under when the caller chose one in advance (the API records it
   * with the request's idempotency key, so that a retry finds the operation by the key); a fresh
   * id otherwise.
   */
  id?: string;
  kind: string;
  trigger: Record<string, unknown>;
  principal: string;
  subject: string;
  region?: string;
  cluster?: string;
  /** The plan, known before the run: stored with the first write, so readers see it while the run waits or works. */
  plan?: string[];
}

/** Starts recording an operation. */
export async function startOperation(
  deps: { store: Store; clock: Clock; ids: IdGenerator; retention: RetentionPolicy },
  init: OperationInit,
): Promise<OperationRecorder> {
  const record: OperationRecord = {
    id: init.id ?? deps.ids(),
    kind: init.kind,
    principal: init.principal,
    subject: init.subject,
    ...(init.region ? { region: init.region } : {}),
    ...(init.cluster ? { cluster: init.cluster } : {}),
    trigger: redact(init.trigger),
    plan: [...(init.plan ?? [])],
    steps: [],
    startedAt: deps.clock.now().toISOString(),
  };
  const opStart = deps.clock.now().getTime();
  const save = (lifetimeMs: number) =>
    deps.store.set(OPERATIONS, record.id, {
      ...(JSON.parse(JSON.stringify(record)) as Record<string, unknown>),
      [TTL_FIELD]: expiresAt(deps.clock.now(), lifetimeMs),
    });
  await save(deps.retention.operationsMs);
  return {
    id: record.id,
    async step(name, run, describe) {
      const started = deps.clock.now().getTime();
      try {
        const value = await run();
        const d = describe?.(value) ?? {};
        record.steps.push({
          name,
          outcome: d.outcome ?? 'done',
          ...(d.detail ? { detail: brief(d.detail) } : {}),
          offsetMs: started - opStart,
          elapsedMs: deps.clock.now().getTime() - started,
        });
        return value;
      } catch (error) {
        record.steps.push({
          name,
          outcome: 'failed',
          detail: brief(error instanceof Error ? error.message : String(error)),
          offsetMs: started - opStart,
          elapsedMs: deps.clock.now().getTime() - started,
        });
        throw error;
      }
    },
    note(name, outcome, detail) {
      record.steps.push({
        name,
        outcome,
        ...(detail ? { detail: brief(detail) } : {}),
        offsetMs: deps.clock.now().getTime() - opStart,
        elapsedMs: 0,
      });
    },
    plan(lines) {
      record.plan.push(...lines);
    },
    attach(details) {
      record.details = details;
    },
    async finish(result, reason, notable) {
      record.result = result;
      if (reason) record.reason = brief(reason);
      record.finishedAt = deps.clock.now().toISOString();
      await save((notable?.(record) ?? true) ? deps.retention.operationsMs : deps.retention.quietOperationsMs);
      return record;
    },
    record: () => record,
  };
}
