import { describe, expect, it } from 'vitest';
import { pollUntil, withRetry } from '../../shared/core/retry.ts';
import { TerminalError, TransientError } from '../../shared/core/errors.ts';

const noSleep = () => Promise.resolve();

describe('withRetry', () => {
  it('retries transient failures until success, with growing capped backoff', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw new TransientError('busy');
        return 'ok';
      },
      { sleep: noSleep, random: () => 1, baseDelayMs: 100, maxDelayMs: 300, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([100, 200, 300]);
  });

  it('rethrows terminal failures at once', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new TerminalError('bad input');
        },
        { sleep: noSleep },
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('gives up after the last attempt', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new TransientError('still busy');
        },
        { sleep: noSleep, attempts: 3 },
      ),
    ).rejects.toThrow('still busy');
    expect(calls).toBe(3);
  });
});

describe('pollUntil', () => {
  it('returns the first defined value', async () => {
    let n = 0;
    expect(await pollUntil(() => (++n === 3 ? n : undefined), { timeoutMs: 1_000, sleep: noSleep, what: 'n' })).toBe(3);
  });

  it('times out with what it waited for and the last error', async () => {
    let now = 0;
    const clock = { now: () => new Date(now) };
    const sleep = (ms: number) => {
      now += ms;
      return Promise.resolve();
    };
    await expect(
      pollUntil(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 500, intervalMs: 100, clock, sleep, what: 'the API server' },
      ),
    ).rejects.toThrow(/waiting for the API server; last error: connection refused/);
  });
});
