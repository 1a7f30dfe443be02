/**
 * Shared types of the local Google double (Container v1, GKE Hub v1, Cloud Monitoring v3 REST).
 *
 * The double is a sandbox component: it speaks the REST shapes the real client libraries use so
 * fleetpilot's adapters can run against it unchanged.
 */
import type { LogEntry } from './audit-log.ts';

/** A JSON object as it travels over the wire. */
export type JsonObject = Record<string, unknown>;

/** Structured logger injected by the host (the sandbox points it at shared/log). */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Identifies one simulated cluster. */
export interface ClusterRef {
  name: string;
  location: string;
}

/** What the provisioner hands back for a started control plane. */
export interface ProvisionedControlPlane {
  /** `host:port` of the kube-apiserver, e.g. `127.0.0.1:6443`. */
  endpoint: string;
  /** PEM of the CA that signed the apiserver certificate (the double base64-encodes it). */
  caCertificatePem: string;
}

/** Starts and stops the real control plane behind each simulated cluster. */
export interface ClusterProvisioner {
  provision(cluster: ClusterRef): Promise<ProvisionedControlPlane>;
  deprovision(cluster: ClusterRef): Promise<void>;
}

/** Requests a load balancer stand-in answered in one second, by serving cluster and response code class. */
export interface RequestCountBucket {
  /** Epoch seconds. */
  second: number;
  /** The cluster that served them; null for requests answered without a backend. */
  cluster: string | null;
  /** 200, 300, 400, 500 (the status rounded down to its hundred). */
  codeClass: number;
  count: number;
}

/** Where the double's Cloud Monitoring routes read load-balancer traffic (the sandbox data plane's ledger). */
export interface RequestCountSource {
  /** The buckets of the seconds that start in [fromMs, toMs). */
  read(fromMs: number, toMs: number): readonly RequestCountBucket[];
}

/** Everything the double needs from its host; all side effects and non-determinism are injected. */
export interface GoogleDoubleDeps {
  /** The only accepted bearer token; any other request gets 401 UNAUTHENTICATED. */
  token: string;
  projectId: string;
  projectNumber: string;
  clock: () => Date;
  newId: () => string;
  provisioner: ClusterProvisioner;
  /** Called like a Log Router sink would publish: once with `operation.first`, once with `last`. */
  publishAuditLog: (entry: LogEntry) => Promise<void>;
  /** How long Hub and Container operations stay not-done, measured on `clock` (default 300). */
  operationDelayMs?: number;
  /** Page size used by Hub lists when the caller sends none (default 50). */
  hubDefaultPageSize?: number;
  /** `authenticationInfo.principalEmail` written into audit entries. */
  principalEmail?: string;
  /** Services enabled when the double starts (a project that has been set up); none by default. */
  enabledServices?: readonly string[];
  /** Refuse Container, GKE Hub and Cloud Monitoring calls while their API is not enabled, as Google does (default false). */
  enforceEnabledServices?: boolean;
  /** The load balancer's request counts that Cloud Monitoring's `timeSeries.list` serves (none: no traffic). */
  trafficLedger?: RequestCountSource;
  log: Logger;
}
