/**
 * Read-only questions about the project that the fleet prerequisites depend on: is an API enabled
 * (Service Usage v1), and what is the project's IAM policy (Resource Manager v1). Over
 * google-auth-library requests, like the GKE Hub adapter; reads are retried a few times.
 */
import type { AuthClient } from 'google-auth-library';
import { withRetry } from '../core/retry.ts';

/** One IAM binding. */
export interface IamBinding {
  role: string;
  members: string[];
}

/** What the preflight asks of the project. */
export interface ProjectApisAdapter {
  /** `ENABLED` or `DISABLED` (`STATE_UNSPECIFIED` passes through). */
  serviceState(service: string): Promise<string>;
  /** The project's IAM bindings. */
  iamBindings(): Promise<IamBinding[]>;
}

/** Dependencies of {@link createProjectApisAdapter}. */
export interface ProjectApisDeps {
  authClient: AuthClient;
  projectId: string;
  /** `https://serviceusage.googleapis.com` or the local double's URL. */
  serviceUsageUrl: string;
  /** `https://cloudresourcemanager.googleapis.com` or the local double's URL. */
  resourceManagerUrl: string;
}

/** Creates the adapter. */
export function createProjectApisAdapter(deps: ProjectApisDeps): ProjectApisAdapter {
  const trim = (url: string) => url.replace(/\/+$/, '');
  const send = <T>(url: string, method: 'GET' | 'POST', data?: unknown) =>
    withRetry(async () => (await deps.authClient.request<T>({ url, method, ...(data === undefined ? {} : { data }), retry: false })).data, {
      attempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 500,
    });
  return {
    async serviceState(service) {
      const url = `${trim(deps.serviceUsageUrl)}/v1/projects/${deps.projectId}/services/${service}`;
      return (await send<{ state?: string }>(url, 'GET')).state ?? 'STATE_UNSPECIFIED';
    },
    async iamBindings() {
      const url = `${trim(deps.resourceManagerUrl)}/v1/projects/${deps.projectId}:getIamPolicy`;
      return (await send<{ bindings?: IamBinding[] }>(url, 'POST', { options: { requestedPolicyVersion: 3 } })).bindings ?? [];
    },
  };
}
