/**
 * Google refuses a call to an API the project has not enabled: 403 PERMISSION_DENIED, reason
 * SERVICE_DISABLED, naming the API and how to enable it. The double does the same for the APIs
 * whose calls it can tell apart by path — Container (clusters), GKE Hub (memberships, features)
 * and Cloud Monitoring (time series) — once asked to (`enforceEnabledServices`), so a sandbox
 * project that skipped the procedure's `gcloud services enable` fails as a real one would.
 * Operations are shared by Container's and GKE Hub's paths and exist only once an API was used, so
 * they are not gated.
 */
import { KNOWN_SERVICES } from './project-model.ts';
import type { JsonObject } from './types.ts';

const GATES: readonly { service: string; path: RegExp }[] = [
  { service: 'container.googleapis.com', path: /^\/v1\/projects\/[^/]+\/(locations|zones)\/[^/]+\/clusters(\/|$|:)/ },
  { service: 'gkehub.googleapis.com', path: /^\/v1(beta|alpha)?\/projects\/[^/]+\/locations\/[^/]+\/(memberships|features)(\/|$|:)/ },
  { service: 'monitoring.googleapis.com', path: /^\/v3\/projects\/[^/]+\/timeSeries(\/|$|:)/ },
];

/** The API a request path belongs to, when the double gates it. */
export function gatedService(path: string): string | undefined {
  return GATES.find((g) => g.path.test(path))?.service;
}

/** Google's answer to a call to a disabled API. */
export function serviceDisabledBody(service: string, projectNumber: string): JsonObject {
  const title = KNOWN_SERVICES[service] ?? service;
  return {
    error: {
      code: 403,
      message:
        `${title} has not been used in project ${projectNumber} before or it is disabled. Enable it by visiting ` +
        `https://console.developers.google.com/apis/api/${service}/overview?project=${projectNumber} then retry. ` +
        'If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.',
      status: 'PERMISSION_DENIED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'SERVICE_DISABLED',
          domain: 'googleapis.com',
          metadata: { service, consumer: `projects/${projectNumber}` },
        },
      ],
    },
  };
}
