/**
 * What the scale benchmarks watch and the conditions they wait for: the 50 HTTPRoutes on the config
 * cluster (default-rule weight of each region) and the drain-aware DestinationRules of the mesh
 * services in every member cluster.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { regionalServiceName } from '../shared/routing/names.ts';
import { SCALE_CONFIG_CLUSTER, SCALE_MEMBERS, SCALE_REGIONS, SCALE_SERVICE_LIST } from './scale-fleet.ts';
import { watchObjects, type ObjectWatch } from './scale-watch.ts';

/** The parts of a live HTTPRoute the benchmarks read. */
export type LiveRoute = KubernetesObject & {
  spec?: { rules?: { matches?: { path?: { value?: string } }[]; backendRefs?: { name: string; weight?: number }[] }[] };
};

/** The parts of a live DestinationRule the benchmarks read. */
export type LiveRule = KubernetesObject & {
  spec?: { trafficPolicy?: { loadBalancer?: { localityLbSetting?: { distribute?: { from: string; to: Record<string, number> }[] } } } };
};

/** The routes and the mesh rules, watched. */
export interface ScaleWatches {
  routes: ObjectWatch<LiveRoute>;
  rules: Map<string, ObjectWatch<LiveRule>>;
  stop(): void;
}

type Objects<T extends KubernetesObject> = ReadonlyMap<string, T>;

/** The default rule's weight of each backend of a route. */
export function defaultWeights(route: LiveRoute | undefined): Map<string, number> {
  const rule = route?.spec?.rules?.find((r) => (r.matches?.[0]?.path?.value ?? '/') === '/');
  return new Map((rule?.backendRefs ?? []).map((b) => [b.name, b.weight ?? 1]));
}

/** Every scale service's route, by `namespace/name`. */
export function scaleRoutes(routes: Objects<LiveRoute>): (LiveRoute | undefined)[] {
  return SCALE_SERVICE_LIST.map((s) => routes.get(`${s.namespace}/${s.name}`));
}

/** Every route has `region` in its default rule with weight 0. */
export function regionDrained(region: string) {
  return (routes: Objects<LiveRoute>) =>
    SCALE_SERVICE_LIST.every((s) => defaultWeights(routes.get(`${s.namespace}/${s.name}`)).get(regionalServiceName(s.name, region)) === 0);
}

/** The route of `service` serves each of `regions` with a weight above 0 and pins a path per original region. */
function routeServes(service: string, route: LiveRoute | undefined, regions: readonly string[]): boolean {
  const weights = defaultWeights(route);
  const pins = (route?.spec?.rules?.length ?? 0) - 1;
  return pins >= SCALE_REGIONS.length && regions.every((r) => (weights.get(regionalServiceName(service, r)) ?? 0) > 0);
}

/** Every route serves each of `regions` with a weight above 0 (and pins a path per original region). */
export function routesServing(regions: readonly string[]) {
  return (routes: Objects<LiveRoute>) =>
    SCALE_SERVICE_LIST.every((s) => routeServes(s.name, routes.get(`${s.namespace}/${s.name}`), regions));
}

const meshServices = SCALE_SERVICE_LIST.filter((s) => s.mesh);

/** Every member's mesh rules keep traffic off `region` (`distribute` to healthy regions only), or, with none, are the configured rules. */
export function rulesFor(region: string | undefined) {
  return (rules: Objects<LiveRule>) =>
    meshServices.every((s) => {
      const rule = rules.get(`${s.namespace}/${s.name}`);
      if (!rule) return false;
      const distribute = rule.spec?.trafficPolicy?.loadBalancer?.localityLbSetting?.distribute;
      if (region === undefined) return distribute === undefined;
      return distribute !== undefined && distribute.every((d) => !Object.hasOwn(d.to, `${region}/*`));
    });
}

/** Resolves at the time (epoch ms) every member's rules satisfy `condition`. */
export async function allRules(
  watches: ScaleWatches,
  condition: (rules: Objects<LiveRule>) => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const times = await Promise.all([...watches.rules].map(([cluster, w]) => w.until(condition, timeoutMs, `${what} in ${cluster}`)));
  return Math.max(...times);
}

/** Starts the watches and waits until the fleet has converged: every region serves every route, mesh rules as configured. */
export async function waitForConvergence(
  kubeConfig: (cluster: string) => KubeConfig,
  progress: (line: string) => void,
): Promise<ScaleWatches> {
  const routes = await watchObjects<LiveRoute>(kubeConfig(SCALE_CONFIG_CLUSTER.name), {
    path: '/apis/gateway.networking.k8s.io/v1/httproutes',
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
  });
  const rules = new Map<string, ObjectWatch<LiveRule>>();
  const watches: ScaleWatches = {
    routes,
    rules,
    stop() {
      routes.stop();
      for (const w of rules.values()) w.stop();
    },
  };
  try {
    for (const member of SCALE_MEMBERS) {
      rules.set(
        member.name,
        await watchObjects<LiveRule>(kubeConfig(member.name), {
          path: '/apis/networking.istio.io/v1/destinationrules',
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
        }),
      );
    }
    const started = Date.now();
    const ticker = setInterval(() => {
      const ready = SCALE_SERVICE_LIST.filter((s) =>
        routeServes(s.name, routes.objects().get(`${s.namespace}/${s.name}`), SCALE_REGIONS),
      ).length;
      progress(`  … ${Math.round((Date.now() - started) / 1000)} s: ${routes.objects().size} routes, ${ready} serving all 8 regions`);
    }, 15_000);
    try {
      await routes.until(routesServing(SCALE_REGIONS), 1_200_000, 'every route to serve all 8 regions');
      progress(`  routes converged after ${Math.round((Date.now() - started) / 1000)} s; waiting for the mesh rules`);
      await allRules(watches, rulesFor(undefined), 600_000, 'the configured DestinationRules');
    } finally {
      clearInterval(ticker);
    }
    return watches;
  } catch (error) {
    watches.stop();
    throw error;
  }
}
