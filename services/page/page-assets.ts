/**
 * The fleet page's style sheet and its one script, inlined in the page under the response's CSP
 * nonce (no build step, no second request). The script follows `/fleet/live` (server-sent events):
 * `fleet` replaces the page's fragment (open `<details>` stay open), `observed` updates the time of
 * the last read, `problem` says a read failed; when the server ends a stream on purpose (`end`)
 * the browser reconnects by itself, and a refusal (signed out, token revoked) stops the updates and
 * says so.
 */

/** The style sheet. */
export const PAGE_CSS = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --part: #bf8700; --muted: #6e7781; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; padding: 0 1.25rem 2rem; }
body > header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1.25rem; padding: .75rem 0; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: .5rem 0 .25rem; }
small, .muted, .empty { color: var(--muted); }
.meta { margin: 0; color: var(--muted); }
.meta form { display: inline; }
[data-live="open"] { color: var(--ok); }
[data-live="problem"], [data-live="closed"] { color: var(--bad); }
.panel { margin-top: 1.25rem; }
.map { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); gap: .75rem; }
.region { border: 2px solid var(--line); border-radius: .5rem; padding: .6rem .8rem; }
.region header { display: flex; justify-content: space-between; align-items: baseline; }
.region h3 { margin: 0; }
.state-serving { border-color: var(--ok); }
.state-drained { border-color: var(--bad); border-style: dashed; }
.state-partial { border-color: var(--part); }
.state-down { border-color: var(--bad); }
.badge { font-size: .75rem; font-weight: 600; padding: .05rem .45rem; border-radius: 1rem; border: 1px solid currentColor; white-space: nowrap; }
.state-serving .badge, .result-succeeded { color: var(--ok); }
.state-drained .badge, .state-down .badge, .result-failed, .result-refused { color: var(--bad); }
.state-partial .badge, .drill-draining, .drill-restoring, .drill-measuring, .result-running { color: var(--part); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .6rem; margin: .4rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
ul { margin: .25rem 0; padding-left: 1.1rem; }
.clusters, .traffic { list-style: none; padding: 0; }
.clusters .unrouted .name { color: var(--muted); }
meter { width: 6rem; vertical-align: middle; }
table.weights { border-collapse: collapse; margin: 0 1.5rem .75rem 0; display: inline-table; }
.weights caption { text-align: left; font-weight: 600; }
.weights th, .weights td { border-bottom: 1px solid var(--line); padding: .15rem .6rem .15rem 0; text-align: left; }
.warn { color: var(--part); font-weight: normal; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 1.5rem; }
.operations > li, .drills > li { margin-bottom: .4rem; overflow-wrap: anywhere; }
.reason { color: var(--muted); }
form.sign-in { max-width: 32rem; margin-top: 1.5rem; display: grid; gap: .5rem; }
form.sign-in input { font: inherit; padding: .35rem; }
.error { color: var(--bad); }
`;

/** The script that keeps the page live (plain browser JavaScript, no DOM types on the server). */
export const PAGE_SCRIPT = `
(() => {
  const body = document.body;
  const root = document.getElementById('fleet');
  const status = document.getElementById('live-status');
  const observed = document.getElementById('observed-at');
  if (!root || !status || !body.dataset.live) return;
  let updates = 0;
  let planned = false;
  const say = (state, text) => { status.dataset.live = state; status.textContent = text; };
  const source = new EventSource(body.dataset.live);
  source.addEventListener('open', () => { planned = false; say('open', 'live'); });
  source.addEventListener('fleet', (event) => {
    const open = new Set([...root.querySelectorAll('details[open][data-key]')].map((d) => d.dataset.key));
    root.innerHTML = event.data;
    for (const d of root.querySelectorAll('details[data-key]')) if (open.has(d.dataset.key)) d.open = true;
    updates += 1;
    body.dataset.liveUpdates = String(updates);
  });
  source.addEventListener('observed', (event) => {
    const at = new Date(event.data);
    if (!observed || Number.isNaN(at.getTime())) return;
    observed.dateTime = event.data;
    observed.textContent = at.toISOString().slice(11, 19) + 'Z';
    if (status.dataset.live !== 'open') say('open', 'live');
  });
  source.addEventListener('problem', (event) => say('problem', event.data));
  source.addEventListener('end', () => { planned = true; });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) say('closed', 'live updates stopped: reload the page (you may need to sign in again)');
    else if (!planned) say('reconnecting', 'reconnecting…');
  });
})();
`;
