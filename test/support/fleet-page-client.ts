/**
 * A browser's view of the fleet page for unit tests through `app.request()`: the sign-in form's
 * post, the page's cookie, the page as text, a region's box, and the events of the live stream.
 */
import { SESSION_COOKIE } from '../../services/page/page-auth.ts';

/** Anything with the app's `request`. */
export type PageApp = { app: { request: (input: string, init?: RequestInit) => Response | Promise<Response> } };

/** Posts the sign-in form as a browser on `origin` would. */
export function signIn(
  t: PageApp,
  token: string,
  headers: Record<string, string> = { origin: 'http://localhost' },
  url = 'http://localhost/fleet/sign-in',
): Promise<Response> {
  return Promise.resolve(
    t.app.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ token }).toString(),
    }),
  );
}

/** The `name=value` of the page's cookie set by `res`. */
export function sessionCookie(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error(`no ${SESSION_COOKIE} cookie set: ${res.headers.getSetCookie().join(' | ')}`);
  return cookie.split(';')[0]!;
}

export async function page(t: PageApp, headers: Record<string, string>): Promise<{ status: number; html: string; csp: string }> {
  const res = await t.app.request('/fleet', { headers });
  return { status: res.status, html: await res.text(), csp: res.headers.get('content-security-policy') ?? '' };
}

/** The region box of `region` (its opening tag). */
export function regionTag(html: string, region: string): string {
  return new RegExp(`<article [^>]*data-region="${region}"[^>]*>`).exec(html)?.[0] ?? '';
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Reads events from an event stream until `enough` says so (or 10 s pass), then cancels it. */
export async function readEvents(res: Response, enough: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + 10_000;
  try {
    while (!enough(events) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const field = (name: string) => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
        events.push({
          event: field('event')[0] ?? 'message',
          data: field('data').join('\n'),
          ...(field('id')[0] ? { id: field('id')[0] } : {}),
        });
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}
