/**
 * Pure renderers for the multi-cluster mesh: namespaces labelled for sidecar injection,
 * DestinationRules with outlier detection and locality load balancing, and the remote secrets
 * (with the reader identity behind them) that `istioctl create-remote-secret` would produce.
 */
import type {
  KubernetesObject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Namespace,
  V1Secret,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import { labelsHeld } from '../adapters/kube-managed.ts';
import type { MeshServiceConfig } from '../config/fleet-config.ts';

/** Namespace of the Istio control plane, where remote secrets and the reader identity live. */
export const ISTIO_NAMESPACE = 'istio-system';
/** The service account whose token a remote secret carries. */
export const READER_SERVICE_ACCOUNT = 'istio-reader-service-account';
/** Name of the reader ClusterRole and of its binding. */
export const READER_CLUSTER_ROLE = `istio-reader-clusterrole-${ISTIO_NAMESPACE}`;
/** The label marking objects fleetpilot renders and owns. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'fleetpilot' } as const;

/** An Istio `networking.istio.io/v1` DestinationRule as fleetpilot renders it. */
export interface DestinationRule extends KubernetesObject {
  spec: {
    host: string;
    trafficPolicy: {
      outlierDetection: MeshServiceConfig['outlierDetection'];
      loadBalancer?: { localityLbSetting: Record<string, unknown> & { enabled: true } };
    };
  };
}

/** What a remote secret needs to know about the cluster it grants access to. */
export interface RemoteSecretInput {
  cluster: string;
  /** `https://HOST[:PORT]` of the cluster's API server. */
  server: string;
  caPem: string;
  /** A token of the cluster's reader service account. */
  token: string;
}

/** The labels that turn on sidecar injection in a namespace. */
export function sidecarInjectionLabels(): Record<string, string> {
  return { 'istio-injection': 'enabled' };
}

/** A Namespace carrying only the injection label, for server-side apply (fleetpilot owns just that label). */
export function renderMeshNamespace(name: string): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: sidecarInjectionLabels() } };
}

/**
 * The DestinationRule of one mesh service: outlier detection always, locality load balancing when
 * configured. `local: region` needs the mesh's regions (every region sends to itself); with none
 * known yet it is Istio's default locality preference until the next render names them.
 */
export function renderDestinationRule(svc: MeshServiceConfig, meshRegions: readonly string[] = []): DestinationRule {
  const { consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent } = svc.outlierDetection;
  // Istio only fails over when outlier detection is on; it is always rendered.
  const trafficPolicy: DestinationRule['spec']['trafficPolicy'] = {
    outlierDetection: { consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent },
  };
  const lb = svc.localityLb;
  if (lb) {
    const mode: Record<string, unknown> = {};
    // The schema allows failover with failoverPriority, or distribute alone (as Istio does).
    if (lb.failover) mode.failover = lb.failover.map(({ from, to }) => ({ from, to }));
    if (lb.failoverPriority) mode.failoverPriority = [...lb.failoverPriority];
    if (lb.distribute) mode.distribute = lb.distribute.map(({ from, to }) => ({ from, to: { ...to } }));
    const regions = [...new Set(meshRegions)].sort();
    if (lb.local === 'region' && regions.length > 0) mode.distribute = regions.map((r) => ({ from: `${r}/*`, to: { [`${r}/*`]: 100 } }));
    trafficPolicy.loadBalancer = { localityLbSetting: { enabled: true, ...mode } };
  }
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: svc.name, namespace: svc.namespace, labels: { ...MANAGED_BY } },
    spec: { host: `${svc.name}.${svc.namespace}.svc.cluster.local`, trafficPolicy },
  };
}

/**
 * The DestinationRule while regions are drained, ramping back or partly drained: locality load
 * balancing switches to `distribute`, so no locality sends mesh traffic to a drained region.
 * Clients in a region with its whole weight stay in it. Clients in a drained region spread over the
 * serving ones, by weight (100 each, a ramping region its percent). Clients in a ramping or partly
 * drained region keep its percent of their requests in it and send the rest to the regions with
 * their whole weight — the Gateway's ramp, for mesh traffic. With nothing drained or ramping (or
 * nothing serving, which the never-zero guard prevents) it is the configured rule.
 */
export function renderDrainedDestinationRule(
  svc: MeshServiceConfig,
  meshRegions: readonly string[],
  drained: ReadonlySet<string>,
  ramp: ReadonlyMap<string, number> = new Map(),
): DestinationRule {
  const regions = [...new Set(meshRegions)].sort();
  const healthy = regions.filter((r) => !drained.has(r));
  const percentOf = (r: string) => Math.max(0, Math.min(100, ramp.get(r) ?? 100));
  const whole = healthy.filter((r) => percentOf(r) >= 100);
  const base = renderDestinationRule(svc, regions);
  if ((healthy.length === regions.length && whole.length === regions.length) || healthy.length === 0) return base;
  const to = (from: string): Record<string, number> => {
    if (whole.includes(from)) return { [`${from}/*`]: 100 };
    if (!drained.has(from)) {
      // Ramping: its percent stays in the region, the rest goes to the regions with their whole weight.
      if (whole.length === 0) return { [`${from}/*`]: 100 };
      const kept = percentOf(from);
      return split([[from, kept], ...whole.map((r): [string, number] => [r, (100 - kept) / whole.length])]);
    }
    return split(healthy.map((r) => [r, percentOf(r)]));
  };
  const distribute = regions.map((from) => ({ from: `${from}/*`, to: to(from) }));
  return {
    ...base,
    spec: {
      ...base.spec,
      trafficPolicy: { ...base.spec.trafficPolicy, loadBalancer: { localityLbSetting: { enabled: true, distribute } } },
    },
  };
}

/** Whole percents in proportion to `weights`, summing to 100 (largest remainders; ties to the earlier region); zero shares left out. */
function split(weights: readonly (readonly [string, number])[]): Record<string, number> {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const exact = weights.map(([r, w]) => ({ r, exact: (w / total) * 100 }));
  const shares = exact.map((e) => ({ ...e, share: Math.floor(e.exact) }));
  let left = 100 - shares.reduce((sum, e) => sum + e.share, 0);
  const order = shares.map((e, i) => ({ i, rest: e.exact - e.share })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i]!.share += 1;
    left -= 1;
  }
  return Object.fromEntries(shares.filter((e) => e.share > 0).map((e) => [`${e.r}/*`, e.share]));
}

/**
 * True when applying `desired` over the live DestinationRule would change nothing fleetpilot
 * renders: the same spec, and every label `desired` sets. Spares the adapter its dry run.
 */
export function destinationRuleUnchanged(live: KubernetesObject, desired: DestinationRule): boolean {
  return labelsHeld(live, desired) && isDeepStrictEqual((live as { spec?: unknown }).spec, desired.spec);
}

/** `istio-remote-secret-CLUSTER`. */
export function remoteSecretName(cluster: string): string {
  return `istio-remote-secret-${cluster}`;
}

/**
 * The remote secret for `cluster`, as `istioctl create-remote-secret` writes it: a kubeconfig with
 * one cluster, one token user and one context, all named after the cluster.
 */
export function renderRemoteSecret(input: RemoteSecretInput): V1Secret {
  const { cluster, server, caPem, token } = input;
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: cluster, user: { token } }],
    contexts: [{ name: cluster, context: { cluster, user: cluster } }],
    'current-context': cluster,
    preferences: {},
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: remoteSecretName(cluster),
      namespace: ISTIO_NAMESPACE,
      labels: { 'istio/multiCluster': 'true', ...MANAGED_BY },
      annotations: { 'networking.istio.io/cluster': cluster },
    },
    stringData: { [cluster]: stringify(kubeconfig) },
  };
}

/** What a remote secret's kubeconfig says about the cluster it grants access to. */
export interface RemoteSecretContent {
  server: string | null;
  caPem: string | null;
  token: string | null;
}

/**
 * The server, CA and token inside a remote secret read back from the API (`data`) or as rendered
 * (`stringData`); null when the secret has no kubeconfig for `cluster` or it is malformed.
 */
export function readRemoteSecret(secret: V1Secret, cluster: string): RemoteSecretContent | null {
  const text = secret.stringData?.[cluster] ?? decodeBase64(secret.data?.[cluster]);
  if (!text) return null;
  try {
    const kubeconfig = parse(text) as {
      clusters?: { name?: string; cluster?: { server?: unknown; 'certificate-authority-data'?: unknown } }[];
      contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
      users?: { name?: string; user?: { token?: unknown } }[];
    } | null;
    const context = kubeconfig?.contexts?.find((c) => c.name === cluster)?.context;
    const entry = kubeconfig?.clusters?.find((c) => c.name === (context?.cluster ?? cluster))?.cluster;
    const token = kubeconfig?.users?.find((u) => u.name === (context?.user ?? cluster))?.user?.token;
    const ca = entry?.['certificate-authority-data'];
    return {
      server: typeof entry?.server === 'string' ? entry.server : null,
      caPem: typeof ca === 'string' ? (decodeBase64(ca) ?? null) : null,
      token: typeof token === 'string' && token.length > 0 ? token : null,
    };
  } catch {
    return null;
  }
}

/** The token inside a remote secret read back from the API (`data`) or as rendered (`stringData`); null when absent or malformed. */
export function remoteSecretToken(secret: V1Secret, cluster: string): string | null {
  return readRemoteSecret(secret, cluster)?.token ?? null;
}

/**
 * The identity a remote istiod uses to read this cluster: the `istio-system` Namespace, the reader
 * ServiceAccount, the read-only ClusterRole Istio's own chart installs under this name, and its
 * binding. A real istiod (the sandbox runs one) needs all of it: it watches the remote cluster's
 * `istio` ConfigMap (mesh settings) and Secrets (gateway `credentialName`s), and without them it
 * marks the cluster's sync as timed out and retries every second. It reviews remote proxies'
 * tokens (TokenReview, SubjectAccessReview). Nothing in it writes.
 */
export function renderReaderObjects(): [V1Namespace, V1ServiceAccount, V1ClusterRole, V1ClusterRoleBinding] {
  const read = ['get', 'list', 'watch'];
  const labels = { app: 'istio-reader', ...MANAGED_BY };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: READER_SERVICE_ACCOUNT, namespace: ISTIO_NAMESPACE, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: READER_CLUSTER_ROLE, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps', 'endpoints', 'namespaces', 'nodes', 'pods', 'replicationcontrollers', 'secrets', 'services'],
          verbs: read,
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: read },
        { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: read },
        {
          apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io', 'config.istio.io'],
          resources: ['*'],
          verbs: read,
        },
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['*'], verbs: read },
        { apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceexports', 'serviceimports'], verbs: read },
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: READER_CLUSTER_ROLE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: READER_CLUSTER_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: READER_SERVICE_ACCOUNT, namespace: ISTIO_NAMESPACE }],
    },
  ];
}

function decodeBase64(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}
