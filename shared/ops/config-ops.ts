/**
 * The fleet configuration as the API shows it: the applied revision (or the starting file before
 * the first push), and the plan of a proposed configuration — validated like a push, rendered with
 * the drains in force — without applying it. Changes themselves land through Git.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import { RequestError } from '../core/errors.ts';
import { readAppliedConfig, validateConfigText } from '../gitops/index.ts';
import type { FleetContext } from '../core/context.ts';
import { describeTrafficMoved, planFleet } from '../routing/index.ts';
import type { ManualResult } from '../core/manual-result.ts';
import { readSnapshot } from '../routing/index.ts';

/** The configuration in force and where it came from. */
export interface ConfigView {
  source: 'git' | 'file';
  revision: { commit: string; committedAt: string; appliedAt: string; path: string | null } | null;
  config: FleetConfig;
}

/** Reads the configuration in force. */
export async function readConfigView(deps: FleetContext): Promise<ConfigView> {
  const [applied, config] = await Promise.all([readAppliedConfig(deps.store), deps.config()]);
  return {
    source: applied ? 'git' : 'file',
    revision: applied
      ? { commit: applied.commit, committedAt: applied.committedAt, appliedAt: applied.appliedAt, path: applied.path ?? null }
      : null,
    config,
  };
}

/** Plans a proposed configuration: every problem named by line and path, or the route changes it would make. */
export async function planConfigChange(deps: FleetContext, yaml: string, file = 'fleet.yaml'): Promise<ManualResult> {
  const validation = validateConfigText(yaml, file);
  if (!validation.ok)
    throw new RequestError('invalid_argument', `the configuration is invalid: ${validation.problems[0] ?? 'unknown problem'}`, {
      problems: validation.problems,
    });
  const snapshot = await readSnapshot(deps);
  const plan = planFleet({ ...snapshot, config: validation.config });
  // Each problem already names its service (the route planner prefixes it, once).
  const problems = plan.routes.flatMap((r) => r.problems);
  const lines = [
    ...plan.routes.flatMap((r) => r.diff.map((line) => `HTTPRoute ${r.namespace}/${r.service}: ${line}`)),
    ...describeTrafficMoved(plan.routes),
    ...problems.map((p) => `refused: ${p}`),
    ...Object.values(plan.drains.regions)
      .filter((r) => r.drained)
      .map((r) => `${r.region} stays drained (${r.cause ?? 'alert'})`),
  ];
  const changes = plan.routes.reduce((n, r) => n + r.diff.length, 0);
  const summary =
    problems.length > 0
      ? `dry run: the configuration would be refused by the route planner: ${problems[0]}`
      : changes > 0
        ? `dry run: the configuration would change ${changes} route line(s)${describeTrafficMoved(plan.routes).length > 0 ? ` (${describeTrafficMoved(plan.routes).join('; ')})` : ''}`
        : 'dry run: the configuration changes no route';
  return {
    result: problems.length > 0 ? 'refused' : 'planned',
    summary,
    plan: lines,
    ...(problems.length > 0 ? { refusal: { guard: 'route-planner', reason: problems[0]! } } : {}),
    routes: plan.routes,
  };
}
