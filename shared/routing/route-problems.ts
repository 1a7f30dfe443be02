/**
 * Gateway API limits a service's configuration would break whatever the fleet looks like: too many
 * rules or hostnames, weights out of range, paths the HTTPRoute CRD refuses.
 */
import type { ServiceConfig } from '../config/fleet-config.ts';
import { ROUTE_LIMITS, pathProblem, weightProblem } from './http-route.ts';

/** Every problem of `service` at once, each naming the service; empty when it can render. */
export function configProblems(service: ServiceConfig): string[] {
  const problems: string[] = [];
  const name = service.name;
  const rules = service.pinnedPaths.length + 1;
  if (rules > ROUTE_LIMITS.rules) {
    problems.push(
      `${name}: ${service.pinnedPaths.length} pinned paths and the default rule make ${rules} rules, more than the ${ROUTE_LIMITS.rules} an HTTPRoute can hold`,
    );
  }
  if (service.hostnames.length > ROUTE_LIMITS.hostnames) {
    problems.push(`${name}: ${service.hostnames.length} hostnames exceed the ${ROUTE_LIMITS.hostnames} an HTTPRoute can hold`);
  }
  const defaultIssue = weightProblem(service.defaultWeight);
  if (defaultIssue) problems.push(`${name}: defaultWeight ${service.defaultWeight} ${defaultIssue}`);
  for (const [region, weight] of Object.entries(service.regionWeights).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const issue = weightProblem(weight);
    if (issue) problems.push(`${name}: weight ${weight} of region ${region} ${issue}`);
  }
  for (const pin of service.pinnedPaths) {
    const issue = pathProblem(pin.path);
    if (issue) problems.push(`${name}: pinned path ${pin.path} ${issue}`);
    if (Boolean(pin.cluster) === Boolean(pin.region))
      problems.push(`${name}: pinned path ${pin.path} must name exactly one of cluster or region`);
  }
  return problems;
}
