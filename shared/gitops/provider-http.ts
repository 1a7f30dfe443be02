/**
 * HTTP calls to Git hosting APIs (GitHub, GitLab) with one error classification: 404 is terminal
 * (the file or commit does not exist), 408/429/5xx, rate limits and network failures are transient,
 * every other refusal is terminal. Tokens travel only in headers and never appear in messages.
 */
import { TerminalError, TransientError } from '../core/errors.ts';
import { redactString } from '../core/redact.ts';

/** The `fetch` signature the Git adapters use; injected so tests can point them anywhere. */
export type FetchImpl = (input: string, init?: RequestInit) => Promise<Response>;

/** How long one API call may take before it counts as a transient failure. */
export const PROVIDER_TIMEOUT_MS = 15_000;

/** Calls `url` and returns the response when it is 2xx; otherwise throws a classified error. */
export async function providerRequest(fetchImpl: FetchImpl, url: string, init: RequestInit, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, signal: init.signal ?? AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch (error) {
    throw new TransientError(`${what}: request failed (${networkReason(error)})`, { what }, { cause: error });
  }
  if (response.ok) return response;
  const detail = await errorDetail(response);
  const status = response.status;
  const message = `${what}: HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 404) throw new TerminalError(message, { what, status });
  const rateLimited = status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after'));
  if (status === 408 || status === 429 || status >= 500 || rateLimited) throw new TransientError(message, { what, status });
  throw new TerminalError(message, { what, status });
}

/** Reads a JSON body, refusing anything that is not JSON. */
export async function readJson(response: Response, what: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    throw new TerminalError(`${what}: response is not JSON`, { what }, { cause: error });
  }
}

/** Abbreviates a commit for messages. */
export function shortSha(commit: string): string {
  return commit.slice(0, 12);
}

/** A commit id: 7 to 40 hexadecimal digits (SHA-1, possibly abbreviated) or 64 (SHA-256 repositories). */
export const COMMIT_ID = /^([0-9a-f]{7,40}|[0-9a-f]{64})$/i;

/** Refuses anything but a hexadecimal commit id (no refs, no options, no injection). */
export function assertCommitSha(commit: string): void {
  if (!COMMIT_ID.test(commit))
    throw new TerminalError(`not a commit id: ${JSON.stringify(commit.slice(0, 80))} (expected 7-40 or 64 hexadecimal digits)`);
}

/** Refuses absolute paths, `..` segments and control characters in a repository file path. */
export function assertRepoPath(path: string): void {
  const segments = path.split('/');
  if (
    path === '' ||
    path.startsWith('/') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    [...path].some((c) => c.charCodeAt(0) < 0x20)
  ) {
    throw new TerminalError(`not a repository file path: ${JSON.stringify(path.slice(0, 200))}`);
  }
}

/** Normalises a provider timestamp (any ISO 8601 offset) to UTC ISO, for display: commit dates never order revisions. */
export function toUtcIso(value: unknown, what: string): string {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new TerminalError(`${what}: commit time missing or not a timestamp`);
  return new Date(time).toISOString();
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  let detail = text;
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    detail =
      typeof body.message === 'string'
        ? body.message
        : typeof body.error === 'string'
          ? body.error
          : JSON.stringify(body.message ?? body.error ?? '');
  } catch {
    // not JSON: keep the text
  }
  return redactString(detail.replace(/\s+/g, ' ').trim()).slice(0, 200);
}

function networkReason(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${PROVIDER_TIMEOUT_MS} ms`;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : 'network error';
}
