/** Which requests need a second person's approval (pure), and what of a plan must not change before it is approved. */
import type { ApprovalAction, ApprovalsPolicy } from '../config/approvals-config.ts';

/** What a request is, for the rules. */
export interface PolicyQuery {
  action: 'drain' | 'offboard';
  /** Guards a drain overrides (break glass). */
  overrideGuards?: readonly string[];
  /** The largest share of any one service's traffic the request moves (0–1). */
  trafficMoved: number;
}

/** The rule that asks for approval of `query`, in words, with the action it counts as; undefined when none does. */
export function approvalRuleFor(policy: ApprovalsPolicy, query: PolicyQuery): { action: ApprovalAction; rule: string } | undefined {
  for (const rule of policy.rules) {
    if (rule.action === 'override' && query.action === 'drain' && (query.overrideGuards?.length ?? 0) > 0)
      return { action: 'override', rule: `overriding ${query.overrideGuards!.join(', ')} needs approval` };
    if (rule.action === 'offboard' && query.action === 'offboard') return { action: 'offboard', rule: 'offboarding needs approval' };
    if (rule.action === 'drain' && query.action === 'drain') {
      const above = rule.when?.trafficShareAbove;
      if (above === undefined) return { action: 'drain', rule: 'drains need approval' };
      if (query.trafficMoved > above)
        return {
          action: 'drain',
          rule: `the drain moves ${Math.round(query.trafficMoved * 1000) / 10}% of a service's traffic, above ${Math.round(above * 1000) / 10}%`,
        };
    }
  }
  return undefined;
}

/**
 * The lines of a plan that say what changes (drains, restores, route weights, traffic moved), not
 * who asked or why: approving compares these with the plan at that moment.
 */
export function materialLines(plan: readonly string[]): string[] {
  return plan.filter((line) => /^(drain |restore |HTTPRoute |[a-z0-9-]+: \d+% of .* traffic moves|offboard |remove )/.test(line));
}
