/**
 * The Slack result poster the service is built with (services/operations-deps.ts), against real
 * loopback servers: it posts the result as JSON to the response URL and never follows a redirect
 * (a 307 would re-send the result, to wherever the redirect points).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServiceEnv } from '../../services/config.ts';
import { buildOperations } from '../../services/operations-deps.ts';
import { memoryFleet } from '../support/memory-fleet.ts';
import { memoryProjectApis } from '../support/memory-project-apis.ts';

interface Received {
  method: string;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A loopback server answering `status` (with `headers`), keeping every request it received. */
async function serve(status: number, headers: Record<string, string> = {}) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', body });
      res.writeHead(status, headers).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/response`, received };
}

/** The Slack poster exactly as the service builds it. */
function slackPost() {
  const parsed = parseServiceEnv({ FLEETPILOT_GITOPS_REPOSITORY: 'acme/fleet-config' });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const fleet = memoryFleet();
  const { slack } = buildOperations(
    parsed.config,
    fleet.ctx,
    { store: fleet.store, projectApis: memoryProjectApis() },
    { clock: fleet.clock, log: fleet.ctx.log, background: new Set() },
  );
  return (url: string, body: unknown) => slack.post(url, body);
}

describe('posting a Slack result', () => {
  it('posts the result as JSON to the response URL', async () => {
    const slack = await serve(200);
    await slackPost()(slack.url, { response_type: 'ephemeral', text: 'osaka drained' });
    expect(slack.received).toEqual([{ method: 'POST', body: JSON.stringify({ response_type: 'ephemeral', text: 'osaka drained' }) }]);
  });

  it.each([301, 302, 303, 307, 308])('refuses a %i redirect: the result is not sent on to its target', async (status) => {
    const elsewhere = await serve(200);
    const redirecting = await serve(status, { location: elsewhere.url });
    const error = await slackPost()(redirecting.url, { response_type: 'ephemeral', text: 'secret-ish result' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`HTTP ${status}`);
    expect(redirecting.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
  });
});
