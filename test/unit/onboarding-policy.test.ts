import { describe, expect, it } from 'vitest';
import { fleetConfigSchema } from '../../shared/config/fleet-config.ts';
import { evaluatePolicy } from '../../shared/onboarding/policy.ts';

const config = (onboarding: Record<string, unknown>) =>
  fleetConfigSchema.parse({
    version: 1,
    fleet: { project: 'acme-prod', configCluster: { name: 'cfg', location: 'us-central1' } },
    onboarding,
  });
const cluster = (over: Partial<{ projectId: string; location: string; resourceLabels: Record<string, string> }> = {}) => ({
  projectId: 'acme-prod',
  location: 'asia-northeast1-b',
  name: 'c1',
  resourceLabels: { fleet: 'store' },
  ...over,
});

describe('evaluatePolicy', () => {
  it.each([
    ['no constraints: the fleet project is enough', {}, cluster(), { eligible: true }],
    [
      'another project is refused by default',
      {},
      cluster({ projectId: 'acme-dev' }),
      { eligible: false, reason: 'project acme-dev is not allowed (allowed: acme-prod)' },
    ],
    [
      'an allowed project list replaces the default',
      { allowedProjects: ['acme-dev'] },
      cluster({ projectId: 'acme-dev' }),
      { eligible: true },
    ],
    ['location prefixes match regions and zones', { allowedLocations: ['asia-northeast'] }, cluster(), { eligible: true }],
    [
      'a location outside the prefixes',
      { allowedLocations: ['europe-'] },
      cluster(),
      { eligible: false, reason: 'location asia-northeast1-b is not allowed (allowed: europe-)' },
    ],
    ['matching labels', { matchLabels: { fleet: 'store' } }, cluster(), { eligible: true }],
    [
      'a missing or different label names what is needed',
      { matchLabels: { fleet: 'store', tier: 'prod' } },
      cluster(),
      { eligible: false, reason: 'cluster labels do not match the onboarding selector (needs tier=prod)' },
    ],
  ])('%s', (_name, onboarding, input, expected) => {
    expect(evaluatePolicy(input, config(onboarding))).toEqual(expected);
  });
});
