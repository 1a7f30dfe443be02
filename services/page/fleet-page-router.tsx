/**
 * The live fleet page (`/fleet`), for viewers and above: `GET /fleet` renders the whole page on the
 * server; `GET /fleet/live` is a stream of server-sent events that pushes the re-rendered fragment
 * when it changed (every {@link LIVE_REFRESH_MS} the data is read, once per instance however many
 * pages are open); `POST /fleet/sign-in` and `/fleet/sign-out` set and clear the cookie the page
 * authenticates with (see page-auth.ts). Each stream ends after {@link LIVE_STREAM_MS} and the
 * browser reconnects, so a revoked token stops the updates within that time, a request stays far
 * below Cloud Run's timeout, and a shutdown never waits longer for it.
 */
import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { NONCE, secureHeaders, type SecureHeadersVariables } from 'hono/secure-headers';
import { streamSSE } from 'hono/streaming';
import { ApiError } from '../http-errors.ts';
import type { AuthVariables } from '../api/auth.ts';
import { rateLimit } from '../api/rate-limit.ts';
import { clearSessionCookie, pageAuth, pagePrincipal, postedToken, requireSameOrigin, setSessionCookie } from './page-auth.ts';
import { readFleetPageData, sharedReader, type FleetPageDeps } from './page-data.ts';
import { FleetFragment, FleetPage, PAGE_PATH, renderDocument, renderFragment, SignInPage } from './page-layout.tsx';
import { documentFleetPage } from './page-openapi.ts';

/** How often a live stream reads the fleet. */
export const LIVE_REFRESH_MS = 2_000;
/** How long one live stream lasts before the browser reconnects. */
export const LIVE_STREAM_MS = 15_000;
/** How long the browser waits before it reconnects. */
const LIVE_RETRY_MS = 1_000;
/** The largest sign-in body read (an ID token is about 1 KiB). */
const SIGN_IN_MAX_BYTES = 16 * 1024;

type PageEnv = { Variables: AuthVariables & SecureHeadersVariables };

/** Mounts the page at {@link PAGE_PATH} on `app` and documents its routes in the OpenAPI document. */
export function mountFleetPage(app: OpenAPIHono, deps: FleetPageDeps): void {
  app.route(PAGE_PATH, fleetPageRouter(deps));
  documentFleetPage(app.openAPIRegistry, PAGE_PATH);
}

/** The page's routes, relative to {@link PAGE_PATH}. */
export function fleetPageRouter(deps: FleetPageDeps): Hono<PageEnv> {
  const router = new Hono<PageEnv>();
  // One read per interval for all the streams of this instance (a little younger than the interval, so each tick reads anew).
  const live = sharedReader(() => readFleetPageData(deps), deps.clock, LIVE_REFRESH_MS - 500);
  router.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: [NONCE],
        styleSrc: [NONCE],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      xFrameOptions: 'DENY',
      // Not no-referrer: with it Chromium sends `Origin: null` on the page's own form posts.
      referrerPolicy: 'same-origin',
    }),
  );
  const nonce = (c: Context<PageEnv>) => c.get('secureHeadersNonce') ?? '';
  const signIn = async (c: Context<PageEnv>, status: 200 | 400 | 401 | 403, problem?: string) =>
    c.html(await renderDocument(<SignInPage nonce={nonce(c)} problem={problem} />), status, { 'Cache-Control': 'no-store' });

  router.get(
    '/',
    pageAuth(deps.auth, (c: Context<PageEnv>, error, hadCredential) =>
      hadCredential ? signIn(c, error.status as 401 | 403, `Not signed in: ${error.message}.`) : signIn(c, 401),
    ),
    rateLimit(deps.limiter),
    async (c) => {
      const data = await readFleetPageData(deps);
      const page = <FleetPage data={data} principal={c.get('principal')} nonce={nonce(c)} />;
      return c.html(await renderDocument(page), 200, { 'Cache-Control': 'no-store' });
    },
  );

  router.get('/live', pageAuth(deps.auth), rateLimit(deps.limiter), (c) =>
    streamSSE(
      c,
      async (stream) => {
        // A reconnecting browser says what it has: the same fragment is not sent again.
        let sent = c.req.header('last-event-id');
        await stream.writeSSE({ event: 'hello', data: 'live', retry: LIVE_RETRY_MS });
        for (let elapsed = 0; elapsed < LIVE_STREAM_MS && !stream.aborted; elapsed += LIVE_REFRESH_MS) {
          if (elapsed > 0) await stream.sleep(LIVE_REFRESH_MS);
          if (stream.aborted) break;
          try {
            const data = await live();
            const html = await renderFragment(<FleetFragment data={data} />);
            const id = createHash('sha256').update(html).digest('base64url').slice(0, 22);
            if (id !== sent) await stream.writeSSE({ event: 'fleet', id, data: html });
            sent = id;
            await stream.writeSSE({ event: 'observed', data: data.fleet.observedAt });
          } catch (error) {
            deps.log.warn('fleet page read failed', { component: 'fleet-page', error });
            await stream.writeSSE({ event: 'problem', data: 'the fleet could not be read; retrying' });
          }
        }
        await stream.writeSSE({ event: 'end', data: 'reconnect' });
      },
      async (error) => deps.log.error('fleet page stream failed', { component: 'fleet-page', error }),
    ),
  );

  router.post(
    '/sign-in',
    bodyLimit({
      maxSize: SIGN_IN_MAX_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `sign-in bodies are limited to ${SIGN_IN_MAX_BYTES} bytes`);
      },
    }),
    async (c) => {
      requireSameOrigin(c, 'a sign-in');
      const posted = postedToken(await c.req.parseBody());
      if ('problem' in posted) return signIn(c, 400, posted.problem);
      let principal;
      try {
        principal = await pagePrincipal(deps.auth, `Bearer ${posted.token}`);
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403))
          return signIn(c, error.status, `Not signed in: ${error.message}.`);
        throw error;
      }
      setSessionCookie(c, posted.token, PAGE_PATH);
      deps.log.info('fleet page sign-in', { component: 'fleet-page', principal: principal.id, role: principal.role, via: principal.via });
      return c.redirect(PAGE_PATH, 303);
    },
  );

  router.post('/sign-out', (c) => {
    requireSameOrigin(c, 'a sign-out');
    clearSessionCookie(c, PAGE_PATH);
    return c.redirect(PAGE_PATH, 303);
  });
  return router;
}
