/**
 * The desired fleet configuration as the functions read it: the applied revision from Firestore
 * (parsed once per commit), or the configuration file until the first push is applied.
 */
import type { Store } from '../adapters/firestore.ts';
import { readFile } from 'node:fs/promises';
import { parseFleetConfigYaml } from '../config/config-file.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { shortSha } from './provider-http.ts';
import { readAppliedConfig } from './revisions.ts';

/** Options of {@link createConfigLoader}. */
export interface ConfigLoaderOptions {
  store: Store;
  /** The file used while no revision has been applied. */
  fallbackFile?: string;
  /** Reads the fallback file; by default read on every call and parsed again only when its text changed. */
  loadFile?: (file: string) => Promise<FleetConfig>;
}

/** Returns a loader of the current desired configuration (`FleetContext.config`). */
export function createConfigLoader(options: ConfigLoaderOptions): () => Promise<FleetConfig> {
  const loadFile = options.loadFile ?? unchangedFileCache();
  let cached: { commit: string; config: FleetConfig } | undefined;
  return async () => {
    const applied = await readAppliedConfig(options.store);
    if (applied) {
      if (cached?.commit !== applied.commit) {
        cached = {
          commit: applied.commit,
          config: withRampSince(
            parseFleetConfigYaml(applied.yaml, `${applied.path ?? 'fleet config'}@${shortSha(applied.commit)}`),
            applied.rampInForceSince,
          ),
        };
      }
      return cached.config;
    }
    if (!options.fallbackFile)
      throw new Error(
        'no configuration revision has been applied and no fallback file is set (FLEETPILOT_FLEET_CONFIG_FILE): fleetpilot has no fleet configuration',
      );
    return loadFile(options.fallbackFile);
  };
}

/** `config` with `safety.ramp.inForceSince` (see RampPolicy): a ramp turned on does not take traffic from regions already whole. */
function withRampSince(config: FleetConfig, since: string | undefined): FleetConfig {
  const ramp = config.safety.ramp;
  if (!ramp || !since) return config;
  return { ...config, safety: { ...config.safety, ramp: Object.assign({}, ramp, { inForceSince: since }) } };
}

/**
 * Reads the file on every call (it may change at any time) but parses and validates it again only
 * when its text changed: every render reads the configuration, some twice, and a parse of a
 * 50-service file costs more than the read.
 */
function unchangedFileCache(): (file: string) => Promise<FleetConfig> {
  let last: { file: string; text: string; config: FleetConfig } | undefined;
  return async (file) => {
    const text = await readFile(file, 'utf8');
    if (last?.file === file && last.text === text) return last.config;
    const config = parseFleetConfigYaml(text, file);
    last = { file, text, config };
    return config;
  };
}
