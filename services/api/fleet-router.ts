/** Read-only views: the fleet (clusters, regions) and each service's rendered vs live HTTPRoute. */
import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { apiRouter, bearer, commonErrors, jsonOk } from './openapi-kit.ts';
import { RoutePreviewSchema } from './schemas.ts';

const nullable = z.string().nullable();

const ClusterSchema = z
  .object({
    projectId: z.string(),
    location: z.string(),
    name: z.string(),
    region: z.string(),
    kind: z
      .enum(['gke', 'attached'])
      .openapi({ description: 'gke: in the Container API; attached: an attached or on-prem cluster reached through Connect Gateway' }),
    phase: z.enum(['onboarding', 'onboarded', 'leaving', 'removed', 'skipped', 'failed', 'not-onboarded']),
    reason: nullable,
    status: nullable.openapi({ description: 'Container API status of a GKE cluster; the membership state of an attached cluster' }),
    membership: nullable,
    membershipState: nullable,
    updatedAt: nullable,
    operationId: nullable,
  })
  .openapi('Cluster');

const RegionSchema = z
  .object({
    region: z.string(),
    serving: z.boolean(),
    drained: z.boolean(),
    cause: z.enum(['alert', 'manual']).nullable(),
    since: nullable,
    restoreAt: nullable,
    frozenUntil: nullable,
    clusters: z.array(z.string()),
    openIncidents: z.array(z.object({ incidentId: z.string(), region: z.string(), openedAt: z.string(), closedAt: z.string().optional() })),
    manualHold: z
      .object({
        id: z.string(),
        region: z.string(),
        action: z.enum(['drain', 'restore']),
        at: z.string(),
        by: z.string(),
        reason: z.string(),
        overrideGuards: z.array(z.string()).optional(),
      })
      .nullable(),
    override: nullable.openapi({ description: 'The guard the manual drain holding the region overrode (break glass)' }),
    ramp: z
      .object({ percent: z.number(), nextStepAt: z.string() })
      .nullable()
      .openapi({ description: 'A restored or newly joined region coming back in steps (safety.ramp)' }),
    waitingForCapacity: nullable.openapi({ description: 'Why the capacity guard holds an alert drain of the region back' }),
    partial: z.object({ percent: z.number(), reason: z.string() }).nullable().openapi({
      description: 'An alert drain applied in part (safety.capacity.mode: partial): the percent of its weight the region keeps, and why',
    }),
    traffic: z.record(z.string(), z.number()),
  })
  .openapi('Region');

const FleetSchema = z.object({ clusters: z.array(ClusterSchema), regions: z.array(RegionSchema), observedAt: z.string() }).openapi('Fleet');

const get = <T extends z.ZodType>(path: string, summary: string, schema: T) =>
  createRoute({
    method: 'get',
    path,
    summary,
    security: bearer,
    middleware: [requireRole('viewer')] as const,
    responses: { ...jsonOk(schema, summary), ...commonErrors },
  });

const PreflightSchema = z
  .object({
    ok: z.boolean(),
    checkedAt: z.string(),
    checks: z.array(
      z.object({
        name: z.string().openapi({ example: 'iam:mcs-importer' }),
        ok: z.boolean(),
        detail: z.string(),
        fix: z.string().optional().openapi({ description: 'The command that makes the prerequisite hold' }),
      }),
    ),
  })
  .openapi('Preflight');

/** `GET /v1/fleet`, `/v1/fleet/clusters`, `/v1/fleet/regions`, `/v1/fleet/preflight`. */
export function fleetRouter(deps: ApiDeps) {
  const app = apiRouter();
  app.openapi(get('/', 'Clusters and regions of the fleet', FleetSchema), async (c) => c.json(await deps.ops.fleet(), 200));
  app.openapi(
    get('/clusters', 'Clusters with membership state, region and onboarding phase', z.object({ clusters: z.array(ClusterSchema) })),
    async (c) => c.json({ clusters: (await deps.ops.fleet()).clusters }, 200),
  );
  app.openapi(
    get('/regions', 'Regions with serving/drained state, open incidents and manual holds', z.object({ regions: z.array(RegionSchema) })),
    async (c) => c.json({ regions: (await deps.ops.fleet()).regions }, 200),
  );
  app.openapi(
    get(
      '/preflight',
      "The fleet's prerequisites: APIs, the MCS importer's IAM binding, features, Gateway API, RBAC in members",
      PreflightSchema,
    ),
    async (c) => c.json(await deps.ops.preflight(), 200),
  );
  return app;
}

/** `GET /v1/routes`: for each service, the rendered HTTPRoute, the live one and the difference. */
export function routesRouter(deps: ApiDeps) {
  const app = apiRouter();
  app.openapi(get('/', 'Rendered vs live HTTPRoute of every service', z.object({ routes: z.array(RoutePreviewSchema) })), async (c) =>
    c.json({ routes: await deps.ops.routes() }, 200),
  );
  return app;
}
