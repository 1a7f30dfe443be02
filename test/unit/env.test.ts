import { describe, expect, it } from 'vitest';
import { loadEnv, parseEnv } from '../../shared/config/env.ts';

const valid = {
  FLEETPILOT_PROJECT_ID: 'acme-platform-prod',
};

describe('parseEnv', () => {
  it.each([
    [
      'real Google Cloud with defaults',
      valid,
      {
        FLEETPILOT_GKEHUB_ENDPOINT: 'https://gkehub.googleapis.com',
        FLEETPILOT_MONITORING_ENDPOINT: 'https://monitoring.googleapis.com',
        FLEETPILOT_KUBE_ACCESS: 'endpoint',
        FLEETPILOT_TOPIC_PREFIX: 'fleetpilot-',
        LOG_LEVEL: 'INFO',
      },
    ],
    [
      'the local sandbox',
      {
        ...valid,
        FLEETPILOT_CONTAINER_ENDPOINT: 'http://127.0.0.1:8689/',
        FLEETPILOT_GKEHUB_ENDPOINT: 'http://127.0.0.1:8689',
        FLEETPILOT_MONITORING_ENDPOINT: 'http://127.0.0.1:8689/',
        FLEETPILOT_STATIC_ACCESS_TOKEN: 'sandbox-token-123',
        PUBSUB_EMULATOR_HOST: '127.0.0.1:8681',
        FIRESTORE_EMULATOR_HOST: 'localhost:8682',
      },
      {
        FLEETPILOT_CONTAINER_ENDPOINT: 'http://127.0.0.1:8689',
        FLEETPILOT_MONITORING_ENDPOINT: 'http://127.0.0.1:8689',
        PUBSUB_EMULATOR_HOST: '127.0.0.1:8681',
      },
    ],
    [
      'connect gateway with a project number',
      { ...valid, FLEETPILOT_KUBE_ACCESS: 'connect-gateway', FLEETPILOT_PROJECT_NUMBER: '123456789012' },
      { FLEETPILOT_KUBE_ACCESS: 'connect-gateway' },
    ],
  ])('accepts %s', (_name, env, expected) => {
    const result = parseEnv(env);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.env).toMatchObject(expected);
  });

  it('requires the static token for a plain-http Monitoring double too', () => {
    expect(parseEnv({ ...valid, FLEETPILOT_MONITORING_ENDPOINT: 'http://127.0.0.1:8689' })).toEqual({
      ok: false,
      problems: ['FLEETPILOT_STATIC_ACCESS_TOKEN is required when a Google API endpoint is a plain-http local double'],
    });
  });

  it('takes the Slack bot token and the approvals channel together, and never echoes the token', () => {
    const token = 'xoxb-1234-5678-SECRETVALUE';
    expect(parseEnv({ ...valid, FLEETPILOT_SLACK_BOT_TOKEN: token })).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^FLEETPILOT_SLACK_BOT_TOKEN and FLEETPILOT_SLACK_APPROVALS_CHANNEL are set together/)],
    });
    const bad = parseEnv({ ...valid, FLEETPILOT_SLACK_BOT_TOKEN: 'xoxp-SECRETVALUE-123', FLEETPILOT_SLACK_APPROVALS_CHANNEL: '#ops' });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain('SECRETVALUE');
    const good = parseEnv({ ...valid, FLEETPILOT_SLACK_BOT_TOKEN: token, FLEETPILOT_SLACK_APPROVALS_CHANNEL: 'C0123ABC' });
    expect(good).toMatchObject({ ok: true, env: { FLEETPILOT_SLACK_API_URL: 'https://slack.com/api' } });
  });

  it('lists every problem at once', () => {
    const result = parseEnv({
      FLEETPILOT_CONTAINER_ENDPOINT: 'ftp://nope',
      FLEETPILOT_GKEHUB_ENDPOINT: 'http://127.0.0.1:1',
      FLEETPILOT_KUBE_ACCESS: 'connect-gateway',
      PUBSUB_EMULATOR_HOST: 'not a host',
      LOG_LEVEL: 'LOUD',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'FLEETPILOT_CONTAINER_ENDPOINT must be an http(s) URL, e.g. http://127.0.0.1:8089',
      'FLEETPILOT_PROJECT_ID is required',
      expect.stringMatching(/^FLEETPILOT_PROJECT_NUMBER is required when FLEETPILOT_KUBE_ACCESS=connect-gateway/),
      'FLEETPILOT_STATIC_ACCESS_TOKEN is required when a Google API endpoint is a plain-http local double',
      expect.stringMatching(/^LOG_LEVEL /),
      'PUBSUB_EMULATOR_HOST must be HOST:PORT, e.g. 127.0.0.1:8085',
    ]);
  });

  it('treats empty variables as unset', () => {
    expect(parseEnv({ ...valid, FLEETPILOT_PROJECT_NUMBER: '' }).ok).toBe(true);
  });

  it('throws one error naming every problem, without echoing secret values', () => {
    expect(() => loadEnv({ FLEETPILOT_STATIC_ACCESS_TOKEN: 'short' })).toThrowError(
      /FLEETPILOT_PROJECT_ID is required[\s\S]*FLEETPILOT_STATIC_ACCESS_TOKEN must be at least 8/,
    );
    try {
      loadEnv({ FLEETPILOT_STATIC_ACCESS_TOKEN: 'short' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short\n');
    }
  });
});
