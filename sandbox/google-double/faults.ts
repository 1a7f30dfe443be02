/**
 * Fault injection: `POST /_double/faults` queues rules; the next `count` requests matching a rule's
 * method and path regex fail with its status in Google's error shape. Admin routes are never faulted.
 */
import { z } from 'zod';
import { googleErrorBody, invalidArgument, type GoogleErrorBody } from './errors.ts';

/** One queued fault. */
export interface FaultRule {
  /** HTTP method to match, upper case, or `*` for any. */
  method: string;
  /** Matched against the request path (without query). */
  pathPattern: RegExp;
  /** Optionally matched against the query string (e.g. `membershipId=NAME` to fail one create). */
  queryPattern?: RegExp;
  status: number;
  /** Remaining requests to fail. */
  remaining: number;
  message?: string;
}

/** Body of `POST /_double/faults`. */
export const faultRequestSchema = z.object({
  method: z.string().min(1).default('*'),
  pathPattern: z.string().min(1),
  queryPattern: z.string().min(1).optional(),
  status: z.number().int().min(400).max(599),
  count: z.number().int().min(1).default(1),
  message: z.string().optional(),
});

/** Validates a fault request body into a rule (400 INVALID_ARGUMENT when malformed). */
export function parseFaultRule(body: unknown): FaultRule {
  const parsed = faultRequestSchema.safeParse(body);
  if (!parsed.success) throw invalidArgument(`Invalid fault: ${parsed.error.message}`);
  const regex = (source: string, field: string): RegExp => {
    try {
      return new RegExp(source);
    } catch {
      throw invalidArgument(`Invalid fault ${field}: ${source}`);
    }
  };
  return {
    method: parsed.data.method.toUpperCase(),
    pathPattern: regex(parsed.data.pathPattern, 'pathPattern'),
    ...(parsed.data.queryPattern !== undefined ? { queryPattern: regex(parsed.data.queryPattern, 'queryPattern') } : {}),
    status: parsed.data.status,
    remaining: parsed.data.count,
    ...(parsed.data.message !== undefined ? { message: parsed.data.message } : {}),
  };
}

/**
 * Consumes one matching fault, if any, and returns the error to send; removes exhausted rules.
 */
export function takeFault(
  rules: FaultRule[],
  method: string,
  path: string,
  query = '',
): { status: number; body: GoogleErrorBody } | undefined {
  const index = rules.findIndex(
    (r) => (r.method === '*' || r.method === method.toUpperCase()) && r.pathPattern.test(path) && (r.queryPattern?.test(query) ?? true),
  );
  const rule = index >= 0 ? rules[index] : undefined;
  if (rule === undefined) return undefined;
  rule.remaining -= 1;
  if (rule.remaining <= 0) rules.splice(index, 1);
  const message = rule.message ?? `Injected fault for ${method} ${path}`;
  return { status: rule.status, body: googleErrorBody(rule.status, message) };
}
