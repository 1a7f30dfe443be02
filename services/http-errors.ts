/**
 * The API's error shape, `{code, message, details?}`, and the one mapping from thrown errors to it:
 * handlers throw {@link ApiError} (or any HTTPException, or a ZodError from validating input) and
 * `app.onError` turns it into a response with {@link toErrorResponse}.
 */
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { isRetryable, RequestError, type RequestProblem } from '../shared/core/errors.ts';

/** The JSON body of every error response. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** An HTTP error with a stable machine-readable code. */
export class ApiError extends HTTPException {
  override readonly name = 'ApiError';
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Response headers such as `Retry-After` or `WWW-Authenticate`. */
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message });
  }
}

const CODES: Partial<Record<number, string>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'resource_exhausted',
  503: 'unavailable',
};

const PROBLEM_STATUS: Record<RequestProblem, ContentfulStatusCode> = {
  invalid_argument: 400,
  not_found: 404,
  failed_precondition: 409,
  conflict: 409,
  permission_denied: 403,
};

/** Most issues reported for one invalid input; the rest are counted, not listed. */
const MAX_ISSUES = 20;

/** Maps a thrown value to a status and body. `internal` is true for failures nobody anticipated. */
export function toErrorResponse(error: unknown): {
  status: ContentfulStatusCode;
  body: ErrorBody;
  internal: boolean;
  headers?: Record<string, string>;
} {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      body: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      internal: false,
      ...(error.headers ? { headers: error.headers } : {}),
    };
  }
  if (error instanceof RequestError) {
    return {
      status: PROBLEM_STATUS[error.problem],
      body: { code: error.problem, message: error.message, ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}) },
      internal: false,
    };
  }
  if (error instanceof HTTPException) {
    const code = CODES[error.status] ?? (error.status >= 500 ? 'internal' : 'bad_request');
    return { status: error.status, body: { code, message: error.message || code.replace(/_/g, ' ') }, internal: error.status >= 500 };
  }
  if (error instanceof ZodError) {
    const issues = error.issues.slice(0, MAX_ISSUES).map((issue) => ({ path: issuePath(issue.path), message: issue.message }));
    const first = issues[0];
    const message = first ? `invalid request: ${first.path}: ${first.message}` : 'invalid request';
    return {
      status: 400,
      body: { code: 'invalid_argument', message, details: { issues, issueCount: error.issues.length } },
      internal: false,
    };
  }
  if (isRetryable(error)) {
    // A backend that is down or throttling (Firestore, a cluster, a Google API) is worth retrying:
    // say so, with a hint, instead of a 500 the caller cannot tell from a bug. Still logged as internal.
    return {
      status: 503,
      body: { code: 'unavailable', message: 'a backend fleetpilot depends on is unavailable or overloaded; retry shortly' },
      internal: true,
      headers: { 'Retry-After': String(TRANSIENT_RETRY_AFTER_S) },
    };
  }
  return { status: 500, body: { code: 'internal', message: 'internal error' }, internal: true };
}

/** Seconds a caller is asked to wait after a transient backend failure. */
const TRANSIENT_RETRY_AFTER_S = 5;

/** `commits.0.added` style path; `(root)` for the whole value. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((part) => String(part)).join('.');
}
