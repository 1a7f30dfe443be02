/**
 * Reading a slash-command request: the form fields fleetpilot uses, and the check that
 * `response_url` points at Slack. The raw body is read under a byte limit by `../read-body.ts`.
 */
import { ApiError } from '../http-errors.ts';
import type { LogFields } from '../../shared/core/logger.ts';
import type { SlackDeps } from './deps.ts';

/** The fields of a slash-command form post that fleetpilot reads. */
export interface SlackCommandForm {
  userId: string;
  command: string;
  /** The text after the command; empty when there is none. */
  text: string;
  responseUrl: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses the verified body as `application/x-www-form-urlencoded`; a missing field is a 400 naming it. */
export function parseSlackForm(raw: Uint8Array): SlackCommandForm {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ApiError(400, 'invalid_argument', 'body is not valid UTF-8');
  }
  const form = new URLSearchParams(text);
  const required = (field: string): string => {
    const value = form.get(field);
    if (!value) throw new ApiError(400, 'invalid_argument', `missing form field ${field}`, { path: field });
    return value;
  };
  return { userId: required('user_id'), command: required('command'), responseUrl: required('response_url'), text: form.get('text') ?? '' };
}

/**
 * The response URL when it starts with one of the allowed prefixes, both as sent and as parsed
 * (so that no normalisation can move it to another host); 400 otherwise.
 */
export function allowedResponseUrl(url: string, prefixes: readonly string[]): string {
  const allowed = (value: string) => prefixes.some((prefix) => prefix !== '' && value.startsWith(prefix));
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !allowed(url) || !allowed(parsed.href)) {
    throw new ApiError(400, 'invalid_argument', 'response_url is not an allowed Slack URL', { path: 'response_url' });
  }
  return url;
}

/** The host of a URL, for logs (never the path: a response URL's path is a credential). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid)';
  }
}

/**
 * Posts `message` to a response URL; a failure is logged (with `fields`) and swallowed. The error's
 * message may quote the URL, whose path is a credential: only its name and the host are logged.
 */
export async function postResponse(
  deps: Pick<SlackDeps, 'post'>,
  log: SlackDeps['log'],
  responseUrl: string,
  message: unknown,
  fields: LogFields,
): Promise<void> {
  try {
    await deps.post(responseUrl, message);
  } catch (error) {
    log.error('slack response not delivered', {
      ...fields,
      host: hostOf(responseUrl),
      errorName: error instanceof Error ? error.name : typeof error,
    });
  }
}
