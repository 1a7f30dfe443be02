/**
 * An in-memory fleet for unit tests of the flows: the Container API, GKE Hub, one Kubernetes API
 * per cluster, the memory store, a clock that only tests (and sleeps) move, sequential ids, kept
 * log lines and published results, and the fleet configuration — all behind a full
 * {@link FleetContext}, so any flow (or any slice of it) runs on it unchanged. Fixture builders read
 * like the scenario (`addCluster`, `importService`, `renderRoutes`); assertions read the state of
 * the world (`route`, `operations`, `clusterRecord`, `drainedRegions`).
 */
import { readFileSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterInfo } from '../../shared/adapters/container.ts';
import { gkeResourceLink, workloadIdentityIssuer, type Membership } from '../../shared/adapters/gkehub-types.ts';
import { parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import type { FleetConfig } from '../../shared/config/fleet-config.ts';
import type { FleetContext } from '../../shared/core/context.ts';
import { readFacts } from '../../shared/failover/drain-store.ts';
import type { FleetFacts } from '../../shared/failover/index.ts';
import { createConfigLoader } from '../../shared/gitops/config-source.ts';
import { planFleet } from '../../shared/routing/fleet-plan.ts';
import type { HttpRoute } from '../../shared/routing/http-route.ts';
import { MCS_API_VERSION, clusterServiceName, regionOf, regionalServiceName, renderGateway } from '../../shared/routing/index.ts';
import { ensureMemberObjects } from '../../shared/onboarding/member-objects.ts';
import { ensureMeshServices } from '../../shared/mesh/services.ts';
import { ensureRemoteSecrets, type MeshCluster } from '../../shared/mesh/remote-secrets.ts';
import { REMOTE_SECRET_TOKEN_TTL_SECONDS } from '../../shared/mesh/secret-plan.ts';
import { endpointServer } from '../../shared/adapters/kube-servers.ts';
import { readSnapshot } from '../../shared/routing/snapshot.ts';
import { CLUSTERS, writeClusterRecord, type ClusterRecord } from '../../shared/state/cluster-records.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { DEFAULT_RETENTION, withoutExpiry } from '../../shared/state/retention.ts';
import { memoryContainer, type MemoryContainer } from './memory-container.ts';
import { memoryHub, type MemoryHub } from './memory-hub.ts';
import { memoryKube, type MemoryKube } from './memory-kube.ts';
import { memoryStore } from './memory-store.ts';
import { START, clockSleep, keptLogger, sequentialIds, testClock, type TestClock } from './test-clock.ts';
import { connectionRefused } from './faults.ts';

/** The example configuration (`examples/fleet.yaml`): the classic two-region store fleet. */
export const EXAMPLE_CONFIG = readFileSync(new URL('../../examples/fleet.yaml', import.meta.url), 'utf8');

/** The demo fleet's names. */
export const TOKYO = { name: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1' } as const;
export const OSAKA = { name: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2' } as const;

/** Options of {@link memoryFleet}. */
export interface MemoryFleetOptions {
  /** The fleet configuration (YAML text or parsed); the example configuration by default. */
  config?: string | FleetConfig;
  start?: Date;
  /** How long onboarding waits for ServiceImports (test-clock time); 5 s by default. */
  importWaitMs?: number;
  /**
   * `auto`: a ServiceExport that fleetpilot applies in a member cluster makes its ServiceImport
   * appear on the config cluster at once (the MCS controller's job). `manual` (default): only
   * {@link MemoryFleet.importService} does.
   */
  mcs?: 'manual' | 'auto';
}

/** A cluster as a test describes it. */
export interface ClusterSpec {
  name: string;
  location: string;
  /** `RUNNING` by default. */
  status?: string;
  /** The onboarding selector's labels by default (the cluster is eligible). */
  labels?: Record<string, string>;
  /** Deploy every configured service's own Service in it (default true). */
  app?: boolean;
  /** The cluster registered itself in the fleet: its membership exists and the Container API names it. */
  registered?: boolean;
  /**
   * As an earlier onboarding left it: fleet membership, namespaces, derived Services and
   * ServiceExports, the record `onboarded`, the ServiceImports of its region and of itself, and
   * remote secrets both ways with the clusters added `onboarded` before it (a converged mesh).
   */
  onboarded?: boolean;
  /** With `onboarded`: whether its ServiceImports have appeared on the config cluster yet (default true). */
  imports?: boolean;
  privateEndpointOnly?: boolean;
}

/** An attached or on-prem cluster: a membership its owner registered, reached only through Connect Gateway. */
export interface AttachedSpec {
  /** The membership id (global location). */
  id: string;
  state?: NonNullable<Membership['state']>['code'];
  app?: boolean;
}

/** The live HTTPRoute of a service, as people read it. */
export interface LiveRoute {
  /** Default-rule weight by backend, the service prefix stripped (`asia-northeast1: 50`). */
  weights: Record<string, number>;
  /** Pinned path → backends (service prefix stripped), e.g. `/tokyo: mc-gw-tokyo`. */
  pins: Record<string, string>;
  resourceVersion: string;
  object: HttpRoute;
}

/** The in-memory fleet. */
export interface MemoryFleet {
  /** Everything a flow may need; pass it (or any slice) to a flow. */
  ctx: FleetContext;
  clock: TestClock;
  store: ReturnType<typeof memoryStore>;
  container: MemoryContainer;
  hub: MemoryHub;
  project: string;
  configCluster: { name: string; location: string };
  configKube: MemoryKube;
  logLines: string[];
  /** Records the runner published (the results topic). */
  published: OperationRecord[];
  /** The configuration the fleet starts from (until a push is applied). */
  config(): FleetConfig;
  setConfig(config: string | FleetConfig): void;
  /** The Kubernetes API of a cluster (by cluster name, or membership id for attached clusters). */
  kube(cluster: string): MemoryKube;
  addCluster(spec: ClusterSpec): Promise<ClusterInfo>;
  addAttached(spec: AttachedSpec): Promise<Membership>;
  /** The ServiceImport of `service` for a region or a cluster appears on the config cluster. */
  importService(service: string, where: { region: string } | { cluster: string }): void;
  /** Routes as a previous run left them (Gateway and HTTPRoutes rendered from the current state); records nothing. */
  renderRoutes(): Promise<void>;
  /** The live HTTPRoute of `service`, or null. */
  route(service: string): LiveRoute | null;
  /** Operation records, oldest first (optionally of one kind). */
  operations(kind?: string): OperationRecord[];
  /** fleetpilot's record of a cluster, by name. */
  clusterRecord(name: string): ClusterRecord | undefined;
  /** The stored drain facts by region (the learned-order counters and folded base left out). */
  facts(): Promise<FleetFacts['regions']>;
  /** The whole stored facts document. */
  factsDocument(): Promise<FleetFacts>;
  /** Regions the drain state derived now says are drained, sorted. */
  drainedRegions(): Promise<string[]>;
  /** Makes publishing results fail (undefined: succeed again). */
  failPublishing(error: Error | undefined): void;
}

/** An in-memory fleet with only its config cluster. */
export function memoryFleet(options: MemoryFleetOptions = {}): MemoryFleet {
  const parse = (config: string | FleetConfig) => (typeof config === 'string' ? parseFleetConfigYaml(config, 'fleet.yaml') : config);
  let current = parse(options.config ?? EXAMPLE_CONFIG);
  const project = current.fleet.project;
  const clock = testClock(options.start ?? START);
  const store = memoryStore();
  const container = memoryContainer(project);
  const hub = memoryHub(project, clock);
  const { log, lines: logLines } = keptLogger(clock);
  const published: OperationRecord[] = [];
  const kubes = new Map<string, MemoryKube>();
  const meshed: MeshCluster[] = [];
  let publishError: Error | undefined;

  const configCluster = { name: current.fleet.configCluster.name, location: current.fleet.configCluster.location };
  const newKube = (name: string) => {
    const kube = memoryKube(name, clock);
    kubes.set(name, kube);
    return kube;
  };
  const configKube = newKube(configCluster.name);
  container.put({ ...configCluster, resourceLabels: {} });
  hub.putMembership(gkeMembership(project, current.fleet.membershipLocation, configCluster.name, configCluster.location, clock.now()));

  const ctx: FleetContext = {
    container,
    hub,
    store,
    kubeFor: async (cluster) => {
      const kube = kubes.get(cluster.name);
      if (!kube) throw connectionRefused(`cluster ${cluster.name}`);
      return kube;
    },
    // As in production: the applied GitOps revision once a push is applied, the file until then.
    config: createConfigLoader({ store, fallbackFile: 'fleet.yaml', loadFile: async () => current }),
    results: async (record) => {
      if (publishError) throw publishError;
      published.push(structuredClone(record));
    },
    clock,
    sleep: clockSleep(clock),
    ids: sequentialIds(),
    log,
    instanceId: 'unit-test',
    importWaitMs: options.importWaitMs ?? 5_000,
    retention: DEFAULT_RETENTION,
  };

  const importObject = (namespace: string, name: string): KubernetesObject => ({
    apiVersion: MCS_API_VERSION,
    kind: 'ServiceImport',
    metadata: { name, namespace },
  });
  const exportsBecomeImports = (kube: MemoryKube) => {
    if (options.mcs !== 'auto') return;
    kube.onWrite((object, verb) => {
      if (verb !== 'delete' && object.kind === 'ServiceExport' && object.metadata?.name && object.metadata.namespace) {
        if (
          !configKube
            .objects()
            .some(
              (o) =>
                o.kind === 'ServiceImport' &&
                o.metadata?.name === object.metadata?.name &&
                o.metadata?.namespace === object.metadata?.namespace,
            )
        ) {
          configKube.put(importObject(object.metadata.namespace, object.metadata.name));
        }
      }
    });
  };
  const deployApp = (kube: MemoryKube) => {
    for (const service of current.services) {
      kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: service.namespace } });
      kube.put({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: service.name, namespace: service.namespace },
        spec: { selector: { app: service.name }, ports: [{ name: 'http', protocol: 'TCP', port: service.port, targetPort: service.port }] },
      } as KubernetesObject);
    }
  };
  const importService: MemoryFleet['importService'] = (service, where) => {
    const config = current.services.find((s) => s.name === service);
    if (!config) throw new Error(`service ${service} is not configured`);
    const name = 'region' in where ? regionalServiceName(service, where.region) : clusterServiceName(service, where.cluster);
    configKube.put(importObject(config.namespace, name));
  };

  const fleet: MemoryFleet = {
    ctx,
    clock,
    store,
    container,
    hub,
    project,
    configCluster,
    configKube,
    logLines,
    published,
    config: () => current,
    setConfig: (config) => void (current = parse(config)),
    kube(cluster) {
      const kube = kubes.get(cluster);
      if (!kube) throw new Error(`no cluster ${cluster} in the test fleet`);
      return kube;
    },
    async addCluster(spec) {
      const region = regionOf(spec.location);
      const registered = spec.registered || spec.onboarded;
      const membership = gkeMembership(project, current.fleet.membershipLocation, spec.name, spec.location, clock.now());
      const info = container.put({
        name: spec.name,
        location: spec.location,
        status: spec.status ?? 'RUNNING',
        resourceLabels: spec.labels ?? { ...current.onboarding.matchLabels },
        ...(spec.registered ? { fleetMembership: membership.name } : {}),
        ...(spec.privateEndpointOnly ? { privateEndpointOnly: true } : {}),
      });
      const kube = newKube(spec.name);
      exportsBecomeImports(kube);
      kube.put({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: `${spec.name}-node-0`,
          labels: { 'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': spec.location },
        },
      });
      if (spec.app ?? true) deployApp(kube);
      if (registered) hub.putMembership(membership);
      if (spec.onboarded) {
        // What onboarding applied in the cluster: the member objects and the mesh's namespace labels and rules.
        const members = await ensureMemberObjects(kube, current, { name: spec.name, location: spec.location, region });
        await ensureMeshServices({ kube }, current.mesh.services);
        if (current.mesh.services.length > 0) {
          const self = { name: spec.name, server: endpointServer(info.endpoint), caPem: info.caCertificatePem, kube };
          await ensureRemoteSecrets(self, meshed, { tokenTtlSeconds: REMOTE_SECRET_TOKEN_TTL_SECONDS, clock });
          meshed.push(self);
        }
        for (const service of current.services) {
          if (spec.imports === false || members.missingServices.includes(`${service.namespace}/${service.name}`)) continue;
          importService(service.name, { region });
          if (current.onboarding.perClusterServices) importService(service.name, { cluster: spec.name });
        }
        await writeClusterRecord(store, {
          projectId: project,
          location: spec.location,
          name: spec.name,
          region,
          phase: 'onboarded',
          membership: membership.name,
          updatedAt: clock.now().toISOString(),
          operationId: 'given',
        });
      }
      return info;
    },
    async addAttached(spec) {
      const membership: Membership = {
        name: `projects/${project}/locations/global/memberships/${spec.id}`,
        endpoint: {
          onPremCluster: { resourceLink: `//gkeonprem.googleapis.com/projects/${project}/locations/us-west1/vmwareClusters/${spec.id}` },
        },
        state: { code: spec.state ?? 'READY' },
        authority: { issuer: `https://${spec.id}.example.internal` },
      };
      hub.putMembership(membership);
      const kube = newKube(spec.id);
      exportsBecomeImports(kube);
      // On-prem nodes carry no cloud topology labels.
      kube.put({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: `${spec.id}-node-0`, labels: { 'kubernetes.io/hostname': `${spec.id}-node-0` } },
      });
      if (spec.app ?? true) deployApp(kube);
      return structuredClone(membership);
    },
    importService,
    async renderRoutes() {
      const plan = planFleet(await readSnapshot(ctx));
      const gateway = current.fleet.gateway;
      if (gateway.create && !configKube.objects().some((o) => o.kind === 'Gateway')) {
        configKube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: gateway.namespace } });
        await configKube.apply(renderGateway(gateway));
      }
      for (const route of plan.routes) {
        if (!route.rendered) continue;
        configKube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: route.namespace } });
        await configKube.apply(route.rendered);
      }
    },
    route(service) {
      const config = current.services.find((s) => s.name === service);
      const object = configKube
        .objects()
        .find((o) => o.kind === 'HTTPRoute' && o.metadata?.name === service && o.metadata.namespace === (config?.namespace ?? service)) as
        HttpRoute | undefined;
      if (!object) return null;
      const strip = (name: string) => (name.startsWith(`${service}-`) ? name.slice(service.length + 1) : name);
      const weights: Record<string, number> = {};
      const pins: Record<string, string> = {};
      for (const rule of object.spec.rules ?? []) {
        const path = rule.matches?.[0]?.path?.value ?? '/';
        const backends = rule.backendRefs ?? [];
        if (path === '/') for (const b of backends) weights[strip(b.name)] = b.weight ?? 1;
        else pins[path] = backends.map((b) => strip(b.name)).join(', ');
      }
      return { weights, pins, resourceVersion: object.metadata.resourceVersion ?? '', object };
    },
    operations(kind) {
      return [...store.docs.entries()]
        .filter(([k]) => k.startsWith(`${OPERATIONS}/`))
        .map(([, d]) => withoutExpiry(d) as unknown as OperationRecord)
        .filter((o) => kind === undefined || o.kind === kind)
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
    },
    clusterRecord(name) {
      return [...store.docs.entries()]
        .filter(([k]) => k.startsWith(`${CLUSTERS}/`))
        .map(([, d]) => withoutExpiry(d) as unknown as ClusterRecord)
        .find((r) => r.name === name);
    },
    facts: async () => (await readFacts(store)).regions,
    factsDocument: () => readFacts(store),
    async drainedRegions() {
      const plan = planFleet(await readSnapshot(ctx));
      return Object.values(plan.drains.regions)
        .filter((r) => r.drained)
        .map((r) => r.region)
        .sort();
    },
    failPublishing: (error) => void (publishError = error),
  };
  return fleet;
}

/** The demo fleet: config cluster, Tokyo and Osaka onboarded and importing, routes rendered. */
export async function demoFleet(options: MemoryFleetOptions = {}): Promise<MemoryFleet> {
  const fleet = memoryFleet(options);
  await fleet.addCluster({ ...TOKYO, onboarded: true });
  await fleet.addCluster({ ...OSAKA, onboarded: true });
  await fleet.renderRoutes();
  return fleet;
}

/** A GKE cluster's membership as registration leaves it (READY, its resource link and issuer). */
export function gkeMembership(project: string, membershipLocation: string, name: string, location: string, at: Date): Membership {
  return {
    name: `projects/${project}/locations/${membershipLocation}/memberships/${name}`,
    endpoint: { gkeCluster: { resourceLink: gkeResourceLink(project, location, name) } },
    authority: { issuer: workloadIdentityIssuer(project, location, name) },
    state: { code: 'READY' },
    labels: { 'managed-by': 'fleetpilot' },
    createTime: at.toISOString(),
  };
}
