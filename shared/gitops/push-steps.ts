/**
 * The steps of the git-push flow that are not the flow itself: validating the fetched text,
 * best-effort commit statuses, rendering routes from the new configuration (and again from a newer
 * one that was applied meanwhile), and the one-line summary.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import { parseFleetConfigYaml } from '../config/config-file.ts';
import { TerminalError } from '../core/errors.ts';
import { drainedRegions, type FleetDrainState } from '../failover/index.ts';
import type { Logger } from '../core/logger.ts';
import { updateRoutes, type RoutesContext } from '../routing/index.ts';
import type { RoutesOutcome } from '../routing/index.ts';
import type { OperationRecorder } from '../state/operations.ts';
import { shortSha } from './provider-http.ts';
import { readAppliedConfig } from './revisions.ts';
import type { CommitState, CommitStatusReporter } from './status.ts';
import { GITOPS_STEPS } from './steps.ts';

/** The configuration, or every problem as `file:line: path: message`. */
export type Validation = { ok: true; config: FleetConfig } | { ok: false; problems: string[] };

/** Validates configuration text; only a TerminalError from the parser counts as invalid. */
export function validateConfigText(text: string, file: string): Validation {
  try {
    return { ok: true, config: parseFleetConfigYaml(text, file) };
  } catch (error) {
    if (!(error instanceof TerminalError)) throw error;
    const [header = '', ...problems] = error.message.split('\n  - ');
    return { ok: false, problems: problems.length > 0 ? problems : [header] };
  }
}

/** Sets a commit status; a failure is logged, never thrown. */
export async function reportStatus(
  reporter: CommitStatusReporter,
  log: Logger,
  commit: string,
  state: CommitState,
  description: string,
): Promise<void> {
  try {
    await reporter.report(commit, state, description);
  } catch (error) {
    log.warn('commit status not reported', { commit, state, error });
  }
}

/**
 * Renders routes from `config` (the pushed commit's). If a newer commit was applied while this one
 * rendered, renders once more from that one, so the live routes never end on an older revision.
 */
export async function renderRoutes(
  deps: RoutesContext,
  op: OperationRecorder,
  config: FleetConfig,
  commit: string,
): Promise<RoutesOutcome & { drains?: FleetDrainState }> {
  const outcome = await updateRoutes(deps, op, config);
  const applied = await readAppliedConfig(deps.store);
  if (!applied || applied.commit === commit) return outcome;
  op.note(GITOPS_STEPS.newerApplied, 'done', `routes rendered again from ${applied.commit}`);
  const newer = parseFleetConfigYaml(applied.yaml, `${applied.path ?? 'fleet config'}@${shortSha(applied.commit)}`);
  const again = await updateRoutes(deps, op, newer);
  return { ...again, changed: [...outcome.changed, ...again.changed] };
}

/** One line for the commit status and the operation's reason. */
export function routesSummary(commit: string, outcome: RoutesOutcome & { drains?: FleetDrainState }, alreadyApplied: boolean): string {
  const head = `${alreadyApplied ? 'already applied' : 'applied'} ${shortSha(commit)}`;
  const changes =
    outcome.changed.length === 0
      ? 'routes already match'
      : `${outcome.changed.length} route change${outcome.changed.length === 1 ? '' : 's'}`;
  const parts = [`${head}: ${changes}`];
  const drained = outcome.drains ? [...drainedRegions(outcome.drains)].sort() : [];
  if (drained.length > 0) parts.push(`kept drained: ${drained.join(', ')}`);
  if (outcome.problems.length > 0)
    parts.push(`${outcome.problems.length} route problem${outcome.problems.length === 1 ? '' : 's'}: ${outcome.problems[0]}`);
  return parts.join('; ');
}
