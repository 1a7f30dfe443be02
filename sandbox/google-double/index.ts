/**
 * Public surface of the local Google double (Container v1, GKE Hub v1, Cloud Monitoring v3), used by the sandbox and tests.
 */
export { createGoogleDouble, type GoogleDouble } from './create-google-double.ts';
export { DoubleState } from './state.ts';
export type { SeedClusterInput } from './container-lifecycle.ts';
export {
  auditResourceName,
  buildFirstAuditEntry,
  buildLastAuditEntry,
  fnv1a,
  methodVersionFor,
  type AuditApiVersion,
  type AuditCall,
  type ClusterMethod,
  type FirstEntryInput,
  type LastEntryInput,
  type LogEntry,
} from './audit-log.ts';
export { GoogleApiError, googleErrorBody, statusNameForHttp, type GoogleErrorBody } from './errors.ts';
export type {
  ClusterProvisioner,
  ClusterRef,
  GoogleDoubleDeps,
  JsonObject,
  Logger,
  ProvisionedControlPlane,
  RequestCountBucket,
  RequestCountSource,
} from './types.ts';
