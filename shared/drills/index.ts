/**
 * Drills: drain a region on purpose for a set time when the fleet is quiet, measure from the
 * Gateway's traffic how long the region took to empty and to come back, and keep the report.
 */
export { advanceDrills, drillView, type DrillContext } from './advance-drills.ts';
export { ACTIVE_DRILL_STATES, DRILL_LIFETIME_MS, DRILLS, isActiveDrill, readDrill, recentDrills } from './drill-record.ts';
export type { DrillRecord, DrillState, GuardVerdict } from './drill-record.ts';
export { describeReport, measureDrill, RESTORED_SHARE, type DrillReport, type DrillTimes, type WindowCounts } from './drill-report.ts';
export { dueScheduledDrills, SCHEDULE_GRACE_MS, type DueDrill } from './drill-schedule.ts';
export { nextDrillStep, type DrillStep, type DrillView } from './drill-step.ts';
export { drillHoldId, drillRestoreId, startDrill, type DrillRequest, type DrillStartResult } from './start-drill.ts';
