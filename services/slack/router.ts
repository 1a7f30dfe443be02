/**
 * The Slack endpoints, mounted at `/slack`: `POST /slack/commands` (slash commands) and `POST
 * /slack/interactions` (clicks on an approval's buttons). Each reads the raw body under a limit and
 * verifies Slack's signature before anything is parsed; a command is handed to
 * {@link handleCommand}, a click to {@link handleInteraction}; both answer within Slack's 3 s.
 */
import { Hono, type Context } from 'hono';
import { ApiError } from '../http-errors.ts';
import { DEFAULT_SLACK_MAX_BODY_BYTES, type SlackDeps } from './deps.ts';
import { handleCommand } from './handle.ts';
import { handleInteraction, parseInteraction } from './interaction.ts';
import { readLimitedBody } from '../read-body.ts';
import { allowedResponseUrl, parseSlackForm } from './request.ts';
import { describeSlackRejection, verifySlackRequest } from './verify.ts';

/** Creates the router; every answer that Slack shows the user is a 200 with `{response_type, text}`. */
export function slackRouter(deps: SlackDeps): Hono {
  const router = new Hono();
  router.post('/commands', async (c) => {
    const { rawBody, signature } = await verified(deps, c);
    const form = parseSlackForm(rawBody);
    const responseUrl = allowedResponseUrl(form.responseUrl, deps.responseUrlPrefixes);
    return c.json(await handleCommand(deps, { ...form, responseUrl, signature }), 200);
  });
  router.post('/interactions', async (c) => {
    const { rawBody, signature } = await verified(deps, c);
    await handleInteraction(deps, parseInteraction(rawBody, deps.responseUrlPrefixes), signature);
    // An empty 200 acknowledges the click; the message changes when the decision is made.
    return c.body(null, 200);
  });
  return router;
}

/** The raw body and signature of a request Slack signed; 401 for anything else. */
async function verified(deps: SlackDeps, c: Context): Promise<{ rawBody: Uint8Array; signature: string }> {
  const signingSecret = deps.signingSecret;
  if (!signingSecret) throw new ApiError(401, 'unauthenticated', 'slack commands are not configured');
  const rawBody = await readLimitedBody(c.req.raw, deps.maxBodyBytes ?? DEFAULT_SLACK_MAX_BODY_BYTES);
  const signature = c.req.header('x-slack-signature');
  const timestamp = c.req.header('x-slack-request-timestamp');
  const verdict = verifySlackRequest({ signingSecret, signature, timestamp, rawBody, now: deps.clock.now() });
  if (!verdict.ok || signature === undefined) {
    const reason = verdict.ok ? 'missing-signature' : verdict.reason;
    deps.log.warn('slack request rejected', { component: 'slack', reason });
    throw new ApiError(401, 'unauthenticated', describeSlackRejection(reason));
  }
  return { rawBody, signature };
}
