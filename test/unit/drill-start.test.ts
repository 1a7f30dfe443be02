/**
 * Starting drills on the in-memory demo fleet: one drill at a time even when two admins ask at the
 * same moment (the check and the record are one step under a lease), and a dry run changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { startDrill, type DrillRequest } from '../../shared/drills/index.ts';
import { demoFleet } from '../support/memory-fleet.ts';

const request = (region: string, over: Partial<DrillRequest> = {}): DrillRequest => ({
  region,
  durationSeconds: 60,
  reason: 'game day',
  principal: 'admin@example.com',
  source: 'api',
  dryRun: false,
  ...over,
});

describe('startDrill', () => {
  it('starts one of two drills asked for at once and refuses the other as drill-in-progress', async () => {
    const fleet = await demoFleet();
    const [a, b] = await Promise.all([
      startDrill(fleet.ctx, request('asia-northeast2', { drillId: 'a' })),
      startDrill(fleet.ctx, request('asia-northeast1', { drillId: 'b' })),
    ]);
    const results = [a, b].map((r) => r.result).sort();
    expect(results).toEqual(['refused', 'succeeded']);
    const refused = [a, b].find((r) => r.result === 'refused')!;
    expect(refused.refusal?.guard).toBe('drill-in-progress');
    expect(refused.drill?.state).toBe('refused');
    // Exactly one region is drained: the fleet never lost both.
    expect(Object.values(fleet.route('store')!.weights).filter((w) => w === 0)).toHaveLength(1);
  });

  it('plans a dry run without a record or a lease left behind', async () => {
    const fleet = await demoFleet();
    const planned = await startDrill(fleet.ctx, request('asia-northeast2', { dryRun: true, drillId: 'dry' }));
    expect(planned.result).toBe('planned');
    expect(planned.drill).toBeUndefined();
    const started = await startDrill(fleet.ctx, request('asia-northeast2', { drillId: 'real' }));
    expect(started.result).toBe('succeeded');
  });
});
