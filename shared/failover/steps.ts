/** The names of the failover flows' recorded steps, for the views, drills and tests that read them. */
export const FAILOVER_STEPS = {
  checkGuards: 'check safety guards',
  recordIncident: (state: string) => `record incident ${state}`,
  recordManual: (action: string) => `record manual ${action}`,
} as const;
