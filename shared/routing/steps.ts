/**
 * The names of the route render's recorded steps. Drills, views and tests find steps by these
 * constants, so renaming a step cannot silently break what reads it.
 */
export const ROUTE_STEPS = {
  observe: 'observe clusters and ServiceImports',
  deriveDrains: 'derive drains from incident facts',
  capacity: 'check capacity for new drains',
  applyRoutes: 'apply Gateway and HTTPRoutes',
  routeRefused: 'route refused',
  compactFacts: 'fold settled drain facts',
  renderedAgain: 'render again for runs that handed theirs over',
} as const;
