/**
 * Enables the fleet features multi-cluster services and multi-cluster ingress (with the configured
 * config membership) and waits until they are usable. An existing config membership is never
 * changed: a mismatch is reported instead.
 */
import type { GkeHubAdapter } from '../adapters/gkehub.ts';
import { featureUsable, type Feature } from '../adapters/gkehub-types.ts';
import type { Clock, Sleep } from '../core/clock.ts';
import { pollUntil } from '../core/retry.ts';
import { TransientError, isAlreadyExists } from '../core/errors.ts';

/** What happened to each feature. */
export interface FeatureOutcome {
  multiclusterservicediscovery: 'created' | 'ok';
  multiclusteringress: 'created' | 'ok' | 'mismatch';
  warnings: string[];
}

/** Ensures both features exist and are usable within `timeoutMs`. */
export async function ensureFleetFeatures(
  deps: { hub: GkeHubAdapter; clock: Clock; sleep?: Sleep },
  configMembership: string,
  timeoutMs: number,
): Promise<FeatureOutcome> {
  const { hub } = deps;
  const warnings: string[] = [];
  const mcs = await hub.getFeature('multiclusterservicediscovery');
  const mcsCreated = !mcs && (await createIfAbsent(() => hub.createFeature('multiclusterservicediscovery', {})));
  const mci = await hub.getFeature('multiclusteringress');
  let mciOutcome: FeatureOutcome['multiclusteringress'] = 'ok';
  if (!mci) {
    const created = await createIfAbsent(() => hub.createFeature('multiclusteringress', { multiclusteringress: { configMembership } }));
    if (created) mciOutcome = 'created';
    else {
      // Another onboarding created it between our read and our create: check it as if we had read it.
      const current = (await hub.getFeature('multiclusteringress'))?.spec?.multiclusteringress?.configMembership;
      if (current && !sameMembership(current, configMembership)) {
        mciOutcome = 'mismatch';
        warnings.push(`multiclusteringress uses config membership ${current}, not ${configMembership}; fleetpilot never changes it`);
      }
    }
  } else {
    const current = mci.spec?.multiclusteringress?.configMembership;
    if (current && !sameMembership(current, configMembership)) {
      mciOutcome = 'mismatch';
      warnings.push(`multiclusteringress uses config membership ${current}, not ${configMembership}; fleetpilot never changes it`);
    }
  }
  const usable = (f: Feature | null) => featureUsable(f);
  await pollUntil(
    async () => {
      const [a, b] = await Promise.all([hub.getFeature('multiclusterservicediscovery'), hub.getFeature('multiclusteringress')]);
      return usable(a) && usable(b) ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs: 250,
      clock: deps.clock,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      what: 'fleet features to become usable',
    },
  ).catch((error: unknown) => {
    throw new TransientError(error instanceof Error ? error.message : String(error));
  });
  return { multiclusterservicediscovery: mcsCreated ? 'created' : 'ok', multiclusteringress: mciOutcome, warnings };
}

/**
 * Creates a feature, treating ALREADY_EXISTS as done: onboardings of clusters created together race
 * to enable the features, and the loser would otherwise retry a conflict that is already resolved.
 * Returns false when another caller created it first.
 */
async function createIfAbsent(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
}

/** Compares membership names that may use the project id or number. */
function sameMembership(a: string, b: string): boolean {
  const tail = (name: string) => name.replace(/^.*\/locations\//, '');
  return tail(a) === tail(b);
}
