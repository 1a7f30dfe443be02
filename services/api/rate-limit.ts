/**
 * A per-principal token bucket: each principal may make `perMinute` calls a minute, in bursts of
 * up to `perMinute`. Beyond that the API answers 429 with `Retry-After`. Per instance: with N Cloud
 * Run instances a principal gets at most N times the limit, which is enough to stop a runaway bot.
 */
import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../shared/core/clock.ts';
import { ApiError } from '../http-errors.ts';
import type { AuthVariables } from './auth.ts';

/** Buckets kept before idle, full ones are dropped. */
const MAX_BUCKETS = 10_000;

/** A limiter: `take(key)` returns 0 when allowed, else the seconds to wait. */
export interface RateLimiter {
  take(key: string): number;
}

/** Creates a limiter of `perMinute` calls per key. */
export function createRateLimiter(perMinute: number, clock: Clock): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    take(key) {
      const now = clock.now().getTime();
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: now };
      bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, now - bucket.at) * ratePerMs);
      bucket.at = now;
      if (buckets.size >= MAX_BUCKETS && !buckets.has(key)) prune(buckets, now, ratePerMs, perMinute);
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
    },
  };
}

function prune(buckets: Map<string, { tokens: number; at: number }>, now: number, ratePerMs: number, capacity: number): void {
  for (const [key, b] of buckets) if (b.tokens + (now - b.at) * ratePerMs >= capacity) buckets.delete(key);
}

/** Middleware: 429 with `Retry-After` when the principal is over its limit. */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const principal = c.get('principal');
    const wait = limiter.take(principal.id);
    if (wait > 0) {
      throw new ApiError(
        429,
        'resource_exhausted',
        `rate limit exceeded for ${principal.id}; retry in ${wait} s`,
        { retryAfterSeconds: wait },
        { 'Retry-After': String(wait) },
      );
    }
    await next();
  };
}
