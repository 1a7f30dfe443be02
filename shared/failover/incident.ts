/**
 * Parses Cloud Monitoring incident notifications (Pub/Sub notification channel, schema version
 * 1.2, and the channel's `version: "test"` notifications). Pure and total: returns a typed
 * incident, a test marker, or a short reason the payload is not one (values in it are quoted short,
 * never serialised whole). Lenient on fields it does not use.
 */
import { z } from 'zod';
import { parseBoundedJson, quote } from '../core/limits.ts';

/** One incident notification: an alert opened, was renotified, or closed. */
export interface IncidentEvent {
  /** Stable across renotifications and the close. */
  incidentId: string;
  state: 'open' | 'closed';
  startedAt: Date;
  /** Set when closed; always null for an open incident. */
  endedAt: Date | null;
  policyName: string;
  summary: string;
  resourceLabels: Record<string, string>;
  metricLabels: Record<string, string>;
  policyUserLabels: Record<string, string>;
  observedValue?: string;
  thresholdValue?: string;
  conditionName?: string;
  resourceType?: string;
  url?: string;
}

/** The result of {@link parseIncidentNotification}. */
export type IncidentParseResult =
  { ok: true; incident: IncidentEvent } | { ok: true; test: true; summary: string } | { ok: false; reason: string };

/** Label maps keep string values; numbers and booleans become strings; anything else is dropped. */
const labels = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((record) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(record ?? {})) {
      if (typeof value === 'string') out[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    }
    return out;
  });
const text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : String(v)));

const incidentSchema = z.object({
  incident_id: z.union([z.string().trim().min(1).max(256), z.number()]).transform(String),
  state: z.string(),
  started_at: z.unknown(),
  ended_at: z.unknown().optional(),
  summary: text,
  policy_name: text,
  condition_name: text,
  observed_value: text,
  threshold_value: text,
  url: text,
  resource: z.object({ type: text, labels }).nullish(),
  metric: z.object({ labels }).nullish(),
  policy_user_labels: labels,
});

const EPOCH = /^\d+(\.\d+)?$/;
/** Latest epoch second a JavaScript Date can hold. */
const MAX_EPOCH_SECONDS = 8.64e12;

/** Epoch seconds (a number, or a string of digits) as a Date; a reason otherwise. */
function epochSeconds(value: unknown, field: string): Date | string {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && EPOCH.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_EPOCH_SECONDS) {
    return `incident.${field} must be epoch seconds, got ${quote(value)}`;
  }
  return new Date(Math.round(seconds * 1000));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a notification (the parsed JSON of the Pub/Sub message data). Version `1.2` gives an
 * incident; version `test` gives `{ test: true }`; anything else, or an incident without its id,
 * state or start time, or a close without `ended_at`, gives a reason. An open incident may leave
 * `ended_at` out altogether.
 */
export function parseIncidentNotification(payload: unknown): IncidentParseResult {
  if (!isObject(payload)) return { ok: false, reason: 'notification is not a JSON object' };
  const { version, incident } = payload;
  if (version === 'test') {
    const summary = isObject(incident) && typeof incident.summary === 'string' ? incident.summary : 'test notification';
    return { ok: true, test: true, summary };
  }
  if (version !== '1.2')
    return { ok: false, reason: `unknown notification version ${version === undefined ? '(missing)' : quote(version)}; expected "1.2"` };
  if (!isObject(incident)) return { ok: false, reason: 'notification has no incident object' };
  if (incident.incident_id === undefined || incident.incident_id === null || incident.incident_id === '') {
    return { ok: false, reason: 'incident has no incident_id' };
  }
  const parsed = incidentSchema.safeParse(incident);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `malformed incident: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `incident.${i.path.join('.')} ${i.message}`)
        .join('; ')}`,
    };
  }
  const i = parsed.data;
  // The id keys the incident's fact in a Firestore map, where names of the form __…__ are reserved.
  if (/^__.*__$/s.test(i.incident_id)) return { ok: false, reason: `incident_id ${quote(i.incident_id)} is a reserved name (__…__)` };
  const state = i.state.toLowerCase();
  if (state !== 'open' && state !== 'closed') return { ok: false, reason: `incident ${i.incident_id} has unknown state ${quote(i.state)}` };
  const startedAt = epochSeconds(i.started_at, 'started_at');
  if (typeof startedAt === 'string') return { ok: false, reason: `incident ${i.incident_id}: ${startedAt}` };
  let endedAt: Date | null = null;
  if (state === 'closed') {
    if (i.ended_at === undefined || i.ended_at === null) return { ok: false, reason: `closed incident ${i.incident_id} has no ended_at` };
    const ended = epochSeconds(i.ended_at, 'ended_at');
    if (typeof ended === 'string') return { ok: false, reason: `incident ${i.incident_id}: ${ended}` };
    if (ended < startedAt)
      return {
        ok: false,
        reason: `incident ${i.incident_id} ended (${ended.toISOString()}) before it started (${startedAt.toISOString()})`,
      };
    endedAt = ended;
  }
  return {
    ok: true,
    incident: {
      incidentId: i.incident_id,
      state,
      startedAt,
      endedAt,
      policyName: i.policy_name ?? '',
      summary: i.summary ?? '',
      resourceLabels: i.resource?.labels ?? {},
      metricLabels: i.metric?.labels ?? {},
      policyUserLabels: i.policy_user_labels,
      ...(i.observed_value === undefined ? {} : { observedValue: i.observed_value }),
      ...(i.threshold_value === undefined ? {} : { thresholdValue: i.threshold_value }),
      ...(i.condition_name === undefined ? {} : { conditionName: i.condition_name }),
      ...(i.resource?.type === undefined ? {} : { resourceType: i.resource.type }),
      ...(i.url === undefined ? {} : { url: i.url }),
    },
  };
}

/** Parses Pub/Sub message data (JSON bytes, after base64 decoding), within the payload bounds. */
export function parseIncidentMessage(data: Buffer | string): IncidentParseResult {
  const json = parseBoundedJson(data, 'message data');
  return json.ok ? parseIncidentNotification(json.value) : { ok: false, reason: json.reason };
}
