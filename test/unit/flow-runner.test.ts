/**
 * The operation runner (core/run-operation.ts): the one place a run begins and ends. Each test runs
 * a tiny flow on the in-memory fleet and asserts what is left behind: the operation record, the
 * processed-event marker, the lease, what was published and logged, and whether the caller saw a throw.
 */
import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { MARKERS } from '../../shared/adapters/firestore.ts';
import { TerminalError, TransientError } from '../../shared/core/errors.ts';
import { rejectEvent, runOperation, type Delivery, type FlowOutcome, type OperationSpec } from '../../shared/core/run-operation.ts';
import { LEASES } from '../../shared/state/leases.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { memoryFleet, type MemoryFleet } from '../support/memory-fleet.ts';

const base = { kind: 'test-flow', trigger: { source: 'unit', messageId: 'm-1' }, principal: 'tester', subject: 'thing/1' };
const spec = (delivery: Delivery, more: Partial<OperationSpec> = {}): OperationSpec => ({ ...base, delivery, ...more });
const MARKER = { key: 'event:1', ttlMs: 60_000 };

/** Runs `body` and reports how the call ended instead of throwing. */
async function run(fleet: MemoryFleet, s: OperationSpec, body: () => Promise<FlowOutcome>, hooks: Parameters<typeof runOperation>[3] = {}) {
  try {
    const ran = await runOperation(fleet.ctx, s, ({ op }) => op.step('work', body), hooks);
    return { threw: undefined, record: ran.record };
  } catch (error) {
    return { threw: error, record: fleet.operations().at(-1) };
  }
}
const lines = (fleet: MemoryFleet) => fleet.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('runOperation', () => {
  it('writes the record when the run starts and finishes it with the outcome, the plan, the steps; logs and publishes it', async () => {
    const fleet = memoryFleet();
    let seenWhileRunning: unknown;
    const ran = await runOperation(fleet.ctx, spec('pubsub', { plan: ['do the thing'], region: 'asia-northeast1' }), async ({ op }) => {
      seenWhileRunning = await fleet.store.get(OPERATIONS, op.id);
      await op.step(
        'work',
        async () => 'ok',
        () => ({ detail: 'did it' }),
      );
      return { result: 'succeeded', reason: 'all done' };
    });
    expect(seenWhileRunning).toMatchObject({
      id: 'op-0001',
      kind: 'test-flow',
      plan: ['do the thing'],
      steps: [],
      startedAt: fleet.clock.now().toISOString(),
    });
    expect(seenWhileRunning).not.toHaveProperty('result');
    const stored = await fleet.store.get(OPERATIONS, 'op-0001');
    expect(stored).toEqual({ ...ran.record, expireAt: Timestamp.fromMillis(fleet.clock.now().getTime() + 30 * 86_400_000) });
    expect(ran.record).toMatchObject({
      result: 'succeeded',
      reason: 'all done',
      plan: ['do the thing'],
      region: 'asia-northeast1',
      steps: [{ name: 'work', outcome: 'done', detail: 'did it' }],
      finishedAt: fleet.clock.now().toISOString(),
    });
    expect(ran.outcome).toEqual({ result: 'succeeded', reason: 'all done' });
    expect(fleet.published).toEqual([ran.record]);
    expect(lines(fleet).find((l) => l.message === 'operation finished')).toMatchObject({
      severity: 'INFO',
      operationId: 'op-0001',
      kind: 'test-flow',
      messageId: 'm-1',
      result: 'succeeded',
    });
  });

  it.each<[string, Delivery, boolean, Error, { throws: boolean; result: string; marked: boolean; hook: boolean }]>([
    [
      'pubsub, transient: retrying, rethrown for redelivery, no marker',
      'pubsub',
      false,
      new TransientError('503 from upstream'),
      { throws: true, result: 'retrying', marked: false, hook: false },
    ],
    [
      'pubsub, terminal: failed, acknowledged, marked',
      'pubsub',
      false,
      new TerminalError('bad input'),
      { throws: false, result: 'failed', marked: true, hook: true },
    ],
    [
      'pubsub final attempt, transient: failed, acknowledged, marked',
      'pubsub',
      true,
      new TransientError('503 from upstream'),
      { throws: false, result: 'failed', marked: true, hook: true },
    ],
    [
      'tick, transient: skipped, never thrown, the next tick retries',
      'tick',
      false,
      new TransientError('503 from upstream'),
      { throws: false, result: 'skipped', marked: false, hook: false },
    ],
    [
      'tick, terminal: failed, never thrown',
      'tick',
      false,
      new TerminalError('bad input'),
      { throws: false, result: 'failed', marked: true, hook: true },
    ],
    [
      'request, transient: failed and rethrown for the person waiting',
      'request',
      false,
      new TransientError('503 from upstream'),
      { throws: true, result: 'failed', marked: true, hook: true },
    ],
    [
      'request, terminal: failed and rethrown',
      'request',
      false,
      new TerminalError('bad input'),
      { throws: true, result: 'failed', marked: true, hook: true },
    ],
  ])('%s', async (_name, delivery, finalAttempt, error, expected) => {
    const fleet = memoryFleet();
    const hooked: string[] = [];
    const outcome = await run(fleet, spec(delivery, { marker: MARKER, finalAttempt }), () => Promise.reject(error), {
      onFailure: async (e, { op }) => void hooked.push(`${op.id}: ${(e as Error).message}`),
    });
    expect({
      throws: outcome.threw === error,
      result: outcome.record?.result,
      marked: fleet.store.docs.has(`${MARKERS}/${MARKER.key}`),
      hook: hooked.length === 1,
    }).toEqual(expected);
    expect(outcome.record).toMatchObject({ reason: error.message, steps: [{ name: 'work', outcome: 'failed', detail: error.message }] });
    expect(outcome.record?.finishedAt).toBeDefined();
    if (expected.marked) expect(fleet.store.docs.get(`${MARKERS}/${MARKER.key}`)).toMatchObject({ operationId: 'op-0001', failed: true });
    // The hook ran before the record was finished, so it saw the run still open.
    if (expected.hook) expect(hooked).toEqual([`op-0001: ${error.message}`]);
  });

  it('skips a duplicate event by its marker: the flow runs once, the duplicate is recorded as skipped', async () => {
    const fleet = memoryFleet();
    let runs = 0;
    const body = async () => (runs++, { result: 'succeeded' as const, reason: 'done' });
    const first = await run(fleet, spec('pubsub', { marker: MARKER }), body);
    const second = await run(fleet, spec('pubsub', { marker: MARKER }), body);
    expect(runs).toBe(1);
    expect([first.record?.result, second.record?.result, second.record?.reason]).toEqual([
      'succeeded',
      'skipped',
      'duplicate: this event was already processed',
    ]);
    expect(fleet.store.docs.get(`${MARKERS}/${MARKER.key}`)).toMatchObject({ operationId: first.record?.id });
    expect(second.record?.steps).toEqual([]);
  });

  it('a transient failure leaves no marker: the redelivery runs the flow', async () => {
    const fleet = memoryFleet();
    await run(fleet, spec('pubsub', { marker: MARKER }), () => Promise.reject(new TransientError('503')));
    const redelivered = await run(fleet, spec('pubsub', { marker: MARKER }), async () => ({ result: 'succeeded', reason: 'done' }));
    expect(fleet.operations().map((o) => o.result)).toEqual(['retrying', 'succeeded']);
    expect(redelivered.threw).toBeUndefined();
  });

  it('a lease held elsewhere is a transient failure (retrying, rethrown), after waiting on the test clock only', async () => {
    const fleet = memoryFleet();
    const key = 'cluster:p/l/c';
    await fleet.store.set(LEASES, key, {
      holder: 'other-instance:op-x',
      expireAt: Timestamp.fromMillis(fleet.clock.now().getTime() + 120_000),
    });
    const started = fleet.clock.now().getTime();
    let ran = false;
    const outcome = await run(
      fleet,
      spec('pubsub', { lease: { key, ttlMs: 60_000, waitMs: 30_000 }, plan: ['the plan'] }),
      async () => ((ran = true), { result: 'succeeded' }),
    );
    expect(outcome.threw).toBeInstanceOf(TransientError);
    expect(outcome.record).toMatchObject({
      result: 'retrying',
      reason: `${key} is being worked on by another instance; retry later`,
      plan: ['the plan'],
    });
    expect(ran).toBe(false);
    expect(fleet.clock.now().getTime() - started).toBeGreaterThanOrEqual(30_000);
    // The plan was readable while the run waited for the lease.
    expect(fleet.store.docs.get(`${OPERATIONS}/${outcome.record?.id}`)).toMatchObject({ plan: ['the plan'] });
    expect(fleet.store.docs.get(`${LEASES}/${key}`)).toMatchObject({ holder: 'other-instance:op-x' });
  });

  it('a lease that expires while waiting is taken, and released after the run', async () => {
    const fleet = memoryFleet();
    const key = 'cluster:p/l/c';
    await fleet.store.set(LEASES, key, {
      holder: 'other-instance:op-x',
      expireAt: Timestamp.fromMillis(fleet.clock.now().getTime() + 5_000),
    });
    let holderDuringRun: unknown;
    const ran = await runOperation(fleet.ctx, spec('pubsub', { lease: { key, ttlMs: 60_000, waitMs: 30_000 } }), async () => {
      holderDuringRun = (await fleet.store.get(LEASES, key))?.holder;
      return { result: 'succeeded' };
    });
    expect(ran.record.result).toBe('succeeded');
    expect(holderDuringRun).toBe('unit-test:op-0001');
    expect(fleet.store.docs.has(`${LEASES}/${key}`)).toBe(false);
  });

  it.each<[string, ((r: OperationRecord) => boolean) | undefined, number]>([
    ['publishes by default', undefined, 1],
    ['publishes when the predicate says so', (r) => r.result === 'succeeded', 1],
    ['does not publish when the predicate says no, and still records', (r) => r.reason !== 'nothing to change', 0],
  ])('%s', async (_name, announce, published) => {
    const fleet = memoryFleet();
    const ran = await runOperation(fleet.ctx, spec('tick', announce ? { announce } : {}), async () => ({
      result: 'succeeded',
      reason: 'nothing to change',
    }));
    expect(fleet.published).toHaveLength(published);
    expect(fleet.operations()).toEqual([ran.record]);
  });

  it('a failed publication is logged and does not fail the run', async () => {
    const fleet = memoryFleet();
    fleet.failPublishing(new Error('pubsub unavailable'));
    const ran = await runOperation(fleet.ctx, spec('pubsub'), async () => ({ result: 'succeeded', reason: 'done' }));
    expect(ran.record.result).toBe('succeeded');
    expect(await fleet.store.get(OPERATIONS, ran.record.id)).toMatchObject({ result: 'succeeded' });
    expect(lines(fleet).find((l) => l.message === 'result not published')).toMatchObject({
      severity: 'WARNING',
      error: { message: 'pubsub unavailable' },
    });
  });

  it('logs a refusal as a warning and a failure as an error', async () => {
    const fleet = memoryFleet();
    await runOperation(fleet.ctx, spec('request'), async () => ({ result: 'refused', reason: 'guard said no' }));
    await runOperation(fleet.ctx, spec('tick'), () => Promise.reject(new TerminalError('broken')));
    expect(
      lines(fleet)
        .filter((l) => l.message === 'operation finished')
        .map((l) => [l.severity, l.result]),
    ).toEqual([
      ['WARNING', 'refused'],
      ['ERROR', 'failed'],
    ]);
  });
});

describe('rejectEvent', () => {
  it('records a malformed event as skipped with its reason, acknowledges it and publishes the record', async () => {
    const fleet = memoryFleet();
    const record = await rejectEvent(fleet.ctx, { ...base, subject: 'unknown' }, 'entry rejected: not JSON');
    expect(record).toMatchObject({ kind: 'test-flow', subject: 'unknown', result: 'skipped', reason: 'entry rejected: not JSON' });
    expect(fleet.operations()).toEqual([record]);
    expect(fleet.published).toEqual([record]);
    expect(lines(fleet).find((l) => l.message === 'event rejected')).toMatchObject({
      severity: 'WARNING',
      reason: 'entry rejected: not JSON',
    });
  });
});
