/**
 * Builds a Kubernetes adapter for a cluster the way a user's kubectl reaches it: the cluster
 * endpoint with its CA, or Connect Gateway for private clusters, attached and on-prem clusters (or
 * when configured), always with a Google access token.
 */
import type { Env } from '../config/env.ts';
import type { ClusterInfo } from './container.ts';
import type { AccessTokenSource } from './google-auth.ts';
import type { KubeAdapter } from './kube.ts';
import { connectGatewayServer, endpointServer, membershipLocationAndId } from './kube-servers.ts';

/**
 * The client library is loaded on the first cluster access, not with the module: it is the largest
 * thing a function instance loads, and events that touch no cluster (most alert notifications) do
 * not need it, so a cold instance answers them sooner and smaller.
 */
async function loadKubeClient() {
  const [{ createKubeAdapter }, { kubeConfigFor }] = await Promise.all([import('./kube.ts'), import('./kube-config.ts')]);
  return { createKubeAdapter, kubeConfigFor };
}

/**
 * Creates Kubernetes adapters for clusters. `membership` is the cluster's fleet membership, by full
 * name or by id (a global membership); Connect Gateway needs it (default: the cluster's name).
 */
export type KubeFactory = (cluster: ClusterInfo, membership?: string) => Promise<KubeAdapter>;

/** The factory for `env`. */
export function createKubeFactory(env: Env, tokens: AccessTokenSource): KubeFactory {
  return async (cluster, membership) => {
    const [token, { createKubeAdapter, kubeConfigFor }] = await Promise.all([tokens.token(), loadKubeClient()]);
    const viaGateway = env.FLEETPILOT_KUBE_ACCESS === 'connect-gateway' || cluster.privateEndpointOnly;
    if (viaGateway) {
      if (!env.FLEETPILOT_PROJECT_NUMBER) throw new Error('Connect Gateway needs FLEETPILOT_PROJECT_NUMBER');
      const { location, id } = membershipLocationAndId(membership ?? cluster.name);
      const server = connectGatewayServer(env.FLEETPILOT_PROJECT_NUMBER, location, id, env.FLEETPILOT_CONNECT_GATEWAY_ENDPOINT);
      return createKubeAdapter(kubeConfigFor({ name: cluster.name, server, token }), env.FLEETPILOT_FIELD_MANAGER);
    }
    const access = { name: cluster.name, server: endpointServer(cluster.endpoint), caPem: cluster.caCertificatePem, token };
    return createKubeAdapter(kubeConfigFor(access), env.FLEETPILOT_FIELD_MANAGER);
  };
}
