/** An in-memory {@link ProjectApisAdapter}: enabled APIs and IAM bindings a test sets. */
import type { IamBinding, ProjectApisAdapter } from '../../shared/adapters/project-apis.ts';
import { REQUIRED_APIS } from '../../shared/ops/preflight-checks.ts';

/** The adapter and its state. */
export interface MemoryProjectApis extends ProjectApisAdapter {
  enabled: Set<string>;
  bindings: IamBinding[];
}

/** A project set up as the procedure leaves it (APIs enabled, the importer's binding), unless told otherwise. */
export function memoryProjectApis(project = 'fleet-demo', setUp = true): MemoryProjectApis {
  const enabled = new Set<string>(setUp ? REQUIRED_APIS : []);
  const bindings: IamBinding[] = setUp
    ? [{ role: 'roles/compute.networkViewer', members: [`serviceAccount:${project}.svc.id.goog[gke-mcs/gke-mcs-importer]`] }]
    : [];
  return {
    enabled,
    bindings,
    serviceState: async (service) => (enabled.has(service) ? 'ENABLED' : 'DISABLED'),
    iamBindings: async () => structuredClone(bindings),
  };
}
