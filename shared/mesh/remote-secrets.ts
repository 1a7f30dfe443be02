/**
 * Cross-cluster endpoint discovery: what `istioctl create-remote-secret` does in both directions.
 * Each cluster gets a read-only reader identity; its token goes, inside a kubeconfig, into a remote
 * secret in every other cluster. A stored token is reused while more than half its lifetime remains,
 * so running again writes nothing (TokenRequest would mint a new token every time).
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeAdapter } from '../adapters/kube.ts';
import type { Clock } from '../core/clock.ts';
import { isTokenReusable } from './jwt.ts';
import {
  ISTIO_NAMESPACE,
  READER_SERVICE_ACCOUNT,
  remoteSecretName,
  remoteSecretToken,
  renderReaderObjects,
  renderRemoteSecret,
} from './render.ts';

/** A cluster of the mesh and how to reach it. */
export interface MeshCluster {
  name: string;
  /** `https://HOST[:PORT]` as other clusters' istiod should reach this API server. */
  server: string;
  caPem: string;
  kube: KubeAdapter;
}

/** Options of {@link ensureRemoteSecrets}. */
export interface RemoteSecretOptions {
  /** Lifetime requested for new reader tokens. */
  tokenTtlSeconds: number;
  clock: Clock;
}

/** Remote secrets by `SECRET@CLUSTER` (the cluster the secret is stored in). */
export interface RemoteSecretSummary {
  /** Created or updated. */
  created: string[];
  unchanged: string[];
}

/** Applies the reader objects of a cluster; returns the reader service account's UID. */
export async function applyMeshReader(cluster: MeshCluster): Promise<{ serviceAccountUid: string; changed: string[] }> {
  const changed: string[] = [];
  let serviceAccountUid = '';
  for (const obj of renderReaderObjects()) {
    const result = await cluster.kube.apply(obj);
    if (result.changed) changed.push(`${obj.kind} ${obj.metadata?.name ?? ''}`);
    if (obj.kind === 'ServiceAccount') serviceAccountUid = result.object.metadata?.uid ?? '';
  }
  if (!serviceAccountUid) throw new Error(`the reader service account in ${cluster.name} has no uid`);
  return { serviceAccountUid, changed };
}

/**
 * Puts `newCluster`'s remote secret in every other cluster and every other cluster's remote secret
 * in `newCluster`. Idempotent: nothing is written while the stored tokens are still fresh.
 */
export async function ensureRemoteSecrets(
  newCluster: MeshCluster,
  others: MeshCluster[],
  opts: RemoteSecretOptions,
): Promise<RemoteSecretSummary> {
  const peers = others.filter((c) => c.name !== newCluster.name);
  const summary: RemoteSecretSummary = { created: [], unchanged: [] };
  if (peers.length === 0) return summary;
  const newToken = await readerToken(newCluster, peers, opts);
  const outcomes = await Promise.all(
    peers.map(async (peer) => {
      const peerToken = await readerToken(peer, [newCluster], opts);
      return [await applySecret(newCluster, newToken, peer), await applySecret(peer, peerToken, newCluster)];
    }),
  );
  for (const { key, changed } of outcomes.flat()) (changed ? summary.created : summary.unchanged).push(key);
  return summary;
}

/** Deletes `clusterName`'s remote secret from every other cluster; returns the `SECRET@CLUSTER` removed. */
export async function removeRemoteSecrets(clusterName: string, others: MeshCluster[]): Promise<string[]> {
  const name = remoteSecretName(clusterName);
  const removed = await Promise.all(
    others
      .filter((c) => c.name !== clusterName)
      .map(async (c) =>
        (await c.kube.delete({ apiVersion: 'v1', kind: 'Secret', namespace: ISTIO_NAMESPACE, name })) ? `${name}@${c.name}` : null,
      ),
  );
  return removed.filter((r): r is string => r !== null);
}

/** A token of `source`'s reader: one already stored in a target's remote secret if still fresh, else a new one. */
async function readerToken(source: MeshCluster, targets: MeshCluster[], opts: RemoteSecretOptions): Promise<string> {
  const { serviceAccountUid } = await applyMeshReader(source);
  const criteria = { now: opts.clock.now(), ttlSeconds: opts.tokenTtlSeconds, serviceAccountUid };
  for (const target of targets) {
    const stored = await target.kube.get<V1Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ISTIO_NAMESPACE,
      name: remoteSecretName(source.name),
    });
    const token = stored ? remoteSecretToken(stored, source.name) : null;
    if (token && isTokenReusable(token, criteria)) return token;
  }
  return source.kube.requestToken(ISTIO_NAMESPACE, READER_SERVICE_ACCOUNT, opts.tokenTtlSeconds);
}

async function applySecret(source: MeshCluster, token: string, target: MeshCluster): Promise<{ key: string; changed: boolean }> {
  const secret = renderRemoteSecret({ cluster: source.name, server: source.server, caPem: source.caPem, token });
  const { changed } = await target.kube.apply(secret);
  return { key: `${remoteSecretName(source.name)}@${target.name}`, changed };
}
