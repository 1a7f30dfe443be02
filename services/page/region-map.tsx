/**
 * The map of the fleet: one box per region with its state, why and since when, its clusters and
 * the live share of each service's traffic it receives. Every box carries `data-region` and
 * `data-state` (see {@link RegionPageState}), every cluster `data-cluster` and `data-phase`.
 */
import { isActiveDrill, type DrillRecord } from '../../shared/drills/index.ts';
import type { ClusterView, FleetView, RegionView } from '../../shared/ops/fleet-view.ts';
import { clockTime, percent, regionPageState, type RegionPageState } from './page-format.ts';

/** The regions of `fleet`, those the routes know first, then those that only have clusters; a running drill shows in its region. */
export function RegionMap({ fleet, drills, now }: { fleet: FleetView; drills: DrillRecord[]; now: Date }) {
  const known = new Set(fleet.regions.map((r) => r.region));
  const others = [...new Set(fleet.clusters.map((c) => c.region))].filter((r) => !known.has(r)).sort();
  const clustersOf = (region: string) => fleet.clusters.filter((c) => c.region === region);
  return (
    <div class="map">
      {fleet.regions.map((region) => (
        <RegionBox
          region={region}
          state={regionPageState(region)}
          clusters={clustersOf(region.region)}
          drill={drills.find((d) => d.region === region.region && isActiveDrill(d))}
          now={now}
        />
      ))}
      {others.map((name) => (
        <RegionBox region={undefined} name={name} state="unrouted" clusters={clustersOf(name)} now={now} />
      ))}
    </div>
  );
}

interface RegionBoxProps {
  region: RegionView | undefined;
  name?: string;
  state: RegionPageState;
  clusters: ClusterView[];
  drill?: DrillRecord | undefined;
  now: Date;
}

function RegionBox({ region, name, state, clusters, drill, now }: RegionBoxProps) {
  const id = region?.region ?? name ?? '';
  const routed = new Set(region?.clusters ?? []);
  return (
    <article
      class={`region state-${state}`}
      data-region={id}
      data-state={state}
      data-cause={region?.cause ?? undefined}
      data-ramp-percent={region?.ramp ? String(region.ramp.percent) : undefined}
    >
      <header>
        <h3>{id}</h3>
        <span class="badge">{state}</span>
      </header>
      {region ? <RegionFacts region={region} drill={drill} now={now} /> : <p class="note">no onboarded cluster: not in the routes</p>}
      <ul class="clusters">
        {clusters.map((c) => (
          <li data-cluster={c.name} data-phase={c.phase} class={routed.has(c.name) ? 'routed' : 'unrouted'}>
            <span class="name">{c.name}</span> <small>{[c.phase, c.status ?? 'no status', c.kind].join(' · ')}</small>
          </li>
        ))}
        {clusters.length === 0 ? <li class="empty">no clusters</li> : null}
      </ul>
      {region && Object.keys(region.traffic).length > 0 ? (
        <ul class="traffic">
          {Object.entries(region.traffic).map(([service, share]) => (
            <li data-service={service} data-share={String(share)}>
              <span class="name">{service}</span> <meter min={0} max={1} value={share} /> {percent(share)} <small>of its traffic now</small>
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}

function RegionFacts({ region, drill, now }: { region: RegionView; drill: DrillRecord | undefined; now: Date }) {
  const at = (iso: string) => <time datetime={iso}>{clockTime(iso, now)}</time>;
  const hold = region.manualHold;
  return (
    <dl class="facts">
      {region.cause ? (
        <>
          <dt>cause</dt>
          <dd data-fact="cause">
            {region.cause === 'manual' && hold ? `manual drain by ${hold.by}: ${hold.reason}` : region.cause}
            {region.override ? ` (overrode ${region.override})` : ''}
          </dd>
        </>
      ) : null}
      {region.since ? (
        <>
          <dt>{region.drained ? 'drained since' : 'since'}</dt>
          <dd>{at(region.since)}</dd>
        </>
      ) : null}
      {region.restoreAt ? (
        <>
          <dt>restores at</dt>
          <dd data-fact="restore-at">{at(region.restoreAt)}</dd>
        </>
      ) : null}
      {drill ? (
        <>
          <dt>drill</dt>
          <dd data-fact="drill">
            {drill.state === 'draining' ? (
              <>
                {drill.durationSeconds} s, restores at {at(drill.restoreDueAt)}
              </>
            ) : (
              `${drill.state} (restore requested)`
            )}
          </dd>
        </>
      ) : null}
      {region.frozenUntil ? (
        <>
          <dt>frozen until</dt>
          <dd>{at(region.frozenUntil)}</dd>
        </>
      ) : null}
      {region.ramp ? (
        <>
          <dt>ramp</dt>
          <dd data-fact="ramp">
            back at {region.ramp.percent}% of its weight, next step at {at(region.ramp.nextStepAt)}
          </dd>
        </>
      ) : null}
      {region.partial ? (
        <>
          <dt>partial drain</dt>
          <dd data-fact="partial">
            keeps {region.partial.percent}% of its weight: {region.partial.reason}
          </dd>
        </>
      ) : null}
      {region.waitingForCapacity ? (
        <>
          <dt>alert drain waits</dt>
          <dd data-fact="waiting-for-capacity">{region.waitingForCapacity}</dd>
        </>
      ) : null}
      {region.openIncidents.length > 0 ? (
        <>
          <dt>open incidents</dt>
          <dd data-fact="incidents">
            {region.openIncidents.map((i) => `${i.incidentId} (opened ${clockTime(i.openedAt, now)})`).join(', ')}
          </dd>
        </>
      ) : null}
    </dl>
  );
}
