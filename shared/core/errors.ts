/**
 * One classification of errors for every adapter boundary: transient failures (network, 409
 * conflict, 429, 5xx) are retried; everything else is terminal — recorded and acknowledged.
 */

/** A failure that retrying cannot fix: bad input, a refused request, a broken contract. */
export class TerminalError extends Error {
  override readonly name: string = 'TerminalError';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A failure worth retrying: the same call may succeed later. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNABORTED',
]);

/** gRPC codes that mean "try again": CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE. */
const RETRYABLE_GRPC = new Set([1, 2, 4, 8, 10, 13, 14]);

/** The HTTP status carried by an error from any of our client libraries, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown> & { response?: { status?: unknown; statusCode?: unknown } };
  for (const candidate of [e.status, e.statusCode, e.code, e.response?.status, e.response?.statusCode]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

/** True when retrying the failed call may succeed. Decided once, here, for every adapter. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (error instanceof TerminalError) return false;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 408 || status === 409 || status === 429 || status >= 500;
  if (typeof e.code === 'number' && e.code < 100) return RETRYABLE_GRPC.has(e.code);
  if (e.cause !== undefined && e.cause !== error) return isRetryable(e.cause);
  return false;
}

/** True when the error says the resource does not exist (HTTP 404 or gRPC NOT_FOUND). */
export function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 404;
  return (error as { code?: unknown }).code === 5;
}

/** True when the error says the resource already exists (HTTP 409 ALREADY_EXISTS or gRPC 6). */
export function isAlreadyExists(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 409;
  return (error as { code?: unknown }).code === 6;
}

/** What is wrong with a request a person made (API, chat-ops): reported to them, never retried. */
export type RequestProblem = 'invalid_argument' | 'not_found' | 'failed_precondition' | 'conflict' | 'permission_denied';

/** A request that cannot be carried out as asked; the API maps `problem` to its HTTP status. */
export class RequestError extends TerminalError {
  override readonly name = 'RequestError';
  constructor(
    readonly problem: RequestProblem,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}
