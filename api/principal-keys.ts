// Art. 29 (数据加密): resident ID numbers are sealed at the API's edge, before anything stores them (not even a
// workflow's history sees one): AES-256-GCM under the current key of a rotatable key ring, and a keyed hash
// (HMAC-SHA256 under a separate key) by which a number is looked up without being decrypted.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db';
import { resealNumbers } from '../db/repositories/principals';
import type { PrincipalKeys } from '../config/principal-keys';

// Parsing the keys is the configuration's; the API's callers of the sealing find them here too.
export { DEV_PRINCIPAL_KEYS, DEV_PRINCIPAL_LOOKUP_KEY, parsePrincipalKeys, type PrincipalKeys } from '../config/principal-keys';

/** A number sealed: `version:iv:tag:ciphertext` (base64 parts), under the ring's current key. */
export function seal(keys: PrincipalKeys, plain: string): string {
  const { version, key } = keys.ring[0];
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [version, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
}

/** The number a sealed value holds (its key found by version); throws when no key of the ring opens it. */
export function open(keys: PrincipalKeys, sealed: string): string {
  const [version, iv, tag, ct] = sealed.split(':');
  const entry = keys.ring.find((k) => k.version === version);
  if (!entry) throw new Error(`no key ${version} in the ring`);
  const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
}

/** The key version a sealed value was sealed under. */
export const sealedVersion = (sealed: string) => sealed.split(':')[0];

/** The keyed hash a number is looked up by. */
export function lookupHash(keys: PrincipalKeys, plain: string): string {
  return createHmac('sha256', keys.lookup).update(plain, 'utf8').digest('hex');
}

/**
 * Key rotation: every number not sealed under the ring's current key is opened and sealed again under it,
 * in batches (the look-up hash does not change). Answers how many were re-sealed.
 */
export function resealAll(db: Db, keys: PrincipalKeys, options: { batch?: number; subs?: string[] } = {}): Promise<number> {
  return resealNumbers(db, keys.ring[0].version, (sealed) => seal(keys, open(keys, sealed)), options);
}
