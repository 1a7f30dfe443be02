/**
 * The fleet's prerequisites as pure checks: given what was observed (each read's answer, or why it
 * could not be read), say per prerequisite whether it holds and, when it does not, the command that
 * makes it hold. The reads are in preflight.ts.
 */
import type { AccessCheck } from '../adapters/kube.ts';
import type { IamBinding } from '../adapters/project-apis.ts';
import { networkOf, type EastWestGateway } from '../mesh/index.ts';
import type { FleetConfig } from '../config/fleet-config.ts';

/** The APIs the multi-cluster Gateway procedure enables. */
export const REQUIRED_APIS = [
  'container.googleapis.com',
  'gkehub.googleapis.com',
  'multiclusterservicediscovery.googleapis.com',
  'multiclusteringress.googleapis.com',
  'trafficdirector.googleapis.com',
] as const;

/** What fleetpilot does in every member (infra/kubernetes/member-cluster.yaml), asked cluster-wide. */
export const MEMBER_ACCESS: readonly AccessCheck[] = [
  { verb: 'patch', group: '', resource: 'namespaces' },
  { verb: 'patch', group: '', resource: 'services' },
  { verb: 'patch', group: 'net.gke.io', resource: 'serviceexports' },
  // Without list (a role from before it was granted) each reconcile reads every object alone:
  // nothing fails, it is only hundreds of requests slower per cluster, so the preflight says so.
  { verb: 'list', group: '', resource: 'services' },
  { verb: 'list', group: 'net.gke.io', resource: 'serviceexports' },
  { verb: 'list', group: 'net.gke.io', resource: 'serviceimports' },
  { verb: 'patch', group: '', resource: 'nodes' },
];

/** One prerequisite. */
export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** The command that makes it hold (absent when it holds). */
  fix?: string;
}

/** A read's answer, or the reason it could not be had. */
export type Observed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Everything the checks look at. */
export interface PreflightObservation {
  apis: Record<string, Observed<string>>;
  iam: Observed<IamBinding[]>;
  features: Record<'multiclusterservicediscovery' | 'multiclusteringress', Observed<{ code?: string; description?: string } | null>>;
  crds: Record<string, Observed<boolean>>;
  gatewayClass: Observed<boolean>;
  /** Per onboarded member (GKE or attached): the answers to {@link MEMBER_ACCESS}, in order. */
  members: Record<string, Observed<boolean[]>>;
  /** Per onboarded mesh member, when the mesh spans several networks: its east-west gateway. */
  eastWest?: Record<string, Observed<EastWestGateway>>;
}

const couldNot = (what: string, error: string) => `could not check ${what}: ${error}`;

/** The checks for `observed` under `config`. */
export function evaluatePreflight(config: FleetConfig, observed: PreflightObservation): PreflightCheck[] {
  const project = config.fleet.project;
  const { name: configName, location: configLocation } = config.fleet.configCluster;
  const checks: PreflightCheck[] = [];
  for (const api of REQUIRED_APIS) {
    const o = observed.apis[api] ?? { ok: false, error: 'not read' };
    const enabled = o.ok && o.value === 'ENABLED';
    checks.push({
      name: `api:${api}`,
      ok: enabled,
      detail: o.ok ? `${api} is ${o.value}` : couldNot(api, o.error),
      ...(enabled ? {} : { fix: `gcloud services enable ${api} --project ${project}` }),
    });
  }
  const member = `serviceAccount:${project}.svc.id.goog[gke-mcs/gke-mcs-importer]`;
  const role = 'roles/compute.networkViewer';
  const bound = observed.iam.ok && observed.iam.value.some((b) => b.role === role && b.members.includes(member));
  checks.push({
    name: 'iam:mcs-importer',
    ok: bound,
    detail: observed.iam.ok
      ? bound
        ? `${member} holds ${role}`
        : `${member} lacks ${role}: the MCS importer imports nothing`
      : couldNot('the IAM policy', observed.iam.error),
    ...(bound ? {} : { fix: `gcloud projects add-iam-policy-binding ${project} --member "${member}" --role "${role}"` }),
  });
  const configMembership = `projects/${project}/locations/${config.fleet.membershipLocation}/memberships/${config.fleet.configCluster.membership ?? configName}`;
  const featureFix = {
    multiclusterservicediscovery: `gcloud container fleet multi-cluster-services enable --project ${project}`,
    multiclusteringress: `gcloud container fleet ingress enable --config-membership=${configMembership} --project ${project}`,
  } as const;
  for (const feature of ['multiclusterservicediscovery', 'multiclusteringress'] as const) {
    const o = observed.features[feature];
    const state = o.ok ? o.value : undefined;
    const usable = state?.code === 'OK';
    checks.push({
      name: `feature:${feature}`,
      ok: usable,
      detail: !o.ok
        ? couldNot(feature, o.error)
        : state === null
          ? `${feature} is not enabled (fleetpilot enables it when it onboards a cluster)`
          : `${feature}: ${state?.code ?? 'no state yet'}${state?.description ? ` (${state.description})` : ''}`,
      ...(usable ? {} : { fix: featureFix[feature] }),
    });
  }
  const gatewayFix = `gcloud container clusters update ${configName} --location=${configLocation} --gateway-api=standard`;
  for (const [crd, o] of Object.entries(observed.crds)) {
    const present = o.ok && o.value;
    checks.push({
      name: `config-cluster:crd:${crd}`,
      ok: present,
      detail: o.ok ? `${crd} ${o.value ? 'is installed' : 'is missing'} on ${configName}` : couldNot(crd, o.error),
      ...(present ? {} : { fix: gatewayFix }),
    });
  }
  const className = config.fleet.gateway.className;
  const classPresent = observed.gatewayClass.ok && observed.gatewayClass.value;
  checks.push({
    name: 'config-cluster:gatewayclass',
    ok: classPresent,
    detail: observed.gatewayClass.ok
      ? `GatewayClass ${className} ${observed.gatewayClass.value ? 'exists' : 'does not exist'} on ${configName}`
      : couldNot(`GatewayClass ${className}`, observed.gatewayClass.error),
    ...(classPresent ? {} : { fix: `${gatewayFix}; the -mc classes appear once the multiclusteringress feature names ${configName}` }),
  });
  for (const [cluster, o] of Object.entries(observed.members)) {
    const missing = o.ok
      ? MEMBER_ACCESS.filter((_, i) => o.value[i] !== true).map((a) => `${a.verb} ${a.group || 'core'}/${a.resource}`)
      : [];
    const ok = o.ok && missing.length === 0;
    checks.push({
      name: `rbac:${cluster}`,
      ok,
      detail: !o.ok
        ? couldNot(`fleetpilot's access in ${cluster}`, o.error)
        : ok
          ? 'fleetpilot may do what it needs'
          : `fleetpilot may not: ${missing.join(', ')}`,
      ...(ok
        ? {}
        : { fix: `sed "s/PROJECT_ID/${project}/g" infra/kubernetes/member-cluster.yaml | kubectl --context ${cluster} apply -f -` }),
    });
  }
  for (const [cluster, o] of Object.entries(observed.eastWest ?? {})) {
    const network = networkOf(config, cluster) ?? '';
    const ok = o.ok && o.value.ok;
    checks.push({
      name: `mesh-network:${cluster}`,
      ok,
      detail: !o.ok
        ? couldNot(`the east-west gateway of ${cluster}`, o.error)
        : o.value.ok
          ? `east-west gateway ${o.value.service} at ${o.value.address} exposes ${cluster}'s services to other networks (${network})`
          : `${o.value.missing}: other networks cannot reach ${cluster}'s services`,
      ...(ok
        ? {}
        : {
            fix: `samples/multicluster/gen-eastwest-gateway.sh --network ${network} | istioctl --context ${cluster} install -y -f -  (Istio's multi-network procedure)`,
          }),
    });
  }
  return checks;
}
