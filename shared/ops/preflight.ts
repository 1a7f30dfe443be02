/**
 * The preflight (`GET /v1/fleet/preflight`): reads, all at once and each with its own outcome, what
 * the fleet's prerequisites depend on — APIs enabled, the MCS importer's IAM binding, the fleet
 * features, the Gateway API on the config cluster, fleetpilot's access in each onboarded member (an
 * attached one through Connect Gateway), and across mesh networks each mesh member's east-west gateway —
 * then judges them with the pure checks of preflight-checks.ts. Nothing is written.
 */
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import type { ProjectApisAdapter } from '../adapters/project-apis.ts';
import { attachedClusterInfo } from '../adapters/attached-cluster-info.ts';
import type { Needs } from '../core/context.ts';
import { httpStatusOf } from '../core/errors.ts';
import { EAST_WEST_LABEL_SELECTOR, ISTIO_NAMESPACE, eastWestGateway, isMultiNetwork, networkOf } from '../mesh/index.ts';
import { configClusterKube } from '../routing/index.ts';
import { listClusterRecords, recordKind } from '../state/cluster-records.ts';
import { MEMBER_ACCESS, REQUIRED_APIS, evaluatePreflight, type Observed, type PreflightCheck } from './preflight-checks.ts';

/** What the preflight reads through. */
export type PreflightContext = Needs<'config' | 'container' | 'hub' | 'kubeFor' | 'store' | 'clock'> & { projectApis: ProjectApisAdapter };

/** The answer of `GET /v1/fleet/preflight`. */
export interface PreflightReport {
  ok: boolean;
  checkedAt: string;
  checks: PreflightCheck[];
}

const GATEWAY_CRDS = ['gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io'];

/** Never a URL or a token: the status, or the error's first line. */
function reason(error: unknown): string {
  const status = httpStatusOf(error);
  if (status !== undefined) return `HTTP ${status}`;
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').replace(/https?:\/\/\S+/g, '<url>').slice(0, 200);
}

async function observe<T>(read: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: reason(error) };
  }
}

async function each<T>(keys: readonly string[], read: (key: string) => Promise<T>): Promise<Record<string, Observed<T>>> {
  return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await observe(() => read(k))] as const)));
}

/** Runs the preflight. */
export async function runPreflight(deps: PreflightContext): Promise<PreflightReport> {
  const checkedAt = deps.clock.now().toISOString();
  const config = await deps.config();
  const configKube = configClusterKube(deps, config);
  configKube.catch(() => undefined);
  const present = async (read: (kube: Awaited<typeof configKube>) => Promise<KubernetesObject | null>) =>
    (await read(await configKube)) !== null;
  const feature = async (id: string) => {
    const f = await deps.hub.getFeature(id);
    return f === null ? null : { ...(f.state?.state ?? {}) };
  };
  // Attached clusters too: fleetpilot writes to them through Connect Gateway the same way.
  const records = new Map((await listClusterRecords(deps.store)).filter((r) => r.phase === 'onboarded').map((r) => [r.name, r]));
  // One cluster read and one client per member, shared by the access and the east-west checks.
  const kubes = new Map<string, ReturnType<PreflightContext['kubeFor']>>();
  const memberKube = (name: string) => {
    let kube = kubes.get(name);
    if (!kube) {
      const record = records.get(name)!;
      const membership = record.membership;
      kube =
        recordKind(record) === 'attached' && membership
          ? deps.kubeFor(attachedClusterInfo({ ...record, membership }), membership)
          : deps.container.getCluster(record.location, record.name).then((cluster) => {
              if (!cluster) throw new Error(`${name} is not in the Container API`);
              return deps.kubeFor(cluster, record.membership);
            });
      kubes.set(name, kube);
    }
    return kube;
  };
  // An attached cluster is in the mesh only with an address other istiods reach it at.
  const inMesh = (name: string) => recordKind(records.get(name)!) === 'gke' || Object.hasOwn(config.mesh.apiServers, name);
  const meshMembers = config.mesh.services.length > 0 && isMultiNetwork(config) ? [...records.keys()].filter(inMesh) : [];
  const [apis, iam, mcs, mci, crds, gatewayClass, members, eastWest] = await Promise.all([
    each(REQUIRED_APIS, (api) => deps.projectApis.serviceState(api)),
    observe(() => deps.projectApis.iamBindings()),
    observe(() => feature('multiclusterservicediscovery')),
    observe(() => feature('multiclusteringress')),
    each(GATEWAY_CRDS, (name) =>
      present((kube) => kube.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name })),
    ),
    observe(() =>
      present((kube) =>
        kube.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: config.fleet.gateway.className }),
      ),
    ),
    each([...records.keys()], async (name) => (await memberKube(name)).canI(MEMBER_ACCESS)),
    each(meshMembers, async (name) =>
      eastWestGateway(
        await (await memberKube(name)).list<V1Service>('v1', 'Service', ISTIO_NAMESPACE, EAST_WEST_LABEL_SELECTOR),
        networkOf(config, name)!,
      ),
    ),
  ]);
  const checks = evaluatePreflight(config, {
    apis,
    iam,
    features: { multiclusterservicediscovery: mcs, multiclusteringress: mci },
    crds,
    gatewayClass,
    members,
    eastWest,
  });
  return { ok: checks.every((c) => c.ok), checkedAt, checks };
}
