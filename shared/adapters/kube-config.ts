/**
 * How fleetpilot reaches a cluster's API server: directly at its endpoint with its CA, or through
 * Connect Gateway (private clusters), always with a Google access token as the bearer.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { keepAliveAgentFor } from './kube-agents.ts';

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

/**
 * Builds a single-context KubeConfig for {@link ClusterAccess}. A plain-http server (only a local
 * Connect Gateway double, which the environment allows only with a static token) has no TLS to
 * verify; client-node uses an http agent only when `skipTLSVerify` says so.
 */
export function kubeConfigFor(access: ClusterAccess): KubeConfig {
  const kc = new KeepAliveKubeConfig(access);
  kc.loadFromOptions({
    clusters: [
      {
        name: access.name,
        server: access.server,
        skipTLSVerify: access.server.startsWith('http://'),
        ...(access.caPem ? { caData: Buffer.from(access.caPem).toString('base64') } : {}),
      },
    ],
    users: [{ name: 'fleetpilot', token: access.token }],
    contexts: [{ name: access.name, cluster: access.name, user: 'fleetpilot' }],
    currentContext: access.name,
  });
  return kc;
}

/**
 * client-node builds a new agent, so a new TLS connection, for every request; each cluster's
 * requests share one keep-alive agent instead. The token travels in a header, so one agent serves
 * every token for the same server and CA.
 */
class KeepAliveKubeConfig extends KubeConfig {
  constructor(private readonly access: ClusterAccess) {
    super();
  }

  override async applySecurityAuthentication(context: Parameters<KubeConfig['applySecurityAuthentication']>[0]): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setAgent(keepAliveAgentFor(this.access.server, this.access.caPem));
  }
}
