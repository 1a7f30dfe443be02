/** Pure wording of the fleet page: times, shares and the one word for a region's state. */
import type { RegionView } from '../../shared/ops/fleet-view.ts';

/**
 * A region's state on the page (its `data-state`): `drained` (no weight), `partial` (part of its
 * weight: an alert drain applied in part, or a ramp back in progress), `serving` (its whole
 * weight), `down` (not drained, but no cluster of it serves), or `unrouted` (it has clusters, but
 * none is onboarded, so the routes do not know it).
 */
export type RegionPageState = 'drained' | 'partial' | 'serving' | 'down' | 'unrouted';

/** The page state of a region the routes know. */
export function regionPageState(region: Pick<RegionView, 'drained' | 'partial' | 'ramp' | 'serving'>): RegionPageState {
  if (region.drained) return 'drained';
  if (region.partial || region.ramp) return 'partial';
  return region.serving ? 'serving' : 'down';
}

/** `10:00:03Z` for a time on the same UTC day as `now`, else `2025-04-30 10:00:03Z`; an unreadable time as it is. */
export function clockTime(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const text = at.toISOString();
  const time = `${text.slice(11, 19)}Z`;
  return text.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${text.slice(0, 10)} ${time}`;
}

/** A share (0..1) as a percentage with at most one decimal: `0.5` → `50%`, `1/3` → `33.3%`. */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
