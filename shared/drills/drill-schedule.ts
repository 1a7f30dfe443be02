/**
 * Scheduled drills: which occurrences of the configuration's cron schedule are due. An occurrence
 * is due from its time until {@link SCHEDULE_GRACE_MS} later, so that a tick or two missed does not
 * lose it; its drill id is derived from the region and the occurrence, so each occurrence starts
 * one drill however many ticks see it (the record written first, refused or not, marks it taken).
 */
import { CronExpressionParser } from 'cron-parser';
import type { ScheduledDrill } from '../config/drills-config.ts';

/** How long after its time an occurrence may still start (ten of Cloud Scheduler's one-minute ticks). */
export const SCHEDULE_GRACE_MS = 10 * 60_000;

/** A scheduled drill due now. */
export interface DueDrill {
  drillId: string;
  region: string;
  durationSeconds: number;
  /** ISO time of the occurrence. */
  at: string;
}

/** The occurrences of `schedule` due at `now`. */
export function dueScheduledDrills(schedule: readonly ScheduledDrill[], now: Date): DueDrill[] {
  return schedule.flatMap((entry) => {
    // The latest occurrence at or before now: prev() from a second after now includes now itself.
    const at = CronExpressionParser.parse(entry.cron, { tz: 'UTC', currentDate: new Date(now.getTime() + 1000) })
      .prev()
      .toDate();
    if (now.getTime() - at.getTime() >= SCHEDULE_GRACE_MS) return [];
    const stamp = at
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'z')
      .toLowerCase();
    return [
      { drillId: `scheduled-${entry.region}-${stamp}`, region: entry.region, durationSeconds: entry.durationSeconds, at: at.toISOString() },
    ];
  });
}
