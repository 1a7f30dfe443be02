/**
 * Google-signed ID tokens (from a service account, Cloud Scheduler, or `gcloud auth
 * print-identity-token`), verified with google-auth-library against Google's certificates (or a
 * configured certificate URL in the sandbox): signature, issuer, expiry and audience, and the
 * email must be verified.
 */
import { OAuth2Client } from 'google-auth-library';

/** The verified identity of an ID token. */
export interface VerifiedIdentity {
  email: string;
}

/** Verifies an ID token; throws {@link IdTokenRejected} when it is not acceptable. */
export type IdTokenVerifier = (token: string) => Promise<VerifiedIdentity>;

/** Why an ID token was refused; the message never quotes the token. */
export class IdTokenRejected extends Error {
  override readonly name = 'IdTokenRejected';
  /** True when the token could not be checked (Google's certificates did not answer), not judged bad. */
  get unavailable(): boolean {
    return this.message.endsWith('certificates unavailable');
  }
}

/** A verifier for `audience` (the service URL); `certsUrl` replaces Google's PEM certificate URL. */
export function googleIdTokenVerifier(opts: { audience: string; certsUrl?: string }): IdTokenVerifier {
  const client = new OAuth2Client(opts.certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: opts.certsUrl } } : {});
  return async (token) => {
    let payload;
    try {
      payload = (await client.verifyIdToken({ idToken: token, audience: opts.audience })).getPayload();
    } catch (error) {
      throw new IdTokenRejected(`ID token rejected: ${classify(error)}`);
    }
    if (!payload?.email) throw new IdTokenRejected('ID token rejected: it carries no email claim');
    if (payload.email_verified !== true) throw new IdTokenRejected('ID token rejected: its email is not verified');
    return { email: payload.email.toLowerCase() };
  };
}

/** A short reason from the library's message, which may quote the token's payload. */
function classify(error: unknown): string {
  // Only the text before ": " — what follows quotes the token or its payload (any claim could match).
  const message = (error instanceof Error ? error.message : '').split(': ')[0] ?? '';
  // Checked first: the library's "Failed to retrieve verification certificates" also says "certificate".
  if (/retrieve verification certificates/i.test(message)) return 'certificates unavailable';
  if (/audience|recipient/i.test(message)) return 'wrong audience';
  if (/too late|expired/i.test(message)) return 'expired';
  if (/too early/i.test(message)) return 'not yet valid';
  if (/issuer/i.test(message)) return 'wrong issuer';
  if (/signature|pem|certificate|no pem found/i.test(message)) return 'bad signature';
  if (/certs|fetch|ECONN|network/i.test(message)) return 'certificates unavailable';
  return 'malformed token';
}
