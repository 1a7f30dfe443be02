/**
 * The fleet configuration: what fleetpilot should make true. Versioned YAML, validated with zod
 * (every problem at once, with its path), exported as JSON Schema for editors.
 */
import { z } from 'zod';
import { regionSchema } from './region-schema.ts';
import { drillsSchema } from './drills-config.ts';
import { approvalsSchema, failoverSchema } from './approvals-config.ts';

const dnsLabel = z
  .string()
  .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits, dashes; at most 63)');
const weight = z.number().int().min(0).max(1_000_000);
const region = regionSchema;
/** An Istio network name: the value of the `topology.istio.io/network` label. */
const networkName = z
  .string()
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a network name usable as a label value (e.g. vpc-main)');

/** A path pinned to one cluster or one region (e.g. `/tokyo` → `mc-gw-tokyo`). */
export const pinnedPathSchema = z
  .object({
    path: z.string().regex(/^\/[A-Za-z0-9/_.~-]*$/, 'must be an absolute URL path such as /tokyo'),
    cluster: dnsLabel.optional(),
    region: region.optional(),
  })
  .refine((p) => Boolean(p.cluster) !== Boolean(p.region), { message: 'must name exactly one of cluster or region' });

/** One application service routed through the multi-cluster Gateway. */
export const serviceSchema = z.object({
  name: dnsLabel,
  namespace: dnsLabel,
  port: z.number().int().min(1).max(65535),
  hostnames: z.array(z.string().min(1)).min(1),
  /** Baseline weight of each region in the default rule; regions not listed get `defaultWeight`. */
  regionWeights: z.record(region, weight).default({}),
  defaultWeight: weight.default(100),
  pinnedPaths: z.array(pinnedPathSchema).default([]),
});

/** `REGION[/ZONE[/SUBZONE]]`, where a last segment may be `*` (e.g. `asia-northeast1/*`), or `*` alone. */
const locality = z
  .string()
  .regex(
    /^(\*|[^/*\s]+(\/(\*|[^/*\s]+(\/(\*|[^/*\s]+))?))?)$/,
    'must be a locality such as asia-northeast1/* or asia-northeast1/asia-northeast1-b',
  );

/** Topology labels Istio refuses in `failoverPriority` when `failover` is also set. */
const LOCALITY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

/**
 * Locality load balancing of a mesh service: `failover` (ordered region pairs, on-prem region names
 * included) and/or `failoverPriority` (labels), or `distribute` (weights per locality), or `local`
 * (traffic stays in the client's region). Refuses, with Istio's own
 * reasons, what Istio's validation refuses (its webhook would reject the DestinationRule at every
 * render) or silently ignores; unknown keys are refused, not dropped.
 */
export const localityLbSchema = z
  .object({
    failover: z
      .array(
        z
          .object({ from: region, to: region })
          .strict()
          .refine((f) => f.from !== f.to, { message: 'failover must name two different regions (Istio refuses from = to)' }),
      )
      .min(1)
      .optional(),
    failoverPriority: z.array(z.string().min(1)).min(1).optional(),
    distribute: z
      .array(
        z
          .object({ from: locality, to: z.record(locality, z.number().int().min(1, 'a locality weight is 1 to 100').max(100)) })
          .strict()
          .refine((d) => Object.values(d.to).reduce((a, b) => a + b, 0) === 100, {
            message: 'the weights of one distribute entry must add up to 100 (Istio refuses any other total)',
            path: ['to'],
          }),
      )
      .min(1)
      .optional(),
    /**
     * `region`: keep each client's traffic in its own region (rendered as `distribute` from every
     * mesh region to itself); a drained region's clients are spread over the healthy ones.
     */
    local: z.enum(['region']).optional(),
  })
  .strict()
  .superRefine((lb, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (!lb.failover && !lb.failoverPriority && !lb.distribute && !lb.local)
      issue('name a mode: failover, failoverPriority, distribute or local');
    const withLocal = (['failover', 'failoverPriority', 'distribute'] as const).filter((k) => lb.local && lb[k]);
    if (withLocal.length > 0)
      issue(
        `local keeps traffic in the client's region and is rendered as distribute, which Istio does not combine with ${withLocal.join(' or ')}: choose one`,
      );
    if (lb.distribute && lb.failover) issue('Istio refuses distribute together with failover: choose one');
    if (lb.distribute && lb.failoverPriority) issue('Istio ignores failoverPriority when distribute is set: choose one');
    const topology = (lb.failover && lb.failoverPriority?.filter((l) => LOCALITY_LABELS.includes(l))) ?? [];
    if (topology.length > 0) issue(`Istio refuses failover together with the topology label ${topology.join(', ')} in failoverPriority`);
  });

/** A service in the multi-cluster mesh. */
export const meshServiceSchema = z.object({
  name: dnsLabel,
  namespace: dnsLabel,
  outlierDetection: z
    .object({
      consecutive5xxErrors: z.number().int().min(1).default(5),
      interval: z
        .string()
        .regex(/^\d+(ms|s|m)$/)
        .default('10s'),
      baseEjectionTime: z
        .string()
        .regex(/^\d+(ms|s|m)$/)
        .default('30s'),
      maxEjectionPercent: z.number().int().min(0).max(100).default(100),
    })
    .prefault({}),
  localityLb: localityLbSchema.optional(),
});

/** The whole fleet configuration document. */
export const fleetConfigSchema = z.object({
  version: z.literal(1),
  fleet: z.object({
    /** Project whose fleet (GKE Hub) the clusters join. */
    project: z.string().min(1),
    membershipLocation: z.string().default('global'),
    /** The cluster hosting Gateway and HTTPRoute objects, and its membership (the MCI config membership). */
    configCluster: z.object({ name: dnsLabel, location: z.string().min(1), membership: dnsLabel.optional() }),
    gateway: z
      .object({
        name: dnsLabel.default('external-http'),
        namespace: dnsLabel.default('gateway'),
        className: z
          .string()
          .regex(/-mc$/, 'must be a multi-cluster GatewayClass (ends in -mc)')
          .default('gke-l7-global-external-managed-mc'),
        /** Create the Gateway when absent (never modify an existing one). */
        create: z.boolean().default(true),
      })
      .prefault({}),
  }),
  onboarding: z
    .object({
      /** Resource labels a cluster must carry to be onboarded. */
      matchLabels: z.record(z.string(), z.string()).default({}),
      /** Projects whose clusters may join; empty means the fleet project only. */
      allowedProjects: z.array(z.string().min(1)).default([]),
      /** Location prefixes (region or zone) allowed; empty means any. */
      allowedLocations: z.array(z.string().min(1)).default([]),
      /** Also export one Service per cluster (`SERVICE-CLUSTER`) so paths can pin a cluster. */
      perClusterServices: z.boolean().default(true),
      featureTimeoutSeconds: z.number().int().min(1).max(3600).default(120),
    })
    .prefault({}),
  services: z.array(serviceSchema).default([]),
  /** Safety policy for drains (alerts and manual). */
  safety: z
    .object({
      /** Every service keeps at least this many regions serving; a drain that would break it is refused. */
      minHealthyRegions: z.number().int().min(1).default(1),
      /** A region is restored only this long after its last incident closed. */
      holdDownSeconds: z.number().int().min(0).max(86_400).default(300),
      /** At most `maxDrains` automatic drains of one region per `windowSeconds`; then it is frozen and reported. */
      flapBudget: z
        .object({ maxDrains: z.number().int().min(1).default(3), windowSeconds: z.number().int().min(60).default(3600) })
        .prefault({}),
      /** Paths pinned to a drained region: keep serving them, or send them to the nearest healthy region. */
      pinnedPathsOnDrain: z.enum(['keep', 'nearest-healthy']).default('keep'),
      /**
       * Capacity guard: an alert drain applies only when the service's other serving regions can run
       * its current demand (ready replicas of its Deployments) within their maximum (HPA
       * `maxReplicas`, else the Deployment's replicas), less `headroomPercent`; otherwise it waits,
       * with the numbers, and applies once they can. Absent: off. A service with no Deployment found
       * is not guarded.
       */
      capacity: z
        .object({
          headroomPercent: z.number().int().min(0).max(90).default(20),
          /**
           * `refuse` (the default): the alert drain waits whole. `partial`: it moves only the share
           * the others can run (the region keeps the rest of its weight) and completes when they can
           * run it all. Manual drains are refused either way (an admin may override).
           */
          mode: z.enum(['refuse', 'partial']).default('refuse'),
        })
        .strict()
        .optional(),
      /**
       * Ramped restore: a restored region's weight comes back in steps (percent of its baseline), one
       * step per `stepSeconds`, applied by the render that follows (the tick's, at the latest). Absent:
       * a restore returns the whole weight at once.
       */
      ramp: z
        .object({
          steps: z
            .array(z.number().int().min(1).max(100))
            .min(1)
            .max(20)
            .refine((s) => s.every((p, i) => i === 0 || p > s[i - 1]!), { message: 'steps must increase' })
            .refine((s) => s.at(-1) === 100, { message: 'the last step must be 100 (the whole baseline weight)' }),
          stepSeconds: z.number().int().min(1).max(86_400),
        })
        .strict()
        .optional(),
    })
    .prefault({}),
  /** Failover drills: their measurement and an optional schedule (see `shared/drills`). */
  drills: drillsSchema,
  /** Actions that need a second person's approval (see `shared/approvals`). */
  approvals: approvalsSchema,
  /** Whether alerts drain on their own (`auto`) or propose a drain for approval (`propose`). */
  failover: failoverSchema,
  mesh: z
    .object({
      services: z.array(meshServiceSchema).default([]),
      /**
       * Mesh networks (Istio multi-network): every cluster's `istio-system` is labelled with its
       * network, and across networks services are exposed through each cluster's east-west gateway.
       * Absent: fleetpilot leaves networks alone (one network, or labels set by hand).
       */
      networks: z
        .object({
          /** The network of every mesh cluster not listed (e.g. the GKE clusters of the project's VPC). */
          default: networkName,
          /** Clusters on another network, by cluster name (GKE) or membership id (attached). */
          clusters: z.record(dnsLabel, networkName).default({}),
        })
        .strict()
        .optional(),
      /**
       * The API server address other clusters' istiods use for a cluster reached by fleetpilot only
       * through Connect Gateway (attached and on-prem clusters, by membership id). With one, the
       * tick wires the cluster into the mesh (remote secrets both ways); without, it is left out.
       */
      apiServers: z.record(dnsLabel, z.string().regex(/^https:\/\/[^\s/:]+(:\d{1,5})?\/?$/, 'must be https://HOST[:PORT]')).default({}),
    })
    .prefault({}),
});

/** A validated fleet configuration. */
export type FleetConfig = z.output<typeof fleetConfigSchema>;
/** One routed service. */
export type ServiceConfig = FleetConfig['services'][number];
/** The safety policy. */
export type SafetyPolicy = FleetConfig['safety'];
/** One mesh service. */
export type MeshServiceConfig = FleetConfig['mesh']['services'][number];

/** The result of {@link parseFleetConfig}: the configuration or every problem with its path. */
export type FleetConfigResult = { ok: true; config: FleetConfig } | { ok: false; problems: string[] };

/** Validates a parsed document. */
export function parseFleetConfig(document: unknown): FleetConfigResult {
  const result = fleetConfigSchema.safeParse(document);
  if (!result.success) {
    return { ok: false, problems: result.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`) };
  }
  const problems = semanticProblems(result.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: result.data };
}

function semanticProblems(config: FleetConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  config.services.forEach((svc, i) => {
    const key = `${svc.namespace}/${svc.name}`;
    if (seen.has(key)) problems.push(`services.${i}: duplicate service ${key}`);
    seen.add(key);
    const paths = new Set<string>();
    svc.pinnedPaths.forEach((p, j) => {
      if (paths.has(p.path)) problems.push(`services.${i}.pinnedPaths.${j}.path: duplicate path ${p.path}`);
      paths.add(p.path);
    });
    const weights = Object.values(svc.regionWeights);
    if (svc.defaultWeight === 0 && weights.every((w) => w === 0)) {
      problems.push(`services.${i}: every weight is 0 (defaultWeight and regionWeights): the default rule would send no traffic`);
    }
    if (weights.length > 16)
      problems.push(`services.${i}.regionWeights: ${weights.length} regions exceed the 16 backendRefs a rule can hold`);
    // One default rule plus one rule per pinned path; Gateway API allows 16 rules per route.
    if (svc.pinnedPaths.length + 1 > 16)
      problems.push(
        `services.${i}.pinnedPaths: ${svc.pinnedPaths.length} pinned paths exceed the 15 an HTTPRoute can hold beside its default rule`,
      );
  });
  return problems;
}

/** JSON Schema of the configuration, for editors. */
export function fleetConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(fleetConfigSchema, { io: 'input' });
}
