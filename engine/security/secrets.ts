// The security module's keys: one secret per data directory (`<data>/security-key`, created on first
// use, mode 0600, kept with the data like the card key) from which separate keys are derived
// (HKDF-SHA256) for token hashes, code hashes, e-mail lookups and the sealing of authenticator
// secrets. Tokens are random and kept on the server only as keyed hashes; authenticator secrets must
// be read back to check a code, so they are sealed (AES-256-GCM), not hashed.

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from '../constants.js';

export function securityKeyPath(dataDir: string): string {
  return join(dataDir, 'security-key');
}

/** The data directory's security secret, created on first use. */
export function loadOrCreateSecuritySecret(dataDir: string): Buffer {
  const path = securityKeyPath(dataDir);
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  const secret = randomBytes(32);
  writeFileSync(path, secret.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

type Purpose = 'token' | 'code' | 'email' | 'seal' | 'request';

export class SecurityKeys {
  private readonly keys: Record<Purpose, Buffer>;

  constructor(secret: Buffer) {
    const derive = (purpose: Purpose): Buffer => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `tessera-security-${purpose}`, 32));
    this.keys = { token: derive('token'), code: derive('code'), email: derive('email'), seal: derive('seal'), request: derive('request') };
  }

  /** The stored form of a session, attempt or CSRF token. */
  tokenHash(token: string): string {
    return createHmac('sha256', this.keys.token).update(token).digest('base64url');
  }

  /** The stored form of a one-time code, bound to the attempt it was made for. */
  codeHash(attemptId: string, code: string): string {
    return createHmac('sha256', this.keys.code).update(attemptId).update('\0').update(code).digest('base64url');
  }

  /** A key for an e-mail address that reveals nothing of it (lock table, rate limits, unknown addresses). */
  emailKey(network: string, email: string): string {
    return createHmac('sha256', this.keys.email).update(network).update('\0').update(email).digest('base64url').slice(0, 32);
  }

  /** A keyed fingerprint of a request (its parts NUL-separated), e.g. for `Idempotency-Key`: a body that holds a password or PIN cannot be guessed from it. */
  requestFingerprint(parts: readonly (string | Uint8Array)[]): string {
    const hmac = createHmac('sha256', this.keys.request);
    parts.forEach((part, index) => {
      if (index > 0) hmac.update('\0');
      hmac.update(part);
    });
    return hmac.digest('base64url');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.seal, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  unseal(sealed: string): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined) throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.keys.seal, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** A new opaque token: `constants.tokenBytes` random bytes, base64url. */
export function newToken(): string {
  return randomBytes(constants.tokenBytes).toString('base64url');
}

/** A new id for records (users, sessions, attempts): random, short, not a secret. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(constants.recordIdBytes).toString('base64url')}`;
}

/** A one-time code of `constants.signInCodeDigits` digits, uniformly random. */
export function newCode(): string {
  const digits = constants.signInCodeDigits;
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0');
}

export function equalHashes(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
