/**
 * The project set-up steps of the multi-cluster Gateway procedure, done in the sandbox the way the
 * procedure does them (through the Service Usage and Resource Manager APIs of the Google double):
 * enable the APIs (and Cloud Monitoring, which drills read traffic from), and grant the MCS
 * importer's service account `roles/compute.networkViewer`.
 * Until that binding exists, the sandbox's MCS importer imports nothing, as GKE's does.
 */
import { REQUIRED_APIS } from '../shared/ops/preflight-checks.ts';
import { hasBinding } from './google-double/project-model.ts';
import type { DoubleState } from './google-double/index.ts';

/** The binding the MCS importer needs (`gcloud projects add-iam-policy-binding ...`). */
export function mcsImporterBinding(projectId: string): { role: string; member: string } {
  return { role: 'roles/compute.networkViewer', member: `serviceAccount:${projectId}.svc.id.goog[gke-mcs/gke-mcs-importer]` };
}

/** Why the MCS importer may not import, read from the double's IAM policy; undefined once it may. */
export function importerBlockedBy(state: DoubleState): string | undefined {
  const { role, member } = mcsImporterBinding(state.deps.projectId);
  if (hasBinding(state.iamPolicy, role, member)) return undefined;
  return `${member} lacks ${role} on project ${state.deps.projectId}; run: gcloud projects add-iam-policy-binding ${state.deps.projectId} --member "${member}" --role "${role}"`;
}

async function call(url: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Enables the procedure's APIs and adds the importer's binding (a read-modify-write, as gcloud does). */
export async function setUpProject(opts: { doubleUrl: string; token: string; projectId: string }): Promise<void> {
  const project = `${opts.doubleUrl}/v1/projects/${opts.projectId}`;
  await call(`${project}/services:batchEnable`, opts.token, { serviceIds: [...REQUIRED_APIS, 'monitoring.googleapis.com'] });
  const { role, member } = mcsImporterBinding(opts.projectId);
  const policy = (await call(`${project}:getIamPolicy`, opts.token, { options: { requestedPolicyVersion: 3 } })) as {
    bindings?: { role: string; members: string[] }[];
  };
  const bindings = policy.bindings ?? [];
  if (bindings.some((b) => b.role === role && b.members.includes(member))) return;
  await call(`${project}:setIamPolicy`, opts.token, { policy: { ...policy, bindings: [...bindings, { role, members: [member] }] } });
}
