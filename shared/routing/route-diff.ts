/**
 * Explains how a desired HTTPRoute differs from the live one, line by line, and how a route shares
 * default traffic between its backends (for "traffic share moved" reports).
 */
import { labelsHeld } from '../adapters/kube-managed.ts';
import type { HttpRoute } from './http-route.ts';
import { DEFAULT_MATCH, normalizeRoute } from './route-normalize.ts';
import type { NormalBackend, NormalRoute, NormalRule } from './route-normalize.ts';

const EMPTY: NormalRoute = { parents: [], hostnames: [], rules: [] };

/**
 * Lines describing the change from `live` (or no route) to `desired`, e.g.
 * `+ backend store-asia-northeast2 weight 50 on default rule`, `- rule /osaka`,
 * `~ store-asia-northeast1 weight 50 → 80 on default rule`. Empty when the specs are equal once the
 * API server's defaults are applied; metadata and status are ignored.
 */
export function describeRouteChange(live: HttpRoute | null, desired: HttpRoute): string[] {
  const before = live ? normalizeRoute(live) : EMPTY;
  const after = normalizeRoute(desired);
  const lines: string[] = live ? [] : [`+ HTTPRoute ${desired.metadata.namespace}/${desired.metadata.name}`];
  lines.push(...setChange('parent', before.parents, after.parents), ...setChange('hostname', before.hostnames, after.hostnames));

  const beforeRules = new Map(before.rules.map((r) => [r.key, r]));
  const afterRules = new Map(after.rules.map((r) => [r.key, r]));
  for (const rule of before.rules) if (!afterRules.has(rule.key)) lines.push(`- ${rule.label}`);
  for (const rule of after.rules) {
    const old = beforeRules.get(rule.key);
    lines.push(...(old ? ruleChange(old, rule) : [`+ ${rule.label} → ${rule.backends.map(backendText).join(', ') || 'no backend'}`]));
  }
  const order = (rules: NormalRule[], other: Map<string, NormalRule>) => rules.filter((r) => other.has(r.key)).map((r) => r.key);
  const beforeOrder = order(before.rules, afterRules);
  const afterOrder = order(after.rules, beforeRules);
  if (beforeOrder.join('\n') !== afterOrder.join('\n')) lines.push(`~ rule order ${beforeOrder.join(', ')} → ${afterOrder.join(', ')}`);
  return lines;
}

/**
 * True when applying `desired` over `live` would change nothing fleetpilot renders: the specs are
 * equal once the API server's defaults are applied and `live` carries every label `desired` sets.
 * The cheap comparison that spares a dry run (see `KubeAdapter.apply`).
 */
export function routeUnchanged(live: HttpRoute, desired: HttpRoute): boolean {
  return labelsHeld(live, desired) && describeRouteChange(live, desired).length === 0;
}

/**
 * Share (0..1) of default-rule traffic each backend of `route` receives, by backend name. Empty when
 * the route has no default rule; every share is 0 when all weights are 0.
 */
export function routeTrafficShares(route: HttpRoute): Record<string, number> {
  const rule = normalizeRoute(route).rules.find((r) => r.key === DEFAULT_MATCH);
  const shares: Record<string, number> = {};
  if (!rule) return shares;
  const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
  for (const b of rule.backends) shares[b.name] = (shares[b.name] ?? 0) + (total === 0 ? 0 : b.weight / total);
  return shares;
}

function setChange(noun: string, before: string[], after: string[]): string[] {
  return [
    ...before.filter((x) => !after.includes(x)).map((x) => `- ${noun} ${x}`),
    ...after.filter((x) => !before.includes(x)).map((x) => `+ ${noun} ${x}`),
  ];
}

function ruleChange(old: NormalRule, rule: NormalRule): string[] {
  const lines: string[] = [];
  const on = `on ${rule.label}`;
  const oldBackends = new Map(old.backends.map((b) => [b.key, b]));
  const newBackends = new Map(rule.backends.map((b) => [b.key, b]));
  for (const b of old.backends) if (!newBackends.has(b.key)) lines.push(`- backend ${b.display} ${on}`);
  for (const b of rule.backends) {
    const was = oldBackends.get(b.key);
    if (!was) {
      lines.push(`+ backend ${backendText(b)} ${on}`);
      continue;
    }
    if (was.weight !== b.weight) lines.push(`~ ${b.display} weight ${was.weight} → ${b.weight} ${on}`);
    if (was.port !== b.port) lines.push(`~ ${b.display} port ${was.port ?? 'none'} → ${b.port ?? 'none'} ${on}`);
    if (was.rest !== b.rest) lines.push(`~ ${b.display} other settings ${was.rest} → ${b.rest} ${on}`);
  }
  if (old.rest !== rule.rest) lines.push(`~ ${rule.label} other settings ${old.rest} → ${rule.rest}`);
  return lines;
}

function backendText(b: NormalBackend): string {
  return `${b.display} weight ${b.weight}`;
}
