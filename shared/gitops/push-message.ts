/**
 * The message the webhook receiver publishes on the git-pushes topic after checking the
 * signature: which repository and branch moved to which commit, and who pushed it.
 */
import { z } from 'zod';
import { COMMIT_ID } from './provider-http.ts';

/** The Git hosts a push can come from (`local` is the sandbox's repository). */
export const GIT_PROVIDERS = ['github', 'gitlab', 'local'] as const;

/** The schema of a git-push message. */
export const gitPushMessageSchema = z.object({
  provider: z.enum(GIT_PROVIDERS),
  repository: z.string().min(1).max(512),
  branch: z.string().min(1).max(256),
  commit: z
    .string()
    .regex(COMMIT_ID, 'must be a commit id (7-40 or 64 hexadecimal digits)')
    .refine((c) => !/^0+$/.test(c), 'is the all-zero id of a deleted branch: nothing to apply'),
  /** The commit the branch pointed at before (recorded; the branch history decides, not this chain). */
  before: z.string().max(64).optional(),
  /** The provider said the push rewrote the branch (GitHub's `forced`; recorded, the history decides). */
  forced: z.boolean().optional(),
  /** The webhook delivery id (`X-GitHub-Delivery`, GitLab's `X-Gitlab-Event-UUID`). */
  deliveryId: z.string().min(1).max(256),
  pusher: z.string().min(1).max(256),
  /** When the receiver accepted the delivery (informational). */
  receivedAt: z.string().optional(),
});

/** A git-push message. */
export type GitPushMessage = z.output<typeof gitPushMessageSchema>;

/** Validates a decoded message; the reason lists every problem with its field. */
export function parseGitPushMessage(payload: unknown): { ok: true; message: GitPushMessage } | { ok: false; reason: string } {
  const result = gitPushMessageSchema.safeParse(payload);
  if (result.success) return { ok: true, message: result.data };
  return { ok: false, reason: result.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ') };
}
