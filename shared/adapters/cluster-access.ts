/**
 * Builds a Kubernetes adapter for a GKE cluster the way a user's kubectl reaches it: the cluster
 * endpoint with its CA, or Connect Gateway for private clusters (or when configured), always with a
 * Google access token.
 */
import type { Env } from '../config/env.ts';
import type { ClusterInfo } from './container.ts';
import type { AccessTokenSource } from './google-auth.ts';
import { createKubeAdapter, type KubeAdapter } from './kube.ts';
import { connectGatewayServer, endpointServer, kubeConfigFor } from './kube-config.ts';

/** Creates Kubernetes adapters for clusters. */
export type KubeFactory = (cluster: ClusterInfo, membershipId?: string) => Promise<KubeAdapter>;

/** The factory for `env`. */
export function createKubeFactory(env: Env, tokens: AccessTokenSource): KubeFactory {
  return async (cluster, membershipId) => {
    const token = await tokens.token();
    const viaGateway = env.FLEETPILOT_KUBE_ACCESS === 'connect-gateway' || cluster.privateEndpointOnly;
    if (viaGateway) {
      if (!env.FLEETPILOT_PROJECT_NUMBER) throw new Error('Connect Gateway needs FLEETPILOT_PROJECT_NUMBER');
      const server = connectGatewayServer(env.FLEETPILOT_PROJECT_NUMBER, 'global', membershipId ?? cluster.name);
      return createKubeAdapter(kubeConfigFor({ name: cluster.name, server, token }), env.FLEETPILOT_FIELD_MANAGER);
    }
    const access = { name: cluster.name, server: endpointServer(cluster.endpoint), caPem: cluster.caCertificatePem, token };
    return createKubeAdapter(kubeConfigFor(access), env.FLEETPILOT_FIELD_MANAGER);
  };
}
