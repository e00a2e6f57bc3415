// A real OpenID Connect provider for staff sign-in (test/support/oidc-provider.mjs, oidc-provider in a child
// process): discovery, its JWKS and the authorization code flow with PKCE for the console as a public client.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface StaffProvider {
  issuer: string;
  close(): Promise<void>;
}

export interface StaffProviderOptions {
  clientId: string;
  /** The console's page the provider sends the person back to. */
  redirectUri: string;
  /** Each account (its login on the provider's development login page) with its claims. */
  accounts: Record<string, Record<string, unknown>>;
  /** Scopes of the provider's own beside openid and profile, with the claims each brings (the organisation's and the roles'). */
  scopeClaims: Record<string, string[]>;
}

export async function startStaffProvider(o: StaffProviderOptions): Promise<StaffProvider> {
  const child = spawn(process.execPath, [path.join(__dirname, 'support', 'oidc-provider.mjs')], {
    env: {
      ...process.env,
      OIDC_CLIENT_ID: o.clientId,
      OIDC_REDIRECT_URI: o.redirectUri,
      OIDC_ACCOUNTS: JSON.stringify(o.accounts),
      OIDC_SCOPE_CLAIMS: JSON.stringify(o.scopeClaims),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()).length > 20_000 && (stderr = stderr.slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the provider did not start: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { issuer: string }).issuer);
    });
    void exited.then(() => reject(new Error(`the provider exited: ${stderr}`)));
  });
  return {
    issuer,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
