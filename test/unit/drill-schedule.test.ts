import { describe, expect, it } from 'vitest';
import { drillsSchema } from '../../shared/config/drills-config.ts';
import { dueScheduledDrills } from '../../shared/drills/index.ts';

const schedule = drillsSchema.parse({ schedule: [{ region: 'asia-northeast2', cron: '0 10 * * 2', durationSeconds: 300 }] }).schedule;

describe('dueScheduledDrills', () => {
  it.each([
    { now: '2026-12-08T09:59:59Z', due: [] },
    { now: '2026-12-08T10:00:00Z', due: ['scheduled-asia-northeast2-20261208t100000z'] },
    { now: '2026-12-08T10:09:59Z', due: ['scheduled-asia-northeast2-20261208t100000z'] },
    { now: '2026-12-08T10:10:00Z', due: [] },
    { now: '2026-12-09T10:00:00Z', due: [] },
  ])('at $now: $due', ({ now, due }) => {
    expect(dueScheduledDrills(schedule, new Date(now)).map((d) => d.drillId)).toEqual(due);
  });

  it.each([
    { cron: '0 10 * *', problem: 'must have five fields' },
    { cron: '61 10 * * 2', problem: 'is not a cron expression' },
    { cron: '0 10 * * 2 2026', problem: 'must have five fields' },
  ])('refuses the schedule $cron', ({ cron, problem }) => {
    const result = drillsSchema.safeParse({ schedule: [{ region: 'asia-northeast2', cron }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(problem);
  });

  it('refuses a zone for a region and a drill longer than a day', () => {
    const zone = drillsSchema.safeParse({ schedule: [{ region: 'asia-northeast2-b', cron: '0 10 * * 2' }] });
    expect(zone.error?.issues[0]?.message).toContain('asia-northeast2');
    const long = drillsSchema.safeParse({ schedule: [{ region: 'asia-northeast2', cron: '0 10 * * 2', durationSeconds: 90_000 }] });
    expect(long.success).toBe(false);
  });
});
