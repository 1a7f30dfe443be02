/** The multi-cluster mesh: pure renderers and the shell that applies them through the Kubernetes adapter. */
export {
  ISTIO_NAMESPACE,
  MANAGED_BY,
  readRemoteSecret,
  READER_CLUSTER_ROLE,
  READER_SERVICE_ACCOUNT,
  remoteSecretName,
  remoteSecretToken,
  renderDestinationRule,
  renderDrainedDestinationRule,
  renderMeshNamespace,
  renderReaderObjects,
  renderRemoteSecret,
  sidecarInjectionLabels,
  type DestinationRule,
  type RemoteSecretContent,
  type RemoteSecretInput,
} from './render.ts';
export { isTokenReusable, jwtClaims, jwtExpiry, type ServiceAccountClaims, type TokenReuseCriteria } from './jwt.ts';
export {
  applyMeshReader,
  ensureRemoteSecrets,
  removeRemoteSecrets,
  type MeshCluster,
  type RemoteSecretOptions,
  type RemoteSecretSummary,
} from './remote-secrets.ts';
export { ensureMeshNamespaces, ensureMeshServices, meshNamespacesStep } from './services.ts';
export { applyMeshDrains } from './drain-step.ts';
export { type MeshContext, addClusterToMesh, removeClusterFromMesh } from './mesh-step.ts';
export {
  REMOTE_SECRET_TOKEN_TTL_SECONDS,
  describeSecretPlan,
  isEmptySecretPlan,
  planRemoteSecrets,
  type MeshReader,
  type MeshSecretObservation,
  type MeshSecretPlan,
  type ObservedMeshCluster,
  type PresentSecret,
  type SecretDelete,
  type SecretWrite,
  type TokenPolicy,
  type WriteReason,
} from './secret-plan.ts';
export { reconcileMeshSecrets, type MeshReconcileOutcome } from './secret-reconcile.ts';
export { MESH_STEPS } from './steps.ts';
export {
  EAST_WEST_LABEL_SELECTOR,
  EAST_WEST_SELECTOR,
  EXPOSE_SERVICES_GATEWAY,
  NETWORK_LABEL,
  describeMeshNetwork,
  eastWestGateway,
  ensureMeshNetwork,
  isMultiNetwork,
  meshNetworkStep,
  networkOf,
  renderExposeServicesGateway,
  type EastWestGateway,
  type MeshNetworkOutcome,
} from './network.ts';
