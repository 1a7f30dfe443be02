/**
 * Routing: pure rendering of the Gateway, HTTPRoutes and member-cluster exports from the fleet
 * configuration and the observed fleet, and explanations of route changes.
 */
export { GATEWAY_API_VERSION, ROUTE_LIMITS, SERVICE_IMPORT, pathProblem, weightProblem } from './http-route.ts';
export type { Gateway, HttpBackendRef, HttpPathMatch, HttpRoute, HttpRouteMatch, HttpRouteRule, ParentRef } from './http-route.ts';
export {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  MANAGED_BY_SELECTOR,
  MAX_LABEL_LENGTH,
  SERVICE_LABEL,
  boundedName,
  clusterServiceName,
  importKey,
  regionOf,
  regionalServiceName,
} from './names.ts';
export { clusterKey, clusterRegion } from './cluster-region.ts';
export type { ClusterRegion, PlacedCluster } from './cluster-region.ts';
export type { ObservedCluster, RoutingObservation } from './observation.ts';
export { observeRegions, placeClusters } from './region-state.ts';
export type { ClusterPlacement, PlacedObservedCluster, RegionState } from './region-state.ts';
export { renderGateway } from './render-gateway.ts';
export type { GatewayOptions } from './render-gateway.ts';
export { MCS_API_VERSION, memberObjectUnchanged, renderMemberObjects } from './render-member.ts';
export type { MemberObjectsInput } from './render-member.ts';
export { NO_DRAIN, renderHttpRoute } from './render-route.ts';
export type { DrainOverlay, GatewayRef, RoutePlan } from './render-route.ts';
export { describeRouteChange, routeTrafficShares } from './route-diff.ts';
export { configProblems as routeConfigProblems } from './route-problems.ts';
export { ROUTE_STEPS } from './steps.ts';
export { mapBounded } from './bounded.ts';
export { type RoutesOutcome } from './apply-routes.ts';
export { configClusterKube } from './config-kube.ts';
export { type FleetPlan, describeTrafficMoved, planFleet, refusalOf } from './fleet-plan.ts';
export { type FleetSnapshot, readSnapshot } from './snapshot.ts';
export { isHandedOver, type RenderOptions, type RoutesContext, routedServices, updateRoutes } from './update-routes.ts';
export { readCapacity } from './capacity-read.ts';
