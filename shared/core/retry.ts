/**
 * Retries transient failures with capped exponential backoff and full jitter; terminal failures
 * are rethrown at once. Polling helpers wait for a condition with a deadline instead of sleeping.
 */
import { isRetryable } from './errors.ts';
import { realSleep, systemClock, type Clock, type Sleep } from './clock.ts';

/** Options for {@link withRetry}. */
export interface RetryOptions {
  /** Total attempts, including the first. */
  attempts?: number;
  /** First backoff in milliseconds. */
  baseDelayMs?: number;
  /** Upper bound for one backoff. */
  maxDelayMs?: number;
  sleep?: Sleep;
  /** Which errors to retry; defaults to the shared classification. */
  retryable?: (error: unknown) => boolean;
  /** Called before each retry (for logging). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/** Runs `fn`, retrying while it fails with a retryable error and attempts remain. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? realSleep;
  const retryable = options.retryable ?? isRetryable;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const delay = Math.round(random() * Math.min(max, base * 2 ** (attempt - 1)));
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** Options for {@link pollUntil}. */
export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  sleep?: Sleep;
  /** Describes what is awaited, for the timeout message. */
  what: string;
}

/** Calls `probe` until it returns a value other than undefined, or throws after the deadline. */
export async function pollUntil<T>(probe: () => Promise<T | undefined> | T | undefined, options: PollOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const deadline = clock.now().getTime() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (clock.now().getTime() >= deadline) {
      const suffix = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${suffix}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
