// The native dependencies load their native builds, not a JavaScript fallback: lmdb (the store),
// msgpackr-extract (msgpackr's native string extraction), uWebSockets.js (the HTTP gateway) and
// @node-rs/argon2 (password hashes). Each is checked by what it reports and by the addon (.node file)
// the process loaded.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import * as lmdb from 'lmdb';
import * as msgpackr from 'msgpackr';
import uWS from 'uWebSockets.js';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

const require = createRequire(import.meta.url);
const abi = process.versions.modules;

/** The .node files loaded into this process (from the diagnostic report). */
function loadedAddons(): string[] {
  const report = process.report.getReport() as unknown as { sharedObjects?: string[] };
  return (report.sharedObjects ?? []).filter((path) => path.endsWith('.node'));
}

describe('lmdb', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('resolves its prebuilt platform package and loads that addon', () => {
    const platformPackage = `@lmdb/lmdb-${process.platform}-${process.arch}`;
    expect(() => require.resolve(`${platformPackage}/package.json`)).not.toThrow();
    const exports = lmdb as unknown as { nativeAddon?: Record<string, unknown>; version?: { versionString?: string } };
    expect(typeof exports.nativeAddon).toBe('object');
    expect(typeof exports.nativeAddon?.['Env']).toBe('function');
    expect(exports.version?.versionString).toMatch(/^LMDB \d+\.\d+\.\d+/);
    expect(loadedAddons().some((path) => path.includes(`/@lmdb/lmdb-${process.platform}-${process.arch}/`))).toBe(true);
  });

  it('opens a database in a temporary directory, writes durably and reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-'));
    dirs.push(dir);
    const db = open<{ amount: number; card: string }, [string, number]>({ path: join(dir, 'native.lmdb') });
    await db.put(['acct', 1], { amount: 5_909, card: '700500******0017' });
    expect(db.get(['acct', 1])).toEqual({ amount: 5_909, card: '700500******0017' });
    await db.close();
    const reopened = open<{ amount: number; card: string }, [string, number]>({ path: join(dir, 'native.lmdb') });
    expect(reopened.get(['acct', 1])).toEqual({ amount: 5_909, card: '700500******0017' });
    await reopened.close();
  });
});

describe('msgpackr', () => {
  it('has native acceleration (msgpackr-extract) enabled and decodes through it', () => {
    const value = { id: 'native-1', card: '700500******0017', names: Array.from({ length: 50 }, (_, index) => `строка-${index}-${'x'.repeat(index)}`) };
    expect(msgpackr.unpack(msgpackr.pack(value))).toEqual(value);
    expect(msgpackr.isNativeAccelerationEnabled).toBe(true);
    expect(() => require.resolve(`@msgpackr-extract/msgpackr-extract-${process.platform}-${process.arch}/package.json`)).not.toThrow();
    expect(loadedAddons().some((path) => path.includes(`/@msgpackr-extract/msgpackr-extract-${process.platform}-${process.arch}/`))).toBe(true);
  });
});

describe('uWebSockets.js', () => {
  it('is the native binary for this platform and Node ABI, not the Node fallback', () => {
    expect(typeof uWS.App).toBe('function');
    expect(typeof uWS.us_socket_local_port).toBe('function');
    const binary = require.resolve(`uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${abi}.node`);
    expect(require(binary)).toBe(uWS);
    expect(loadedAddons()).toContain(binary);
  });

  it('listens on port 0 and answers one HTTP request', async () => {
    const app = uWS.App();
    app.get('/hello', (res) => {
      res.cork(() => res.writeHeader('Content-Type', 'text/plain').end('native'));
    });
    const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (socket) => (socket ? resolve(socket) : reject(new Error('uWS could not listen')))),
    );
    try {
      const port = uWS.us_socket_local_port(listenSocket);
      expect(port).toBeGreaterThan(0);
      const { status, body } = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/hello', method: 'GET' }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body: text }));
        });
        req.on('error', reject);
        req.end();
      });
      expect({ status, body }).toEqual({ status: 200, body: 'native' });
    } finally {
      uWS.us_listen_socket_close(listenSocket);
    }
  });
});

describe('@node-rs/argon2', () => {
  it('loads its prebuilt platform package (npm 11 runs no install script; the binary is an optional dependency) and hashes with Argon2id', async () => {
    const platformPackage = `@node-rs/argon2-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
    expect(() => require.resolve(`${platformPackage}/package.json`)).not.toThrow();
    const encoded = await argon2Hash('a passphrase to hash', { algorithm: 2, memoryCost: 1_024, timeCost: 1, parallelism: 1 });
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await argon2Verify(encoded, 'a passphrase to hash')).toBe(true);
    expect(await argon2Verify(encoded, 'another one')).toBe(false);
    expect(loadedAddons().some((path) => path.includes(`/${platformPackage}/`))).toBe(true);
  });
});
