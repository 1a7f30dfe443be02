/** The names of the onboarding and offboarding steps, for the views, drills and tests that read them. */
export const ONBOARDING_STEPS = {
  readCluster: 'read cluster',
  registerMembership: 'register fleet membership',
  checkMembership: 'check fleet membership',
  enableFeatures: 'enable fleet features',
  memberObjects: 'apply namespaces, derived Services and ServiceExports; label nodes',
  joinMesh: 'join the mesh',
  recordOnboarded: 'record cluster as onboarded',
  waitForImports: 'wait for ServiceImports on the config cluster',
  markLeaving: 'mark cluster as leaving',
  removeMembership: 'remove fleet membership',
  keepMembership: 'keep the fleet membership',
  recordRemoved: 'record cluster as removed',
  memberObjectsOf: (cluster: string) => `member objects of ${cluster}`,
} as const;
