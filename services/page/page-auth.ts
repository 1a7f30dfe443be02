/**
 * How the fleet page knows its caller. A browser cannot send `Authorization` on a navigation, so
 * the sign-in form posts a token once (an API token or a Google ID token, checked exactly as the
 * API checks it) and gets it back as an HttpOnly, SameSite=Strict cookie scoped to the page's path
 * (Secure when the request came over https). The page and its live stream then authenticate from
 * an `Authorization: Bearer` header when there is one, else from that cookie. The token never
 * appears in a URL, a page or a log line. The sign-in and sign-out posts must come from the
 * page's own origin (`Sec-Fetch-Site: same-origin`, or without it an `Origin` of this host), so
 * another site cannot sign a browser in or out.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { ApiError } from '../http-errors.ts';
import { requireGrant, resolvePrincipal, type AuthDeps, type AuthVariables } from '../api/auth.ts';
import type { Principal } from '../api/principal.ts';

/** The cookie holding the page's credential. */
export const SESSION_COOKIE = 'fleetpilot_page_token';
/** How long the browser keeps it (a Google ID token expires sooner: then the page asks again). */
export const SESSION_MAX_AGE_SECONDS = 12 * 3600;
/** What a token may look like: an API token (`fpt_` and base64url) or a JWT (base64url parts). */
const TOKEN = /^[A-Za-z0-9_.-]{1,8192}$/;

/** The request's credential as an `Authorization` value: its bearer header, else the page's cookie. */
export function credentialOf(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (header) return header;
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? `Bearer ${cookie}` : undefined;
}

/** The caller of `authorization`, who needs the viewer role (or above); throws the API's 401 or 403. */
export async function pagePrincipal(auth: AuthDeps, authorization: string | undefined): Promise<Principal> {
  const principal = await resolvePrincipal(auth, authorization);
  requireGrant(principal, 'viewer', 'the fleet page');
  return principal;
}

/**
 * Middleware: sets `principal` from the bearer header or the cookie. Without an acceptable
 * credential, `refuse` answers (the page shows the sign-in form); without `refuse` the API's 401 or
 * 403 is thrown.
 */
export function pageAuth(
  auth: AuthDeps,
  refuse?: (c: Context, error: ApiError, hadCredential: boolean) => Response | Promise<Response>,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const credential = credentialOf(c);
    try {
      c.set('principal', await pagePrincipal(auth, credential));
    } catch (error) {
      if (refuse && error instanceof ApiError && (error.status === 401 || error.status === 403))
        return refuse(c, error, credential !== undefined);
      throw error;
    }
    await next();
  };
}

/** The token posted by the sign-in form, or why it is not one. */
export function postedToken(form: Record<string, unknown>): { token: string } | { problem: string } {
  const value = typeof form.token === 'string' ? form.token.trim() : '';
  if (value === '') return { problem: 'Paste a token to sign in.' };
  if (!TOKEN.test(value))
    return { problem: 'That is not a token: an API token starts with fpt_, a Google ID token has three dot-separated parts.' };
  return { token: value };
}

/**
 * Whether a state-changing request comes from a page of this origin: `Sec-Fetch-Site` when the
 * browser sends it (scripts cannot set it), else `Origin`, compared by host (TLS may end in front
 * of the service). A request with neither is refused: browsers send at least one on a POST.
 */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return false;
  try {
    return new URL(origin).host === new URL(c.req.url).host;
  } catch {
    return false;
  }
}

/** Throws 403 unless {@link sameOrigin}. */
export function requireSameOrigin(c: Context, what: string): void {
  if (!sameOrigin(c))
    throw new ApiError(403, 'permission_denied', `${what} must come from the fleet page itself (Origin of another site, or none)`);
}

/** Whether the browser reached the service over https (directly, or through Cloud Run's or a load balancer's front end). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

/** Sets the page's cookie to `token` for the path `path`. */
export function setSessionCookie(c: Context, token: string, path: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    path,
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
}

/** Removes the page's cookie. */
export function clearSessionCookie(c: Context, path: string): void {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: 'Strict', secure: isHttps(c), path });
}
