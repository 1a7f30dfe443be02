/**
 * Observes the demo converging: waits for the store route to reach the classic shape and summarises
 * the operations fleetpilot recorded on the way.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import { createKubeAdapter } from '../shared/adapters/kube.ts';
import { kubeConfigFor } from '../shared/adapters/kube-config.ts';
import { endpointServer } from '../shared/adapters/kube-servers.ts';
import { pollUntil } from '../shared/core/retry.ts';
import { OPERATIONS, type OperationRecord } from '../shared/state/operations.ts';
import { DEMO_APP } from './demo-fleet.ts';

/** The parts of an HTTPRoute the demo checks. */
export interface RouteShape {
  /** `metadata.generation` of the live route. */
  generation: number;
  defaultBackends: { name: string; weight?: number }[];
  pinned: { path: string; backend: string }[];
}

type Route = KubernetesObject & {
  spec?: { rules?: { matches?: { path?: { value?: string } }[]; backendRefs?: { name: string; weight?: number }[] }[] };
};

/** Reads the store HTTPRoute from the config cluster; null when it does not exist yet. */
export async function readStoreRoute(adapters: GcpAdapters, token: string): Promise<RouteShape | null> {
  const config = await adapters.container.getCluster('asia-northeast1-b', 'mc-gw-config-cluster');
  if (!config) return null;
  const kube = createKubeAdapter(
    kubeConfigFor({ name: config.name, server: endpointServer(config.endpoint), caPem: config.caCertificatePem, token }),
    'demo-reader',
  );
  const route = await kube.get<Route>({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    namespace: DEMO_APP.namespace,
    name: DEMO_APP.service,
  });
  if (!route) return null;
  const rules = route.spec?.rules ?? [];
  const isDefault = (r: (typeof rules)[number]) => (r.matches?.[0]?.path?.value ?? '/') === '/';
  return {
    generation: route.metadata?.generation ?? 0,
    defaultBackends: rules
      .filter(isDefault)
      .flatMap((r) => (r.backendRefs ?? []).map((b) => ({ name: b.name, ...(b.weight === undefined ? {} : { weight: b.weight }) }))),
    pinned: rules
      .filter((r) => !isDefault(r))
      .map((r) => ({ path: r.matches?.[0]?.path?.value ?? '', backend: r.backendRefs?.[0]?.name ?? '' })),
  };
}

/** Waits until the store route spreads over both regions and pins /tokyo and /osaka. */
export async function waitForClassicRoute(adapters: GcpAdapters, token: string, timeoutMs: number): Promise<RouteShape> {
  return pollUntil(
    async () => {
      const shape = await readStoreRoute(adapters, token);
      const regions = shape?.defaultBackends
        .map((b) => b.name)
        .sort()
        .join(',');
      const pins = shape?.pinned
        .map((p) => p.path)
        .sort()
        .join(',');
      return shape && regions === 'store-asia-northeast1,store-asia-northeast2' && pins === '/osaka,/tokyo' ? shape : undefined;
    },
    { timeoutMs, intervalMs: 250, what: 'the store HTTPRoute to reach the classic shape' },
  );
}

/** Operation records, newest last. */
export async function listOperations(adapters: GcpAdapters): Promise<OperationRecord[]> {
  const all = (await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[];
  return all.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/**
 * The operations of `kind` that finished at or after `since` (ISO time), newest first. A bench that
 * polls while thousands of records pile up (a storm, a tick each second) reads only these, by an
 * indexed query, rather than the whole collection each time, which loaded the emulator it measures.
 */
export async function operationsFinishedSince(adapters: GcpAdapters, kind: string, since: string): Promise<OperationRecord[]> {
  const page = 500;
  const found: OperationRecord[] = [];
  for (let after: { value: string; id: string } | undefined; ;) {
    const batch = (await adapters.store.query(OPERATIONS, {
      equals: { kind },
      orderBy: 'finishedAt',
      from: since,
      limit: page,
      ...(after ? { after } : {}),
    })) as unknown as OperationRecord[];
    found.push(...batch);
    const last = batch.at(-1);
    if (batch.length < page || !last) return found;
    after = { value: last.finishedAt!, id: last.id };
  }
}

/** When the data plane last rebuilt its table, and the `metadata.generation` of each route it loaded. */
export type ReloadProbe = () => { at: Date; generations: Record<string, number> } | undefined;

/** Waits until the data plane has loaded the store route as it is now (its generation or a later one). */
export async function waitForStoreRouteLoaded(
  adapters: GcpAdapters,
  token: string,
  lastReload: ReloadProbe,
  what: string,
): Promise<{ at: Date }> {
  const generation = (await readStoreRoute(adapters, token))?.generation ?? 0;
  return pollUntil(
    () => {
      const reload = lastReload();
      return reload && (reload.generations[`${DEMO_APP.namespace}/${DEMO_APP.service}`] ?? 0) >= generation ? reload : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 5, what },
  );
}
