/** `/v1/config`: viewers read the configuration in force; admins plan a proposed one (invalid lines named). */
import { describe, expect, it } from 'vitest';
import { apiTestApp, EXAMPLE_CONFIG } from '../support/api-fakes.ts';

type Body = {
  code?: string;
  message?: string;
  details?: { problems?: string[] };
  source?: string;
  config?: { services?: { name: string }[] };
  result?: string;
};

describe('/v1/config', () => {
  it('shows the configuration in force to a viewer', async () => {
    const t = await apiTestApp();
    const res = await t.call('GET', '/v1/config', { token: t.tokens.viewer });
    const body = (await res.json()) as Body;
    expect([res.status, body.source, body.config?.services?.map((s) => s.name)]).toEqual([200, 'file', ['store']]);
  });

  it.each<[string, 'viewer' | 'operator' | 'admin', string, number, string | undefined]>([
    ['a valid configuration, admin', 'admin', EXAMPLE_CONFIG, 200, undefined],
    ['a valid configuration, operator', 'operator', EXAMPLE_CONFIG, 403, 'permission_denied'],
    ['a negative weight, admin', 'admin', EXAMPLE_CONFIG.replace('asia-northeast1: 50', 'asia-northeast1: -5'), 400, 'invalid_argument'],
    ['YAML that does not parse, admin', 'admin', 'services: [unclosed', 400, 'invalid_argument'],
  ])('plans %s', async (_name, role, yaml, status, code) => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/config/plan', { token: t.tokens[role], body: { yaml } });
    const body = (await res.json()) as Body;
    expect([res.status, body.code]).toEqual([status, code]);
    if (status === 200) expect(body.result).toBe('planned');
    if (status === 400) expect(body.details?.problems?.[0]).toMatch(/^fleet\.yaml(:\d+)?: /);
  });

  it('refuses a body that is not {yaml}', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/config/plan', { token: t.tokens.admin, body: { yml: EXAMPLE_CONFIG } });
    expect(((await res.json()) as Body).message).toContain('yaml');
  });
});
