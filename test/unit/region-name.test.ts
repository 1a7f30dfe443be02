import { describe, expect, it } from 'vitest';
import { isCloudRegion, regionNameProblem } from '../../shared/config/region-name.ts';

describe('region names: Google Cloud regions and on-prem names', () => {
  it.each([
    ['asia-northeast1', true],
    ['us-central1', true],
    ['northamerica-northeast2', true],
    ['tokyo-onprem', false],
    ['dc1-fra', false],
    ['rack-7-tokyo', false],
  ])('accepts %s (cloud region: %s)', (name, cloud) => {
    expect(regionNameProblem(name)).toBeUndefined();
    expect(isCloudRegion(name)).toBe(cloud);
  });

  it.each([
    ['asia-northeast1-b', /is a zone: name its region \(asia-northeast1\)/],
    ['asia-northeast', /without its number \(e\.g\. asia-northeast1\)/],
    ['all', /two or more dash-separated words/],
    ['global', /two or more dash-separated words/],
    ['Tokyo-OnPrem', /not a region/],
    ['tokyo_onprem', /not a region/],
    ['tokyo-', /not a region/],
    ['-tokyo', /not a region/],
    [`${'x'.repeat(38)}-ab`, /at most 40 characters/],
    ['', /not a region/],
  ])('refuses %j with the reason', (name, reason) => {
    expect(regionNameProblem(name)).toMatch(reason);
  });
});
