/**
 * Google credentials for the GCP adapters: Application Default Credentials in Google Cloud, or a
 * static access token for the local double (the sandbox's kube-apiservers accept the same token,
 * as GKE accepts Google access tokens).
 */
import { GoogleAuth, OAuth2Client, type AuthClient } from 'google-auth-library';

/** Scopes fleetpilot needs for Container, GKE Hub and Connect Gateway. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Something that yields a bearer access token for Google APIs and GKE clusters. */
export interface AccessTokenSource {
  authClient: AuthClient;
  token(): Promise<string>;
}

/** A token source holding one static access token (local double, tests). */
export function staticTokenSource(accessToken: string): AccessTokenSource {
  const client = new OAuth2Client();
  // A far expiry stops the client from trying to refresh a token it has no means to refresh.
  client.setCredentials({ access_token: accessToken, expiry_date: Date.now() + 10 * 365 * 24 * 3600 * 1000 });
  return { authClient: client, token: () => Promise.resolve(accessToken) };
}

/** A token source backed by Application Default Credentials. */
export async function applicationDefaultTokenSource(): Promise<AccessTokenSource> {
  const auth = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] });
  const client = await auth.getClient();
  return {
    authClient: client,
    token: async () => {
      const { token } = await client.getAccessToken();
      if (!token) throw new Error('Application Default Credentials returned no access token');
      return token;
    },
  };
}
