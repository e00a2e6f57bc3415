// Art. 29 (数据加密): resident ID numbers are sealed at the API's edge, before anything stores them (not even a
// workflow's history sees one): AES-256-GCM under the current key of a rotatable key ring, and a keyed hash
// (HMAC-SHA256 under a separate key) by which a number is looked up without being decrypted.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db';
import { resealNumbers } from '../db/repositories/principals';

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
    if (!/^[A-Za-z0-9_-]{1,20}$/.test(version ?? '') || extra !== undefined || key.length !== 32) throw new Error('each key is version:base64 of 32 bytes, e.g. v2:<44 base64 characters>');
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
