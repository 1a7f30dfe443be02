/**
 * The `drills` section of the fleet configuration: how drills measure traffic, how long they may
 * last, and an optional schedule of drills the tick starts by itself (cron expressions, UTC).
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { regionSchema as region } from './region-schema.ts';

/** The longest drill: a region drained on purpose for more than a day is an outage, not a drill. */
export const MAX_DRILL_SECONDS = 86_400;

/** Why `cron` is not a five-field cron expression fleetpilot accepts, or undefined when it is. */
export function cronProblem(cron: string): string | undefined {
  if (cron.trim().split(/\s+/).length !== 5) return 'must have five fields (minute hour day-of-month month day-of-week), in UTC';
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC' });
    return undefined;
  } catch (error) {
    return `is not a cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const durationSeconds = z.number().int().min(1).max(MAX_DRILL_SECONDS);

/** One scheduled drill. */
export const scheduledDrillSchema = z
  .object({
    region,
    /** When it starts: a five-field cron expression in UTC (`0 10 * * 2`: Tuesdays at 10:00). */
    cron: z.string().superRefine((value, ctx) => {
      const problem = cronProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    /** How long the region stays drained before the drill restores it. */
    durationSeconds: durationSeconds.default(600),
  })
  .strict();

/** The `drills` section (absent: no scheduled drills, the defaults below for requested ones). */
export const drillsSchema = z
  .object({
    /**
     * The width of the traffic samples a report is measured from (Cloud Monitoring's alignment
     * period). Load-balancer metrics are sampled every 60 s; the sandbox's data plane every second.
     */
    resolutionSeconds: z.number().int().min(1).max(3600).default(60),
    /**
     * How long after the region is back at its whole weight the report is read: Cloud Monitoring
     * shows load-balancer requests a few minutes after they were served.
     */
    metricsDelaySeconds: z.number().int().min(0).max(3600).default(240),
    /** A drill that has not ended this long after its restore ends without waiting further (a ramp stuck by an alert). */
    restoreTimeoutSeconds: z.number().int().min(60).max(MAX_DRILL_SECONDS).default(3600),
    schedule: z.array(scheduledDrillSchema).max(50).default([]),
  })
  .strict()
  .prefault({});

/** The validated `drills` section. */
export type DrillsPolicy = z.output<typeof drillsSchema>;
/** One scheduled drill. */
export type ScheduledDrill = DrillsPolicy['schedule'][number];
