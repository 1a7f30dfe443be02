/**
 * The fleet page's sections besides the map: weights per service (rendered and live), ramps in
 * progress, drills (running and recent), pending approvals and the last operations with their
 * plans. Elements carry `data-*` attributes naming what they show, for scripts and tests.
 */
import { describeReport, isActiveDrill, type DrillRecord } from '../../shared/drills/index.ts';
import type { RegionView } from '../../shared/ops/fleet-view.ts';
import { regionalServiceName } from '../../shared/routing/index.ts';
import type { RoutePreview } from '../../shared/routing/fleet-plan.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import type { PendingApproval } from './page-data.ts';
import { clockTime, percent } from './page-format.ts';

/** Ended drills shown below the running ones. */
const RECENT_DRILLS = 5;
/** Plan lines shown per operation. */
const PLAN_LINES = 20;

const At = ({ iso, now }: { iso: string; now: Date }) => <time datetime={iso}>{clockTime(iso, now)}</time>;

/** Each service's default-rule shares by backend: what fleetpilot renders and what the Gateway has. */
export function Weights({ routes, regions }: { routes: RoutePreview[]; regions: RegionView[] }) {
  return (
    <section class="panel" id="weights">
      <h2>Weights per service</h2>
      {routes.length === 0 ? <p class="empty">No service is configured.</p> : null}
      {routes.map((route) => {
        const regionOf = new Map(regions.map((r) => [regionalServiceName(route.service, r.region), r.region]));
        const backends = [...new Set([...Object.keys(route.shares.rendered), ...Object.keys(route.shares.live)])].sort();
        return (
          <table class="weights" data-service={route.service}>
            <caption>
              {route.service} <small>({route.namespace})</small>
              {route.diff.length > 0 ? <span class="warn"> · {route.diff.length} change(s) not yet live</span> : null}
              {route.problems.length > 0 ? <span class="warn"> · {route.problems.join('; ')}</span> : null}
            </caption>
            <thead>
              <tr>
                <th>backend</th>
                <th>region</th>
                <th>rendered</th>
                <th>live</th>
              </tr>
            </thead>
            <tbody>
              {backends.map((backend) => (
                <tr data-backend={backend} data-region-of={regionOf.get(backend)}>
                  <td>{backend}</td>
                  <td>{regionOf.get(backend) ?? ''}</td>
                  <td>{percent(route.shares.rendered[backend] ?? 0)}</td>
                  <td>
                    <meter min={0} max={1} value={route.shares.live[backend] ?? 0} /> {percent(route.shares.live[backend] ?? 0)}
                  </td>
                </tr>
              ))}
              {backends.length === 0 ? (
                <tr>
                  <td colspan={4} class="empty">
                    no default rule
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        );
      })}
    </section>
  );
}

/** Regions coming back in steps (`safety.ramp`). */
export function Ramps({ regions, now }: { regions: RegionView[]; now: Date }) {
  const ramping = regions.filter((r) => r.ramp);
  return (
    <section class="panel" id="ramps">
      <h2>Ramp in progress</h2>
      {ramping.length === 0 ? <p class="empty">No region is ramping back.</p> : null}
      <ul>
        {ramping.map((r) => (
          <li data-ramp-region={r.region} data-ramp-percent={String(r.ramp!.percent)}>
            {r.region}: back at {r.ramp!.percent}% of its weight, next step at <At iso={r.ramp!.nextStepAt} now={now} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Running drills, then the latest ended ones. */
export function Drills({ drills, now }: { drills: DrillRecord[]; now: Date }) {
  const running = drills.filter(isActiveDrill);
  const recent = drills.filter((d) => !isActiveDrill(d)).slice(0, RECENT_DRILLS);
  return (
    <section class="panel" id="drills">
      <h2>Drills</h2>
      <h3>Running</h3>
      {running.length === 0 ? <p class="empty">No drill is running.</p> : null}
      <ul class="drills">
        {running.map((d) => (
          <DrillItem drill={d} now={now} />
        ))}
      </ul>
      <h3>Recent</h3>
      {recent.length === 0 ? <p class="empty">No drill yet.</p> : null}
      <ul class="drills">
        {recent.map((d) => (
          <DrillItem drill={d} now={now} />
        ))}
      </ul>
    </section>
  );
}

function DrillItem({ drill, now }: { drill: DrillRecord; now: Date }) {
  return (
    <li data-drill={drill.id} data-drill-state={drill.state} data-drill-region={drill.region}>
      <strong>{drill.region}</strong> <span class={`badge drill-${drill.state}`}>{drill.state}</span> {drill.durationSeconds} s, by{' '}
      {drill.requestedBy}: {drill.reason}
      <br />
      <small>
        requested <At iso={drill.requestedAt} now={now} />
        {isActiveDrill(drill) ? (
          <>
            , restore due <At iso={drill.restoreDueAt} now={now} />
          </>
        ) : null}
        {drill.endedAt ? (
          <>
            , ended <At iso={drill.endedAt} now={now} />
          </>
        ) : null}
        {drill.endReason ? ` — ${drill.endReason}` : ''}
      </small>
      {drill.report ? (
        <details data-key={`drill:${drill.id}`}>
          <summary>report</summary>
          <ul>
            {describeReport(drill.region, drill.report).map((line) => (
              <li>{line}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </li>
  );
}

/** Approvals waiting for a second person; `undefined` when the deployment has none configured. */
export function Approvals({ approvals, now }: { approvals: PendingApproval[] | undefined; now: Date }) {
  return (
    <section class="panel" id="approvals" data-approvals={approvals ? 'enabled' : 'disabled'}>
      <h2>Pending approvals</h2>
      {!approvals ? <p class="empty">Approvals are not enabled in this deployment.</p> : null}
      {approvals?.length === 0 ? <p class="empty">No approval is waiting.</p> : null}
      <ul>
        {(approvals ?? []).map((a) => (
          <li data-approval={a.id} data-action={a.action}>
            <strong>{a.action}</strong> {a.subject}, requested by {a.requestedBy}, expires <At iso={a.expiresAt} now={now} />
            <br />
            <small>{a.summary}</small>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The latest operations with their plans. */
export function Operations({ operations, now }: { operations: OperationRecord[]; now: Date }) {
  return (
    <section class="panel" id="operations">
      <h2>Last operations</h2>
      {operations.length === 0 ? <p class="empty">No operation yet.</p> : null}
      <ul class="operations">
        {operations.map((op) => (
          <li data-operation={op.id} data-kind={op.kind} data-result={op.result ?? 'running'}>
            <At iso={op.startedAt} now={now} /> <strong>{op.kind}</strong> {op.subject}{' '}
            <span class={`badge result-${op.result ?? 'running'}`}>{op.result ?? 'running'}</span> <small>by {op.principal}</small>
            {op.reason ? <div class="reason">{op.reason}</div> : null}
            {op.plan.length > 0 ? (
              <details data-key={`operation:${op.id}`}>
                <summary>
                  plan ({op.plan.length} {op.plan.length === 1 ? 'line' : 'lines'})
                </summary>
                <ul>
                  {op.plan.slice(0, PLAN_LINES).map((line) => (
                    <li>{line}</li>
                  ))}
                  {op.plan.length > PLAN_LINES ? (
                    <li>
                      … {op.plan.length - PLAN_LINES} more: GET /v1/operations/{op.id}
                    </li>
                  ) : null}
                </ul>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
