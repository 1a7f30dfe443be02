/**
 * How a mutating call answers: 200 with the result and its one-line summary, or — when a safety
 * guard refused — 409 in the error shape, naming the guard, with the summary and the plan in
 * `details`, so that no client can mistake a refusal for success. A request that waits for a second
 * person's approval answers 202 with the approval's id.
 */
import type { Context } from 'hono';
import type { ManualResult } from '../../shared/core/manual-result.ts';
import { ApiError } from '../http-errors.ts';

/** The JSON response for `result`. */
export function answer(c: Context, result: ManualResult) {
  if (result.result === 'refused') {
    throw new ApiError(409, 'refused', result.summary, {
      summary: result.summary,
      guard: result.refusal?.guard ?? null,
      reason: result.refusal?.reason ?? null,
      plan: result.plan,
      operationId: result.operation?.id ?? null,
    });
  }
  // Waiting for a second person: accepted, nothing changed yet (routes that can wait document their 202).
  return c.json(result, (result.result === 'pending' ? 202 : 200) as 200);
}
