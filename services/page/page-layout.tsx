/**
 * The fleet page's documents: the sign-in form, the page itself (header, then the live fragment in
 * `<main id="fleet">`), and the fragment alone, which the live stream pushes. Rendered on the
 * server with Hono's JSX, which escapes every text and attribute value.
 */
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Principal } from '../api/principal.ts';
import { PAGE_CSS, PAGE_SCRIPT } from './page-assets.ts';
import type { FleetPageData } from './page-data.ts';
import { Approvals, Drills, Operations, Ramps, Weights } from './fleet-sections.tsx';
import { clockTime } from './page-format.ts';
import { RegionMap } from './region-map.tsx';

/** Where the page and its routes are mounted. */
export const PAGE_PATH = '/fleet';

/** A rendered element as the document's text, with its doctype. */
export async function renderDocument(node: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return `<!doctype html>${await node}`;
}

/** A rendered element as text (the live fragment). */
export async function renderFragment(node: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return `${await node}`;
}

function Document({ title, nonce, live, children }: { title: string; nonce: string; live?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style nonce={nonce} dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
      </head>
      <body data-live={live}>
        {children}
        {live ? <script nonce={nonce} dangerouslySetInnerHTML={{ __html: PAGE_SCRIPT }} /> : null}
      </body>
    </html>
  );
}

/** The sign-in form; `problem` says why the last attempt (or the cookie) was not accepted. */
export function SignInPage({ nonce, problem }: { nonce: string; problem?: string | undefined }) {
  return (
    <Document title="fleetpilot · sign in" nonce={nonce}>
      <header>
        <h1>fleetpilot · fleet</h1>
      </header>
      <form class="sign-in" method="post" action={`${PAGE_PATH}/sign-in`}>
        <p>
          Sign in with an API token (role viewer or above) or a Google ID token for this service. It is kept in an HttpOnly cookie that only
          this page receives.
        </p>
        {problem ? (
          <p class="error" role="alert" data-sign-in-problem>
            {problem}
          </p>
        ) : null}
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" required maxlength={8192} />
        <button type="submit">Sign in</button>
      </form>
    </Document>
  );
}

/** The whole page for `principal`. */
export function FleetPage({ data, principal, nonce }: { data: FleetPageData; principal: Principal; nonce: string }) {
  const observedAt = data.fleet.observedAt;
  return (
    <Document title="fleetpilot · fleet" nonce={nonce} live={`${PAGE_PATH}/live`}>
      <header>
        <h1>fleetpilot · fleet</h1>
        <div class="meta">
          {principal.id} ({principal.role}) · read at{' '}
          <time id="observed-at" datetime={observedAt}>
            {clockTime(observedAt, new Date(observedAt))}
          </time>{' '}
          ·{' '}
          <span id="live-status" data-live="connecting">
            connecting…
          </span>{' '}
          ·{' '}
          <form method="post" action={`${PAGE_PATH}/sign-out`}>
            <button type="submit">Sign out</button>
          </form>
        </div>
      </header>
      <main id="fleet">
        <FleetFragment data={data} />
      </main>
    </Document>
  );
}

/** The part of the page the live stream replaces. */
export function FleetFragment({ data }: { data: FleetPageData }) {
  const now = new Date(data.fleet.observedAt);
  return (
    <>
      <section class="panel" id="regions">
        <h2>Regions</h2>
        <RegionMap fleet={data.fleet} drills={data.drills} now={now} />
      </section>
      <Weights routes={data.routes} regions={data.fleet.regions} />
      <div class="columns">
        <Ramps regions={data.fleet.regions} now={now} />
        <Approvals approvals={data.approvals} now={now} />
      </div>
      <div class="columns">
        <Drills drills={data.drills} now={now} />
        <Operations operations={data.operations} now={now} />
      </div>
    </>
  );
}
