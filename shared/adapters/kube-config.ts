/**
 * How fleetpilot reaches a cluster's API server: directly at its endpoint with its CA, or through
 * Connect Gateway (private clusters), always with a Google access token as the bearer.
 */
import { KubeConfig } from '@kubernetes/client-node';

/** Where and how to reach one cluster. */
export interface ClusterAccess {
  /** A name for the context (cluster name). */
  name: string;
  /** `https://HOST[:PORT]` or a Connect Gateway URL. */
  server: string;
  /** PEM CA for a direct endpoint; omitted for Connect Gateway (public CA). */
  caPem?: string;
  token: string;
}

/** Builds a single-context KubeConfig for {@link ClusterAccess}. */
export function kubeConfigFor(access: ClusterAccess): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{
      name: access.name,
      server: access.server,
      skipTLSVerify: false,
      ...(access.caPem ? { caData: Buffer.from(access.caPem).toString('base64') } : {}),
    }],
    users: [{ name: 'fleetpilot', token: access.token }],
    contexts: [{ name: access.name, cluster: access.name, user: 'fleetpilot' }],
    currentContext: access.name,
  });
  return kc;
}

/** `https://ENDPOINT` for a cluster endpoint that may carry a port. */
export function endpointServer(endpoint: string): string {
  if (!endpoint) throw new Error('cluster has no endpoint yet');
  return `https://${endpoint}`;
}

/**
 * The Connect Gateway URL of a membership. Global memberships use `connectgateway.googleapis.com`;
 * regional ones use `LOCATION-connectgateway.googleapis.com`.
 */
export function connectGatewayServer(projectNumber: string, location: string, membershipId: string): string {
  const host = location === 'global' ? 'connectgateway.googleapis.com' : `${location}-connectgateway.googleapis.com`;
  return `https://${host}/v1/projects/${projectNumber}/locations/${location}/gkeMemberships/${membershipId}`;
}
