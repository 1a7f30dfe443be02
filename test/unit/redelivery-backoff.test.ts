/**
 * Pub/Sub's redelivery backoff as the sandbox applies it (shared/adapters/topology.ts): exponential
 * from the minimum, capped at the maximum, so five attempts span a short outage of a dependency
 * instead of a few seconds.
 */
import { describe, expect, it } from 'vitest';
import { CONSUMER_RETRY_POLICY, DEFAULT_MAX_DELIVERY_ATTEMPTS, redeliveryDelayMs } from '../../shared/adapters/topology.ts';

describe('redelivery backoff', () => {
  it('doubles from the minimum after each failed attempt and stops at the maximum', () => {
    const policy = { minimumBackoffSeconds: 10, maximumBackoffSeconds: 60 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => redeliveryDelayMs(policy, attempt))).toEqual([
      10_000, 20_000, 40_000, 60_000, 60_000, 60_000,
    ]);
    expect(redeliveryDelayMs(policy, 0)).toBe(10_000);
  });

  it("the consumers' five attempts span more than two minutes before a message is dead-lettered", () => {
    const waits = Array.from({ length: DEFAULT_MAX_DELIVERY_ATTEMPTS - 1 }, (_, i) => redeliveryDelayMs(CONSUMER_RETRY_POLICY, i + 1));
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThan(120_000);
  });
});
