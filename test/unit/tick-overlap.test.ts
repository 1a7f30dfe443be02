/**
 * One tick at a time: a tick that finds another still running records itself skipped (and logs it
 * as routine, not as a warning) instead of piling its reads and writes onto the slow one; once the
 * running tick ends, or its lease expires, the next tick works again.
 */
import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { TICK_LEASE_MS, tickHandler } from '../../functions/tick/handler.ts';
import { LEASES } from '../../shared/state/leases.ts';
import { demoFleet, type MemoryFleet } from '../support/memory-fleet.ts';

function functionContext(fleet: MemoryFleet): FunctionContext {
  return { fleet: fleet.ctx, adapters: { store: fleet.store }, log: fleet.ctx.log } as unknown as FunctionContext;
}

describe('tick overlap', () => {
  it('a tick that finds another running is skipped; the next one after it ends (or its lease expires) works', async () => {
    const fleet = await demoFleet();
    const ctx = functionContext(fleet);
    const expireAt = Timestamp.fromMillis(fleet.clock.now().getTime() + TICK_LEASE_MS);
    await fleet.store.set(LEASES, 'tick', { holder: 'other-instance:op-1', expireAt });

    const overlapping = await tickHandler(ctx, 'm-1');
    expect(overlapping).toMatchObject({ kind: 'tick', result: 'skipped' });
    expect(overlapping.reason).toMatch(/^tick is being worked on by another instance/);
    const lines = fleet.logLines.filter((l) => l.includes(overlapping.id));
    expect(lines.some((l) => l.includes('"severity":"INFO"') && l.includes('work left to the lease holder'))).toBe(true);
    expect(lines.some((l) => l.includes('"severity":"WARNING"'))).toBe(false);
    expect(fleet.published.map((r) => r.id)).not.toContain(overlapping.id);

    // The running tick died: its lease lapses and the next tick takes over.
    fleet.clock.advance(TICK_LEASE_MS + 1);
    const after = await tickHandler(ctx, 'm-2');
    expect(after.result).toBe('succeeded');
    expect(await fleet.store.get(LEASES, 'tick')).toBeUndefined();
  });
});
