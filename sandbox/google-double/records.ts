/**
 * Internal records the double stores; the wire JSON is rendered from them on every read.
 */
import type { JsonObject } from './types.ts';

/** Lifecycle of a simulated GKE cluster (Container v1 `Cluster.Status`). */
export type ClusterStatus = 'PROVISIONING' | 'RUNNING' | 'STOPPING' | 'ERROR';

/** One simulated GKE cluster. */
export interface ClusterRecord {
  name: string;
  location: string;
  id: string;
  createTime: Date;
  status: ClusterStatus;
  statusMessage?: string;
  /** `host:port` of the real kube-apiserver, once provisioned. */
  endpoint?: string;
  /** Base64 of the CA PEM, once provisioned. */
  caCertificateBase64?: string;
  locations: string[];
  description?: string;
  initialClusterVersion: string;
  resourceLabels: Record<string, string>;
  workloadPool: string;
  /** `fleet.project` as requested (id, number or `projects/<id|number>`); the cluster registers itself there. */
  fleetProject?: string;
  /** Set once the self-registration membership exists. */
  fleetMembership?: string;
  privateClusterConfig?: JsonObject;
}

/** A Container v1 Operation (`operation-...`). */
export interface ContainerOpRecord {
  name: string;
  location: string;
  operationType: 'CREATE_CLUSTER' | 'DELETE_CLUSTER';
  status: 'RUNNING' | 'DONE';
  clusterName: string;
  startTime: Date;
  endTime?: Date;
  error?: { code: number; message: string };
}

/** Where the double's Connect Gateway reaches a cluster that is not in the Container API. */
export interface AttachedTarget {
  /** `attached` renders a generic registration (`kubernetesMetadata` only); `onprem` an `onPremCluster`. */
  platform: 'attached' | 'onprem';
  /** `https://HOST:PORT` of the cluster's API server. */
  server: string;
  /** PEM of the CA that signed the API server's certificate. */
  caPem: string;
}

/** GKE Hub `Membership.state.code`. */
export type MembershipState = 'CREATING' | 'READY' | 'UPDATING' | 'DELETING';

/** One GKE Hub membership. */
export interface MembershipRecord {
  id: string;
  location: string;
  uniqueId: string;
  state: MembershipState;
  /** `endpoint.gkeCluster.resourceLink`, when the membership points at a GKE cluster. */
  resourceLink?: string;
  /** A cluster outside GKE (attached or on-prem), and where Connect Gateway reaches its API server. */
  attached?: AttachedTarget;
  issuer?: string;
  labels: Record<string, string>;
  description?: string;
  createTime: Date;
  updateTime: Date;
  /** Key of the cluster that registered itself (removed with the cluster). */
  ownerClusterKey?: string;
}

/** GKE Hub `Feature.resourceState.state`. */
export type FeatureResourceState = 'ENABLING' | 'ACTIVE' | 'UPDATING' | 'DISABLING';

/** One (global) GKE Hub feature. */
export interface FeatureRecord {
  id: string;
  resourceState: FeatureResourceState;
  spec: JsonObject;
  labels: Record<string, string>;
  createTime: Date;
  updateTime: Date;
}

/** A GKE Hub long-running operation; completes on the clock at `doneAt`. */
export interface HubOpRecord {
  id: string;
  name: string;
  location: string;
  verb: 'create' | 'update' | 'delete';
  target: string;
  createTime: Date;
  doneAt: number;
  done: boolean;
  endTime?: Date;
  response?: JsonObject;
  /** Applies the state change and returns the operation's `response`. */
  complete: () => JsonObject;
}
