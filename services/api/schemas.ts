/** The API's request and response schemas (zod), from which the OpenAPI document is generated. */
import { z } from '@hono/zod-openapi';
import { OVERRIDABLE_GUARDS } from '../../shared/failover/index.ts';
import { MAX_DRILL_SECONDS } from '../../shared/config/drills-config.ts';
import { MAX_REGION_NAME_LENGTH, REGION_NAME_PATTERN, regionNameProblem } from '../../shared/config/region-name.ts';

const reason = z.string().trim().min(3, 'a reason of at least 3 characters is required').max(500);

const region = z
  .string()
  .superRefine((name, ctx) => {
    const problem = regionNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({
    pattern: REGION_NAME_PATTERN,
    maxLength: MAX_REGION_NAME_LENGTH,
    description: 'A Google Cloud region (asia-northeast1) or an on-prem region name of two or more words (tokyo-onprem)',
  });

/** `{region}` path parameter. */
export const RegionParam = z.object({
  region: region.openapi({ param: { name: 'region', in: 'path' }, example: 'asia-northeast2' }),
});

const dryRun = z.boolean().default(false).openapi({ description: 'Return the plan without applying it' });

/** Body of a manual drain. */
export const DrainBody = z
  .object({
    reason,
    dryRun,
    overrideGuards: z
      .array(z.enum(OVERRIDABLE_GUARDS))
      .min(1)
      .max(OVERRIDABLE_GUARDS.length)
      .optional()
      .openapi({
        description:
          'Break glass (admin only): drain even though these guards refuse it. Recorded on the operation (kind manual-drain-override) and published as that kind',
        example: ['last-serving-region'],
      }),
  })
  .strict()
  .openapi('DrainRequest');

/** Body of a manual restore. */
export const RestoreBody = z.object({ reason, dryRun }).strict().openapi('RestoreRequest');

/** Body of reconcile. */
export const ReconcileBody = z
  .object({ dryRun: z.boolean().default(false) })
  .strict()
  .openapi('ReconcileRequest');

/**
 * A cluster by location and name, or an existing fleet membership: of a GKE cluster, or of an
 * attached or on-prem cluster, which also needs the `region` its traffic is counted in.
 */
export const ClusterBody = z
  .object({
    location: z
      .string()
      .regex(/^[a-z]+-[a-z]+[0-9]+(-[a-z])?$/, 'must be a GKE location such as asia-northeast1-b')
      .optional(),
    name: z
      .string()
      .regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, 'must be a GKE cluster name')
      .optional(),
    membership: z
      .string()
      .regex(/^projects\/[^/]+\/locations\/[^/]+\/memberships\/[^/]+$/, 'must be projects/PROJECT/locations/LOCATION/memberships/ID')
      .optional(),
    region: region.optional().openapi({
      description: "Attached and on-prem memberships only: the region where the cluster's traffic is counted (required to onboard one)",
      example: 'asia-east1',
    }),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine(
    (b) =>
      (b.membership !== undefined) !== (b.location !== undefined && b.name !== undefined) &&
      (b.membership === undefined || (b.location === undefined && b.name === undefined)),
    {
      message: 'give either location and name, or membership',
      path: ['membership'],
    },
  )
  .refine((b) => b.region === undefined || b.membership !== undefined, {
    message: 'region is given only with membership (an attached or on-prem cluster)',
    path: ['region'],
  })
  .openapi('ClusterRequest');

/** Body of `/v1/plan`: the dry run of any mutating call. */
export const PlanBody = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('drain'), region: RegionParam.shape.region, reason }).strict(),
    z.object({ action: z.literal('restore'), region: RegionParam.shape.region, reason }).strict(),
    z.object({ action: z.literal('reconcile') }).strict(),
  ])
  .openapi('PlanRequest');

const Route = z.record(z.string(), z.unknown()).nullable();

/** One service's rendered and live route. */
export const RoutePreviewSchema = z
  .object({
    service: z.string(),
    namespace: z.string(),
    rendered: Route,
    live: Route,
    diff: z.array(z.string()),
    explanation: z.array(z.string()),
    problems: z.array(z.string()),
    shares: z.object({ live: z.record(z.string(), z.number()), rendered: z.record(z.string(), z.number()) }),
    trafficMoved: z.number(),
  })
  .openapi('RoutePreview');

/** An operation record. */
export const OperationSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    trigger: z.record(z.string(), z.unknown()),
    principal: z.string(),
    subject: z.string(),
    region: z.string().optional(),
    cluster: z.string().optional(),
    plan: z.array(z.string()),
    steps: z.array(
      z.object({
        name: z.string(),
        outcome: z.enum(['done', 'unchanged', 'skipped', 'failed']),
        detail: z.string().optional(),
        offsetMs: z.number(),
        elapsedMs: z.number(),
      }),
    ),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "A structured outcome for machines: a drill operation's `drill` (its record with the report)" }),
    result: z.enum(['succeeded', 'skipped', 'refused', 'failed', 'retrying']).optional(),
    reason: z.string().optional(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
  })
  .openapi('Operation');

/** The answer to every mutating call. */
export const ManualResultSchema = z
  .object({
    result: z.enum(['succeeded', 'skipped', 'refused', 'failed', 'planned', 'pending']),
    summary: z.string().openapi({
      example: 'asia-northeast2 drained (manual hold) by oncall@example.com (store: 50% of default traffic moves): bad deploy',
    }),
    plan: z.array(z.string()),
    refusal: z.object({ guard: z.string(), reason: z.string() }).optional(),
    approval: z
      .object({ id: z.string(), expiresAt: z.string(), rule: z.string() })
      .optional()
      .openapi({ description: 'With result pending (HTTP 202): the approval the request waits for' }),
    operation: OperationSchema.optional(),
    routes: z.array(RoutePreviewSchema).optional(),
  })
  .openapi('ManualResult');

const ms = z.number().nullable();
const windowCounts = z.object({ requests: z.number(), toRegion: z.number(), errors: z.number() });

/** A drill's report: times measured from the Gateway's traffic, each an upper bound at its resolution. */
export const DrillReportSchema = z
  .object({
    resolutionSeconds: z.number(),
    timeToDrainMs: ms.openapi({ description: 'Drain asked for → the end of the last sample in which the region still served' }),
    timeToFirstTrafficMs: ms.openapi({ description: 'Restore asked for → the end of the first sample in which the region served again' }),
    timeToRestoreMs: ms.openapi({ description: 'Restore asked for → the region had 90% of its share from before the drill again' }),
    timeToFullWeightMs: ms.openapi({ description: 'Restore asked for → the routes gave the region its whole weight (end of the ramp)' }),
    shareMoved: z.number().nullable().openapi({ description: "The region's share of the requests before the drill" }),
    ramp: z
      .array(z.object({ percent: z.number(), share: z.number().nullable(), requests: z.number() }))
      .optional()
      .openapi({ description: "With safety.ramp: each step's percent of the weight and the region's measured share of requests in it" }),
    before: windowCounts,
    drained: windowCounts,
    after: windowCounts,
    samples: z.number(),
    notes: z.array(z.string()),
  })
  .openapi('DrillReport');

/** A drill record. */
export const DrillSchema = z
  .object({
    id: z.string(),
    region: z.string(),
    reason: z.string(),
    requestedBy: z.string(),
    source: z.enum(['api', 'slack', 'schedule']),
    durationSeconds: z.number(),
    state: z.enum(['draining', 'restoring', 'measuring', 'completed', 'aborted', 'refused']),
    requestedAt: z.string(),
    drainWrittenAt: z.string().optional(),
    restoreDueAt: z.string(),
    restoreRequestedAt: z.string().optional(),
    fullWeightAt: z.string().optional(),
    endedAt: z.string().optional(),
    drainOperationId: z.string().optional(),
    restoreOperationId: z.string().optional(),
    plan: z.array(z.string()),
    guards: z.array(z.object({ guard: z.string(), verdict: z.string() })),
    endReason: z.string().optional(),
    report: DrillReportSchema.optional(),
  })
  .openapi('Drill');

/** Body of `POST /v1/drills`. */
export const DrillBody = z
  .object({
    region: RegionParam.shape.region.openapi({ example: 'asia-northeast2' }),
    durationSeconds: z.number().int().min(1).max(MAX_DRILL_SECONDS).default(600).openapi({
      description: 'How long the region stays drained before the drill restores it (through the ramp, when one is configured)',
    }),
    reason,
    dryRun,
  })
  .strict()
  .openapi('DrillRequest');

/** The answer to `POST /v1/drills`. */
export const DrillStartSchema = ManualResultSchema.extend({ drill: DrillSchema.optional() }).openapi('DrillStart');

/** An approval: a request waiting for (or decided by) a second person. */
export const ApprovalSchema = z
  .object({
    id: z.string(),
    action: z.enum(['drain', 'offboard', 'override']),
    request: z.record(z.string(), z.unknown()).openapi({ description: 'What waits: {type: drain|offboard|alert-drain, …}' }),
    rule: z.string(),
    requestedBy: z.string(),
    requestedAt: z.string(),
    expiresAt: z.string(),
    plan: z.array(z.string()),
    material: z.array(z.string()).openapi({ description: 'The plan lines compared when approving' }),
    summary: z.string(),
    state: z.enum(['pending', 'approving', 'approved', 'denied', 'expired', 'cancelled', 'failed']),
    decidedBy: z.string().optional(),
    decidedAt: z.string().optional(),
    outcome: z.string().optional(),
    operationId: z.string().optional(),
  })
  .openapi('Approval');
