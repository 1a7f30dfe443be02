/**
 * Operation records stay small (issue 13): whatever a flow returns or an error says, the reason and
 * each step's detail are cut to a fixed size where records are written, far below Firestore's
 * 1 MiB document limit.
 */
import { describe, expect, it } from 'vitest';
import { runOperation } from '../../shared/core/run-operation.ts';
import { MAX_RECORD_TEXT, OPERATIONS } from '../../shared/state/operations.ts';
import { memoryFleet } from '../support/memory-fleet.ts';

const TWO_MIB = 'x'.repeat(2 * 1024 * 1024);

describe('operation records stay small', () => {
  it('a 2 MiB reason, step detail, note and error message are cut to a fixed size', async () => {
    const fleet = memoryFleet();
    const ran = await runOperation(
      fleet.ctx,
      { kind: 'test', delivery: 'tick', trigger: { source: 'unit' }, principal: 'tester', subject: 'thing' },
      async ({ op }) => {
        await op.step(
          'big detail',
          async () => 1,
          () => ({ detail: TWO_MIB }),
        );
        op.note('big note', 'done', TWO_MIB);
        return { result: 'succeeded', reason: TWO_MIB };
      },
    );
    expect(ran.record.reason!.length).toBeLessThanOrEqual(MAX_RECORD_TEXT);
    expect(ran.record.reason).toMatch(/^x+… \(\d+ more characters\)$/);
    expect(ran.record.steps.map((s) => s.detail!.length <= MAX_RECORD_TEXT)).toEqual([true, true]);
    const failed = await runOperation(
      fleet.ctx,
      { kind: 'test', delivery: 'pubsub', trigger: { source: 'unit' }, principal: 'tester', subject: 'thing' },
      async ({ op }) => {
        await op.step('throws', async () => {
          throw new Error(TWO_MIB);
        });
        return { result: 'succeeded' };
      },
    );
    expect(failed.record.result).toBe('failed');
    expect(failed.record.reason!.length).toBeLessThanOrEqual(MAX_RECORD_TEXT);
    expect(failed.record.steps[0]!.detail!.length).toBeLessThanOrEqual(MAX_RECORD_TEXT);
    for (const [key, doc] of fleet.store.docs)
      if (key.startsWith(`${OPERATIONS}/`)) expect(JSON.stringify(doc).length).toBeLessThan(32 * 1024);
  });

  it('a cut never splits a character made of two UTF-16 units', async () => {
    const fleet = memoryFleet();
    const ran = await runOperation(
      fleet.ctx,
      { kind: 'test', delivery: 'tick', trigger: {}, principal: 'tester', subject: 'thing' },
      async () => ({ result: 'succeeded', reason: '😀'.repeat(MAX_RECORD_TEXT) }),
    );
    expect(ran.record.reason).toMatch(/^(😀)+… \(\d+ more characters\)$/u);
  });
});
