/**
 * Shared pieces of the API's OpenAPI routers: the error schema, the standard error responses,
 * the bearer security scheme, and a router factory whose validation failures reach `app.onError`
 * (one error mapping for the whole app).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { IdempotencyVariables } from './idempotency.ts';

/** The body of every error response. */
export const ErrorSchema = z
  .object({
    code: z.string().openapi({ example: 'permission_denied' }),
    message: z
      .string()
      .openapi({ example: 'POST /v1/regions/asia-northeast2/drain needs the operator role; viewer@example.com is viewer' }),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Error');

const error = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

/** Errors every authenticated route can answer. */
export const commonErrors = {
  400: error('Invalid request: the message and `details.issues` name the wrong field'),
  401: error('Missing, unknown, revoked or invalid credentials'),
  403: error('The principal lacks the role this call needs'),
  429: error('Rate limit exceeded; see Retry-After'),
  503: error('A dependency (Firestore, GKE, the config cluster) did not answer; retry'),
} as const;

/** Errors of mutating routes, in addition to {@link commonErrors}. */
export const mutationErrors = {
  ...commonErrors,
  404: error('The region or cluster is not part of the fleet'),
  409: error('Conflicts with the current state, or the same Idempotency-Key is in flight'),
  413: error('The body is larger than 64 KiB'),
  415: error('The body is not application/json'),
  422: error('The Idempotency-Key was used for a different request'),
} as const;

/** The security requirement of authenticated routes. */
export const bearer = [{ bearerAuth: [] }];

/** The optional `Idempotency-Key` header of mutating routes. */
export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().openapi({
    description: 'Retries with the same key return the first result instead of acting twice (24 h).',
    example: 'drain-osaka-2026-11-22T03:00',
  }),
});

/** Context of the API routers. */
export type ApiEnv = { Variables: IdempotencyVariables };

/** A router whose input validation errors are thrown to `app.onError`. */
export function apiRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw result.error;
    },
  });
}

/** A JSON request body, required. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { 'application/json': { schema } }, required: true };
}

/** A JSON 202 response: the request waits for a second person's approval (shared/approvals). */
export function jsonAccepted<T extends z.ZodType>(schema: T) {
  return {
    202: {
      content: { 'application/json': { schema } },
      description: "Waiting for a second person's approval: result pending, with the approval's id",
    },
  };
}

/** A JSON 200 response. */
export function jsonOk<T extends z.ZodType>(schema: T, description: string) {
  return { 200: { content: { 'application/json': { schema } }, description } };
}
