/**
 * The `approvals` and `failover` sections of the fleet configuration: which actions need a second
 * person's approval, how long a request waits for one, and whether alerts drain on their own
 * (`auto`) or only propose a drain for a person to approve (`propose`).
 */
import { z } from 'zod';

/** Actions a rule can name: a manual drain, an offboarding, a drain that overrides a guard. */
export const APPROVAL_ACTIONS = ['drain', 'offboard', 'override'] as const;
/** One of {@link APPROVAL_ACTIONS}. */
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

/** One rule: the action needs approval (when its condition holds; always without one). */
export const approvalRuleSchema = z
  .object({
    action: z.enum(APPROVAL_ACTIONS),
    when: z
      .object({
        /** A drain needs approval when it moves more than this share of some service's traffic (0–1). */
        trafficShareAbove: z.number().min(0).max(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => r.when === undefined || r.action === 'drain', { message: 'only drain rules take when.trafficShareAbove' });

/** The `approvals` section (absent: nothing needs approval). */
export const approvalsSchema = z
  .object({
    rules: z.array(approvalRuleSchema).max(20).default([]),
    /** How long a request waits for its approval; approved later, it does nothing. */
    expireAfterSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(900),
  })
  .strict()
  .prefault({});

/** The `failover` section: `auto` drains on alerts (the default); `propose` asks a person first. */
export const failoverSchema = z
  .object({ mode: z.enum(['auto', 'propose']).default('auto') })
  .strict()
  .prefault({});

/** The validated `approvals` section. */
export type ApprovalsPolicy = z.output<typeof approvalsSchema>;
/** One approval rule. */
export type ApprovalRule = ApprovalsPolicy['rules'][number];
