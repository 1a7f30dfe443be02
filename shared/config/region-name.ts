/**
 * What a region name is. A Google Cloud region (`asia-northeast1`), or the name a platform team gives
 * the region of clusters outside Google Cloud (`tokyo-onprem`): on-prem nodes have no
 * `topology.kubernetes.io/region`, and fleetpilot labels them with this name, so it must be a valid
 * label value. It has at least two words, so no single word (`all`, `global`) is ever a region. One definition for the configuration, the API, Slack and incident labels.
 */

/** A Google Cloud region, e.g. `asia-northeast1`. */
export const CLOUD_REGION = /^[a-z]+-[a-z]+\d+$/;

/** The longest region name: a label value, and short enough for `SERVICE-REGION` Service names to stay readable. */
export const MAX_REGION_NAME_LENGTH = 40;

/** Two or more dash-separated words: a single word (`all`, `global`, `default`) is never taken as a region. */
const ON_PREM_REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;
/** The shape every region name has (cloud regions included), for JSON Schema and OpenAPI; {@link regionNameProblem} is the full check. */
export const REGION_NAME_PATTERN = ON_PREM_REGION.source;
const CLOUD_ZONE = /^[a-z]+-[a-z]+\d+-[a-z]$/;
/** A Google Cloud region without its number (`asia-northeast`): a typo far more often than an on-prem name. */
const CLOUD_REGION_STEM =
  /^(africa|asia|australia|europe|me|northamerica|southamerica|us)-(central|east|north|northeast|northwest|south|southeast|southwest|west)$/;
/** A human example for messages. */
export const REGION_EXAMPLE = 'a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem';

/** Why `name` is not a region name, or undefined when it is one. */
export function regionNameProblem(name: string): string | undefined {
  if (CLOUD_REGION.test(name)) return undefined;
  if (CLOUD_ZONE.test(name)) return `${JSON.stringify(name)} is a zone: name its region (${name.replace(/-[a-z]$/, '')})`;
  if (CLOUD_REGION_STEM.test(name)) return `${JSON.stringify(name)} looks like a Google Cloud region without its number (e.g. ${name}1)`;
  if (name.length > MAX_REGION_NAME_LENGTH || !ON_PREM_REGION.test(name))
    return `${JSON.stringify(name.slice(0, 64))} is not ${REGION_EXAMPLE} (an on-prem name is two or more dash-separated words of lower-case letters and digits, at most ${MAX_REGION_NAME_LENGTH} characters)`;
  return undefined;
}

/** True for a Google Cloud region or an on-prem region name. */
export function isRegionName(name: string): boolean {
  return regionNameProblem(name) === undefined;
}

/** True for a Google Cloud region (not an on-prem name). */
export function isCloudRegion(name: string): boolean {
  return CLOUD_REGION.test(name);
}
