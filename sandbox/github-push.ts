/**
 * Sends a GitHub `push` webhook for a commit of the sandbox repository, signed with the webhook
 * secret exactly as GitHub signs it (HMAC-SHA256 of the raw body).
 */
import { createHmac, randomUUID } from 'node:crypto';

/** What the sandbox's webhook receiver answered. */
export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Posts a signed push event. */
export async function sendGithubPush(opts: {
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
}): Promise<WebhookAnswer> {
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
