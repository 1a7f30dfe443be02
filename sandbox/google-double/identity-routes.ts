/**
 * Google's identity side, as far as the operations API needs it: the PEM certificates ID tokens
 * are verified with (`GET /oauth2/v1/certs`, public, like Google's), and a minting endpoint the
 * sandbox and tests use in place of a service account's `generateIdToken`
 * (`POST /_double/id-tokens {email, audience, emailVerified?, expiresInSeconds?}` → `{idToken}`).
 * Tokens are RS256, issued by `https://accounts.google.com`, signed with a key made at start.
 */
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';

const MintRequest = z.object({
  email: z.string().email(),
  audience: z.string().min(1),
  emailVerified: z.boolean().default(true),
  expiresInSeconds: z.number().int().min(-86_400).max(86_400).default(3600),
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The public certificate route and the (authenticated) minting route; one key per double. */
export function identityRoutes(now: () => Date): { certs: Hono; mint: Hono } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID().replace(/-/g, '');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const certs = new Hono();
  const app = new Hono();
  certs.get('/oauth2/v1/certs', (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json({ [kid]: pem });
  });
  app.post('/_double/id-tokens', async (c) => {
    const parsed = MintRequest.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success)
      return c.json(
        {
          error: {
            code: 400,
            message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
            status: 'INVALID_ARGUMENT',
          },
        },
        400,
      );
    const { email, audience, emailVerified, expiresInSeconds } = parsed.data;
    const issuedAt = Math.floor(now().getTime() / 1000);
    const header = b64url({ alg: 'RS256', kid, typ: 'JWT' });
    const payload = b64url({
      iss: 'https://accounts.google.com',
      aud: audience,
      azp: audience,
      sub: `sandbox-${email}`,
      email,
      email_verified: emailVerified,
      iat: issuedAt,
      exp: issuedAt + expiresInSeconds,
    });
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
    return c.json({ idToken: `${header}.${payload}.${signature}` });
  });
  return { certs, mint: app };
}
