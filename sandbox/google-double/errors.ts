/**
 * Google API error shape: `{"error": {"code": 404, "message": "...", "status": "NOT_FOUND"}}`.
 */

const STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The canonical status name Google pairs with an HTTP code (`UNKNOWN` when none). */
export function statusNameForHttp(code: number): string {
  return STATUS_BY_HTTP[code] ?? 'UNKNOWN';
}

/** Body of a Google API error response. */
export interface GoogleErrorBody {
  error: { code: number; message: string; status: string };
}

/** Builds the JSON body Google returns for an error. */
export function googleErrorBody(code: number, message: string, status?: string): GoogleErrorBody {
  return { error: { code, message, status: status ?? statusNameForHttp(code) } };
}

/** Thrown by route handlers; the app's error handler renders it in Google's shape. */
export class GoogleApiError extends Error {
  readonly code: number;
  readonly status: string;

  constructor(code: number, message: string, status?: string) {
    super(message);
    this.name = 'GoogleApiError';
    this.code = code;
    this.status = status ?? statusNameForHttp(code);
  }

  /** The wire body for this error. */
  toBody(): GoogleErrorBody {
    return googleErrorBody(this.code, this.message, this.status);
  }
}

/** 404 NOT_FOUND for a named resource. */
export function notFound(resource: string): GoogleApiError {
  return new GoogleApiError(404, `Resource '${resource}' was not found`);
}

/** 400 INVALID_ARGUMENT. */
export function invalidArgument(message: string): GoogleApiError {
  return new GoogleApiError(400, message);
}

/** 409 ALREADY_EXISTS naming the existing resource. */
export function alreadyExists(resource: string): GoogleApiError {
  return new GoogleApiError(409, `Resource '${resource}' already exists`);
}

/** 400 FAILED_PRECONDITION (Google maps this canonical code to HTTP 400). */
export function failedPrecondition(message: string): GoogleApiError {
  return new GoogleApiError(400, message, 'FAILED_PRECONDITION');
}
