// The keys resident ID numbers are sealed and looked up with (Art. 29), as the environment gives them: parsed
// here, where the configuration refuses a bad or development one; the sealing itself is the API's (api/principal-keys.ts).

export interface PrincipalKeys {
  /** The key ring, newest first: the first seals, any opens what it sealed. */
  ring: { version: string; key: Buffer }[];
  lookup: Buffer;
}

/** Development keys (public, being in the source: outside development mode the configuration refuses them). */
export const DEV_PRINCIPAL_KEYS = 'dev1:ZGV2LW9ubHktcHJpbmNpcGFsLWtleS0wMTIzNDU2Nzg=';
export const DEV_PRINCIPAL_LOOKUP_KEY = 'ZGV2LW9ubHktbG9va3VwLWtleS0wMTIzNDU2Nzg5YWI=';

/** Whether a key is one of the development keys (whichever role it is given). */
export function isDevelopmentKey(key: Buffer): boolean {
  return [DEV_PRINCIPAL_KEYS.split(':')[1], DEV_PRINCIPAL_LOOKUP_KEY].some((dev) => key.equals(Buffer.from(dev, 'base64')));
}

/** Parses `version:base64key,…` (newest first, 32-byte keys); throws naming what is wrong. */
export function parseKeyRing(ring: string): PrincipalKeys['ring'] {
  const entries = ring.split(',').map((part) => {
    const [version, b64, extra] = part.trim().split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!/^[A-Za-z0-9_-]{1,20}$/.test(version ?? '') || extra !== undefined || key.length !== 32)
      throw new Error('each key is version:base64 of 32 bytes, e.g. v2:<44 base64 characters>');
    return { version, key };
  });
  if (new Set(entries.map((e) => e.version)).size !== entries.length) throw new Error('key versions must differ');
  return entries;
}

/** Parses the look-up key (base64, at least 32 bytes); throws saying so. */
export function parseLookupKey(lookup: string): Buffer {
  const key = Buffer.from(lookup, 'base64');
  if (key.length < 32) throw new Error('the look-up key is base64 of at least 32 bytes');
  return key;
}

/** The ring and the look-up key, each parsed as above. */
export const parsePrincipalKeys = (ring: string, lookup: string): PrincipalKeys => ({ ring: parseKeyRing(ring), lookup: parseLookupKey(lookup) });
