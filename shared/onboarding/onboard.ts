/**
 * Onboarding of a running cluster that matches the policy: fleet membership, fleet features,
 * member objects, mesh wiring, then routes — each step idempotent and recorded.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import type { GkeHubAdapter } from '../adapters/gkehub.ts';
import { gkeResourceLink, sameResourceLink, type Membership } from '../adapters/gkehub-types.ts';
import type { KubeAdapter } from '../adapters/kube.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { pollUntil } from '../core/retry.ts';
import { regionOf, regionalServiceName } from '../routing/index.ts';
import { onboardedSince, readClusterRecord, writeClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { Needs } from '../core/context.ts';
import type { MeshContext } from '../mesh/index.ts';
import type { RoutesContext } from '../routing/index.ts';

/** What onboarding needs: the fleet (GKE Hub), the clusters, the mesh and the route render. */
export type OnboardContext = RoutesContext & MeshContext & Needs<'hub' | 'importWaitMs'>;
import { configClusterKube } from '../routing/index.ts';
import { ensureFleetFeatures } from './features.ts';
import { ensureMembership } from './membership.ts';
import { ensureMemberObjects, type MemberOutcome } from './member-objects.ts';
import { addClusterToMesh } from '../mesh/index.ts';
import { updateRoutes } from '../routing/index.ts';
import { ONBOARDING_STEPS } from './steps.ts';

/** The full membership name of the configured config cluster. */
export function configMembershipName(config: FleetConfig): string {
  const id = config.fleet.configCluster.membership ?? config.fleet.configCluster.name;
  return `projects/${config.fleet.project}/locations/${config.fleet.membershipLocation}/memberships/${id}`;
}

/**
 * The config cluster's membership: the configured one when the configuration names it, otherwise
 * the membership whose resource link names the config cluster wherever it was registered (by hand
 * with gcloud it is in the cluster's region), falling back to the configured location.
 */
export async function resolveConfigMembership(hub: GkeHubAdapter, config: FleetConfig): Promise<string> {
  if (config.fleet.configCluster.membership) return configMembershipName(config);
  const { location, name } = config.fleet.configCluster;
  const link = gkeResourceLink(config.fleet.project, location, name);
  const names = (m: Membership | null | undefined) => sameResourceLink(m?.endpoint?.gkeCluster?.resourceLink, link);
  // The configured location first: one read, where fleetpilot or GKE registered it. The whole
  // fleet is listed only for a config cluster registered elsewhere.
  const configured = await hub.getMembership(config.fleet.membershipLocation, name);
  if (configured && names(configured)) return configured.name;
  const found = (await hub.listMemberships('-')).find(names);
  return found?.name ?? configMembershipName(config);
}

/** Onboards `cluster`; returns the operation outcome. */
export async function onboard(deps: OnboardContext, op: OperationRecorder, config: FleetConfig, cluster: ClusterInfo): Promise<void> {
  const region = regionOf(cluster.location);
  const base = { projectId: cluster.projectId, location: cluster.location, name: cluster.name, region };
  const previous = await readClusterRecord(deps.store, cluster);
  if (previous?.phase !== 'onboarded') {
    await writeClusterRecord(deps.store, { ...base, phase: 'onboarding', updatedAt: deps.clock.now().toISOString(), operationId: op.id });
  }
  const { membership } = await op.step(
    ONBOARDING_STEPS.registerMembership,
    () => ensureMembership(deps.hub, cluster, config.fleet.membershipLocation),
    (o) => ({
      outcome: o.action === 'created' || o.action === 'issuer-fixed' ? 'done' : 'unchanged',
      detail: `${o.membership.name}: ${o.action}`,
    }),
  );
  await enableFleetFeatures(deps, op, config);
  const kube = await deps.kubeFor(cluster, membership.name);
  const members = await applyMemberObjects(op, kube, config, base);
  await addClusterToMesh(deps, op, config, cluster);
  await op.step(ONBOARDING_STEPS.recordOnboarded, () =>
    writeClusterRecord(deps.store, {
      ...base,
      phase: 'onboarded',
      ...onboardedSince(previous, deps.clock.now()),
      membership: membership.name,
      updatedAt: deps.clock.now().toISOString(),
      operationId: op.id,
    }),
  );
  await waitForImports(deps, op, config, region, members.missingServices);
  await updateRoutes(deps, op, config);
}

/** The fleet features step, shared by GKE and attached onboarding. */
export async function enableFleetFeatures(
  deps: Needs<'hub' | 'clock' | 'sleep'>,
  op: OperationRecorder,
  config: FleetConfig,
): Promise<void> {
  await op.step(
    ONBOARDING_STEPS.enableFeatures,
    async () => ensureFleetFeatures(deps, await resolveConfigMembership(deps.hub, config), config.onboarding.featureTimeoutSeconds * 1000),
    (o) => ({
      outcome: o.warnings.length > 0 ? 'failed' : 'done',
      detail: [`mcs ${o.multiclusterservicediscovery}`, `mci ${o.multiclusteringress}`, ...o.warnings].join('; '),
    }),
  );
}

/** The member objects step (namespaces, derived Services, ServiceExports, node topology labels). */
export function applyMemberObjects(
  op: OperationRecorder,
  kube: KubeAdapter,
  config: FleetConfig,
  cluster: { name: string; location: string; region: string },
): Promise<MemberOutcome> {
  return op.step(
    ONBOARDING_STEPS.memberObjects,
    () => ensureMemberObjects(kube, config, cluster),
    (o) => ({ outcome: o.changed.length + o.labelledNodes.length > 0 ? 'done' : 'unchanged', detail: describeMembers(o) }),
  );
}

/** Readiness gate: routes include a region only once its ServiceImport exists on the config cluster. */
export async function waitForImports(
  deps: Needs<'container' | 'kubeFor' | 'clock' | 'sleep' | 'importWaitMs'>,
  op: OperationRecorder,
  config: FleetConfig,
  region: string,
  missing: string[],
): Promise<void> {
  const wanted = config.services
    .filter((s) => !missing.includes(`${s.namespace}/${s.name}`))
    .map((s) => `${s.namespace}/${regionalServiceName(s.name, region)}`);
  if (wanted.length === 0) return;
  const kube = await configClusterKube(deps, config);
  const present = async () =>
    new Set((await kube.list('net.gke.io/v1', 'ServiceImport')).map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`));
  await op.step(
    ONBOARDING_STEPS.waitForImports,
    async () => {
      try {
        await pollUntil(
          async () => {
            const have = await present();
            return wanted.every((w) => have.has(w)) ? true : undefined;
          },
          {
            timeoutMs: deps.importWaitMs,
            intervalMs: 200,
            clock: deps.clock,
            sleep: deps.sleep,
            what: `ServiceImports ${wanted.join(', ')}`,
          },
        );
        return true;
      } catch {
        return false;
      }
    },
    (ready) =>
      ready
        ? { detail: wanted.join(', ') }
        : {
            outcome: 'skipped',
            detail: `not yet present after ${deps.importWaitMs} ms: ${wanted.join(', ')}; the tick adds the region once they appear`,
          },
  );
}

function describeMembers(o: MemberOutcome): string {
  const parts = [`${o.changed.length} written`, `${o.unchanged} unchanged`];
  if (o.labelledNodes.length > 0) parts.push(`topology labels on ${o.labelledNodes.length} nodes`);
  if (o.missingServices.length > 0) parts.push(`application Service missing: ${o.missingServices.join(', ')}`);
  return parts.join(', ');
}
