/**
 * Sends a GitHub `push` webhook for a commit of the sandbox repository, signed with the webhook
 * secret exactly as GitHub signs it (HMAC-SHA256 of the raw body).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { CONFIG_PATH, SANDBOX_REPOSITORY } from './gitops-repo.ts';

/** What the sandbox's webhook receiver answered. */
export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One push event, as GitHub describes it. */
export interface GithubPush {
  url: string;
  secret: string;
  repository: string;
  branch: string;
  commit: string;
  before: string;
  files: string[];
  pusher: string;
  deliveryId?: string;
  /** A force-push (the branch was rewritten or moved back); GitHub then says `forced: true`. */
  forced?: boolean;
}

/**
 * The usual push: a commit to the sandbox repository's `main` that changes the fleet configuration,
 * sent to the receiver at `servicesUrl`. `extra` overrides any field (another branch, file, secret…).
 */
export function sendConfigPush(
  servicesUrl: string,
  secret: string,
  change: { commit: string; before: string },
  pusher: string,
  extra: Partial<GithubPush> = {},
): Promise<WebhookAnswer> {
  return sendGithubPush({
    url: `${servicesUrl}/webhooks/github`,
    secret,
    repository: SANDBOX_REPOSITORY,
    branch: 'main',
    files: [CONFIG_PATH],
    pusher,
    ...change,
    ...extra,
  });
}

/** Posts a signed push event. */
export async function sendGithubPush(opts: GithubPush): Promise<WebhookAnswer> {
  const body = JSON.stringify({
    ref: `refs/heads/${opts.branch}`,
    before: opts.before,
    after: opts.commit,
    repository: { full_name: opts.repository, name: opts.repository.split('/')[1], owner: { login: opts.repository.split('/')[0] } },
    pusher: { name: opts.pusher, email: `${opts.pusher}@example.com` },
    commits: [{ id: opts.commit, message: 'fleet configuration change', added: [], removed: [], modified: opts.files }],
    head_commit: { id: opts.commit, modified: opts.files },
    deleted: false,
    forced: opts.forced ?? false,
  });
  const signature = `sha256=${createHmac('sha256', opts.secret).update(body).digest('hex')}`;
  const res = await fetch(opts.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': opts.deliveryId ?? randomUUID(),
      'x-hub-signature-256': signature,
      'user-agent': 'GitHub-Hookshot/sandbox',
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
