/**
 * The level-based mesh pass the tick runs: observe every onboarded mesh cluster (its reader and the
 * remote secrets stored in it), plan with {@link planRemoteSecrets}, and write only what differs — a
 * steady state writes nothing and requests no token. A cluster that cannot be reached is recorded in
 * the step's detail and does not hold up the others; its secrets elsewhere stay.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { KubeAdapter } from '../adapters/kube.ts';
import { endpointServer } from '../adapters/kube-servers.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { listClusterRecords, recordKind, type ClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecorder } from '../state/operations.ts';
import { applyMeshReader } from './remote-secrets.ts';
import type { MeshContext } from './mesh-step.ts';
import { ISTIO_NAMESPACE, MANAGED_BY, READER_SERVICE_ACCOUNT, readRemoteSecret, remoteSecretName, renderRemoteSecret } from './render.ts';
import {
  REMOTE_SECRET_TOKEN_TTL_SECONDS,
  describeSecretPlan,
  planRemoteSecrets,
  type MeshReader,
  type MeshSecretObservation,
  type MeshSecretPlan,
  type PresentSecret,
} from './secret-plan.ts';
import { MESH_STEPS } from './steps.ts';

/** What one mesh reconcile did; `problems` name the clusters not reached and the writes that failed. */
export interface MeshReconcileOutcome {
  created: string[];
  renewed: string[];
  updated: string[];
  removed: string[];
  /** Remote secrets found valid and left alone. */
  valid: number;
  problems: string[];
}

const MANAGED_KEY = 'app.kubernetes.io/managed-by' satisfies keyof typeof MANAGED_BY;

/**
 * Makes the mesh's remote secrets level-based and records it as one step; returns the summary line
 * for the operation's reason when something changed, else nothing.
 */
export async function reconcileMeshSecrets(
  deps: MeshContext,
  op: OperationRecorder,
  config: FleetConfig,
  attached: AttachedMeshAccess = { kube: () => Promise.reject(new Error('attached clusters are not reachable here')) },
): Promise<string[]> {
  if (config.mesh.services.length === 0) return [];
  const outcome = await op.step(
    MESH_STEPS.reconcileSecrets,
    async () => {
      const { observation, kubes, problems } = await observeMesh(deps, await listClusterRecords(deps.store), config, attached);
      const plan = planRemoteSecrets(observation, { now: deps.clock.now(), tokenTtlSeconds: REMOTE_SECRET_TOKEN_TTL_SECONDS });
      op.plan(describeSecretPlan(plan));
      const result = await applySecretPlan(plan, observation, kubes);
      return { ...result, problems: [...problems, ...result.problems] };
    },
    (o) => ({
      outcome: o.problems.length > 0 ? 'failed' : changes(o) > 0 ? 'done' : 'unchanged',
      detail: describeOutcome(o),
    }),
  );
  return changes(outcome) > 0 ? [`mesh remote secrets: ${summary(outcome)}`] : [];
}

function changes(o: MeshReconcileOutcome): number {
  return o.created.length + o.renewed.length + o.updated.length + o.removed.length;
}

function summary(o: MeshReconcileOutcome): string {
  return `created ${o.created.length}, renewed ${o.renewed.length}, updated ${o.updated.length}, removed ${o.removed.length}`;
}

function describeOutcome(o: MeshReconcileOutcome): string {
  const lists = (['created', 'renewed', 'updated', 'removed'] as const)
    .filter((k) => o[k].length > 0)
    .map((k) => `${k}: ${o[k].join(', ')}`);
  return [`${summary(o)}, valid ${o.valid}`, ...lists, ...o.problems].join('; ');
}

/** How the mesh reaches an attached cluster (through Connect Gateway): given by the caller, which knows attached clusters. */
export interface AttachedMeshAccess {
  kube(record: ClusterRecord): Promise<KubeAdapter>;
}

/**
 * Where other clusters' istiods reach a member: a GKE cluster at its endpoint with its CA; an
 * attached cluster at its configured address with the CA its kube-root-ca.crt publishes.
 */
async function memberAccess(
  deps: MeshContext,
  record: ClusterRecord,
  config: FleetConfig,
  attached: AttachedMeshAccess,
): Promise<{ kube: KubeAdapter; server: string; caPem: string } | 'not running'> {
  if (recordKind(record) === 'attached') {
    const kube = await attached.kube(record);
    // The CA that signs the API server's certificate, as the root-ca publisher puts it in every namespace.
    const root = await kube.get<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kube-root-ca.crt' });
    const caPem = root?.data?.['ca.crt'];
    if (!caPem) throw new Error(`no CA to give istiods: ConfigMap kube-system/kube-root-ca.crt has no ca.crt`);
    return { kube, server: config.mesh.apiServers[record.name]!.replace(/\/$/, ''), caPem };
  }
  const info = await deps.container.getCluster(record.location, record.name);
  if (!info || info.status !== 'RUNNING') return 'not running';
  return { kube: await deps.kubeFor(info, record.membership), server: endpointServer(info.endpoint), caPem: info.caCertificatePem };
}

/** Reads the records, then every onboarded mesh cluster's reader and remote secrets, in parallel. */
async function observeMesh(
  deps: MeshContext,
  records: ClusterRecord[],
  config: FleetConfig,
  attached: AttachedMeshAccess,
): Promise<{ observation: MeshSecretObservation; kubes: Map<string, KubeAdapter>; problems: string[] }> {
  const observation: MeshSecretObservation = {
    clusters: [],
    retained: records.filter((r) => r.phase === 'onboarding' || r.phase === 'leaving').map((r) => r.name),
  };
  const kubes = new Map<string, KubeAdapter>();
  const problems: string[] = [];
  // Every cluster fleetpilot has a record of may have left a secret (and a cluster may hold its own).
  // Read by name: fleetpilot's role may get, not list, secrets (infra/kubernetes/member-cluster.yaml).
  const candidates = [...new Set(records.map((r) => remoteSecretName(r.name)))].sort();
  // An attached cluster is in the mesh only with an address other clusters reach directly.
  const members = records.filter(
    (r) => r.phase === 'onboarded' && (recordKind(r) !== 'attached' || Object.hasOwn(config.mesh.apiServers, r.name)),
  );
  await Promise.all(
    members.map(async (record) => {
      try {
        const access = await memberAccess(deps, record, config, attached);
        // Not running (an upgrade, a deletion under way): left as it is, neither wired nor unwired.
        if (access === 'not running') return void observation.retained.push(record.name);
        const { kube, server, caPem } = access;
        const { serviceAccountUid } = await applyMeshReader({ name: record.name, server, caPem, kube });
        const reader: MeshReader = { server, caPem, serviceAccountUid };
        const found = await Promise.all(
          candidates.map((name) => kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace: ISTIO_NAMESPACE, name })),
        );
        const secrets = found.filter((secret): secret is V1Secret => secret !== null).map(presentSecret);
        kubes.set(record.name, kube);
        observation.clusters.push({ name: record.name, reader, secrets });
      } catch (error) {
        problems.push(`${record.name} not reached (${messageOf(error)}); its secrets stay, the next tick tries again`);
        observation.clusters.push({ name: record.name });
      }
    }),
  );
  observation.clusters.sort((a, b) => a.name.localeCompare(b.name));
  observation.retained.sort();
  return { observation, kubes, problems };
}

/** A secret read by its name `istio-remote-secret-SOURCE`, as the planner sees it. */
function presentSecret(secret: V1Secret): PresentSecret {
  const name = secret.metadata?.name ?? '';
  const source = name.slice(remoteSecretName('').length);
  const content = readRemoteSecret(secret, source);
  return {
    name,
    source,
    managed: secret.metadata?.labels?.[MANAGED_KEY] === MANAGED_BY[MANAGED_KEY],
    server: content?.server ?? null,
    caPem: content?.caPem ?? null,
    token: content?.token ?? null,
  };
}

/** Requests the tokens the plan needs (one per source), then writes and deletes; a failure is recorded, not thrown. */
async function applySecretPlan(
  plan: MeshSecretPlan,
  observation: MeshSecretObservation,
  kubes: Map<string, KubeAdapter>,
): Promise<MeshReconcileOutcome> {
  const outcome: MeshReconcileOutcome = { created: [], renewed: [], updated: [], removed: [], valid: 0, problems: [] };
  const tokens = new Map(
    await Promise.all(
      Object.entries(plan.tokens).map(async ([source, stored]): Promise<[string, string | Error]> => {
        try {
          return [
            source,
            stored ?? (await kubes.get(source)!.requestToken(ISTIO_NAMESPACE, READER_SERVICE_ACCOUNT, REMOTE_SECRET_TOKEN_TTL_SECONDS)),
          ];
        } catch (error) {
          return [source, error instanceof Error ? error : new Error(String(error))];
        }
      }),
    ),
  );
  const bucket = { missing: outcome.created, expiring: outcome.renewed, outdated: outcome.updated };
  const readers = new Map(observation.clusters.map((c) => [c.name, c.reader]));
  await Promise.all([
    ...plan.writes.map(async (w) => {
      const key = `${remoteSecretName(w.source)}@${w.target}`;
      try {
        const reader = readers.get(w.source)!;
        const token = tokens.get(w.source)!;
        if (token instanceof Error) throw token;
        const secret = renderRemoteSecret({ cluster: w.source, server: reader.server, caPem: reader.caPem, token });
        await kubes.get(w.target)!.apply(secret);
        bucket[w.reason].push(key);
      } catch (error) {
        outcome.problems.push(`${key} not written (${messageOf(error)})`);
      }
    }),
    ...plan.deletes.map(async (d) => {
      const key = `${d.name}@${d.target}`;
      try {
        if (await kubes.get(d.target)!.delete({ apiVersion: 'v1', kind: 'Secret', namespace: ISTIO_NAMESPACE, name: d.name }))
          outcome.removed.push(key);
      } catch (error) {
        outcome.problems.push(`${key} not removed (${messageOf(error)})`);
      }
    }),
  ]);
  outcome.valid = plan.valid;
  for (const list of [outcome.created, outcome.renewed, outcome.updated, outcome.removed]) list.sort();
  return outcome;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
