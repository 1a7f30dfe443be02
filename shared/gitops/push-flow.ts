/**
 * The git-push flow: fetch the configuration at the pushed commit, validate it, record it as a
 * revision, make it the applied one only when it is newer than what is applied, and re-render the
 * routes from it. Drains and manual holds are separate facts that routes are rendered with, so every
 * revision keeps them. The result goes back to the commit as a status.
 */
import { isRetryable } from '../core/errors.ts';
import type { LifecycleDeps } from '../core/context.ts';
import { updateRoutes } from '../routing/update-routes.ts';
import { startOperation, type OperationRecord } from '../state/operations.ts';
import { shortSha } from './provider-http.ts';
import type { GitPushMessage } from './push-message.ts';
import { renderRoutes, reportStatus, routesSummary, validateConfigText, type ApplyRoutes } from './push-steps.ts';
import { applyIfNewer, recordRevision } from './revisions.ts';
import type { ConfigSource } from './sources.ts';
import type { CommitStatusReporter } from './status.ts';

/** What the git-push flow needs besides the lifecycle dependencies. */
export interface GitPushDeps extends LifecycleDeps {
  source: ConfigSource;
  status: CommitStatusReporter;
  /** The configuration file's path in the repository (e.g. `fleet.yaml`). */
  configPath: string;
  /** Renders routes; `updateRoutes` unless replaced (unit tests). */
  applyRoutes?: ApplyRoutes;
}

/** Options of {@link handleGitPush}. */
export interface GitPushOptions {
  /** The last delivery attempt: a transient failure is then reported and acknowledged, not rethrown. */
  finalAttempt?: boolean;
}

/** Handles one git-push message; throws only for failures Pub/Sub should redeliver. */
export async function handleGitPush(deps: GitPushDeps, message: GitPushMessage, messageId: string, options: GitPushOptions = {}): Promise<OperationRecord> {
  const commit = message.commit;
  const configPath = deps.configPath;
  const op = await startOperation(deps, {
    kind: 'git-push',
    trigger: { source: message.provider, repository: message.repository, branch: message.branch, commit, deliveryId: message.deliveryId, messageId },
    principal: `git:${message.pusher}`,
    subject: `config/${message.repository}`,
  });
  const log = deps.log.child({ operationId: op.id, messageId, repository: message.repository, commit });
  const report = (state: Parameters<typeof reportStatus>[3], description: string) => reportStatus(deps.status, log, commit, state, description);
  await report('pending', `fleetpilot is validating ${configPath}`);
  try {
    const fetched = await op.step(`fetch ${configPath} at ${shortSha(commit)}`, () => deps.source.fetch(commit, configPath),
      (f) => ({ detail: `committed by ${f.author} at ${f.committedAt}` }));
    const revision = { commit, author: fetched.author, committedAt: fetched.committedAt, receivedAt: deps.clock.now().toISOString(), path: configPath, yaml: fetched.text };
    const validation = validateConfigText(fetched.text, configPath);
    if (!validation.ok) {
      await op.step('record rejected revision', () => recordRevision(deps.store, { ...revision, status: 'rejected', problems: validation.problems }),
        () => ({ detail: validation.problems.join('; ') }));
      op.plan(validation.problems.map((p) => `rejected: ${p}`));
      log.warn('pushed configuration rejected', { problems: validation.problems });
      await report('failure', validation.problems[0] ?? 'invalid configuration');
      return await op.finish('refused', `invalid configuration; live routes untouched: ${validation.problems.join('; ')}`);
    }
    const decision = await op.step('record revision; apply if newer than the applied one', () => applyIfNewer(deps.store, revision),
      (d) => ({ outcome: d.applied && !d.alreadyApplied ? 'done' : 'unchanged', detail: d.applied ? (d.alreadyApplied ? 'already applied' : `replaces ${d.previous?.commit ?? 'no applied revision'}`) : `superseded by ${d.current?.commit}` }));
    if (!decision.applied) {
      const newer = decision.current?.commit ?? 'unknown';
      await report('success', `superseded by ${shortSha(newer)}`);
      return await op.finish('skipped', `older than the applied commit ${newer}`);
    }
    const outcome = await renderRoutes(deps, op, deps.applyRoutes ?? updateRoutes, validation.config, commit);
    const summary = routesSummary(commit, outcome, decision.alreadyApplied);
    log.info('pushed configuration handled', { changed: outcome.changed.length, problems: outcome.problems.length });
    await report(outcome.problems.length > 0 ? 'failure' : 'success', summary);
    if (outcome.problems.length > 0) return await op.finish('refused', summary);
    return await op.finish(decision.alreadyApplied && outcome.changed.length === 0 ? 'skipped' : 'succeeded', summary);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (isRetryable(error) && !options.finalAttempt) {
      await op.finish('retrying', reason);
      throw error;
    }
    log.error('git push failed permanently', { error });
    await report('error', reason);
    return op.finish('failed', reason);
  }
}
