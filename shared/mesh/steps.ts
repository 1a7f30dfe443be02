/** The names of the mesh steps, for the views, drills and tests that read them. */
export const MESH_STEPS = {
  labelAndRules: 'label mesh namespaces and apply DestinationRules',
  exchangeSecrets: 'exchange remote secrets with the other mesh clusters',
  removeSecrets: 'remove its remote secrets from the other mesh clusters',
  drainRules: 'apply drain-aware DestinationRules',
  reconcileSecrets: 'reconcile remote secrets between every pair of mesh clusters',
  /** Onboarding's network step; the tick's, per cluster, is {@link MESH_STEPS.networkOf}. */
  network: 'label the mesh network and expose services to other networks',
  networkOf: (cluster: string) => `mesh network of ${cluster}`,
  /** The tick's sidecar-injection labels in an attached mesh cluster (its DestinationRules come with the drain-aware rules). */
  namespacesOf: (cluster: string) => `mesh namespaces of ${cluster}`,
} as const;
