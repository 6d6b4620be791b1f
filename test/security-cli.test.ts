// The security commands through the real CLI: `tessera user create` makes the first owner (password
// from standard input), refuses while an engine has the data directory open; `tessera nats-config`
// issues nkeys, writes the authorization and seed files, and `--revoke … --reload PID` takes a
// terminal off a running nats-server at once.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, nkeyAuthenticator } from 'nats';
import { Engine, demoNetwork, loadOrCreateEngineSeed } from '../engine/index.js';
import type { SecuredNatsServer } from './support/nats-secured.js';
import { startNatsServerWithConfig } from './support/nats-secured.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function runCli(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/cli/main.ts', ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('tessera user create and tessera nats-config', () => {
  let dataDir: string;
  let nats: SecuredNatsServer | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-sec-cli-'));
    const engine = new Engine({ dataDir, schedulers: false });
    await engine.import(demoNetwork());
    await engine.close();
  });

  afterAll(async () => {
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the first owner with a password read from standard input; the journal holds no password', async () => {
    const created = await runCli(['user', 'create', '--network', 'sever', '--email', 'Owner@Sever.test', '--role', 'owner', '--data', dataDir], 'the first owner passphrase\n');
    expect(created.stderr).not.toContain('the first owner passphrase');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^user u-\S+ created: owner@sever\.test, owner of network sever\n$/);
    const again = await runCli(['user', 'create', '--network', 'sever', '--email', 'owner@sever.test', '--role', 'owner', '--password', 'another passphrase', '--data', dataDir]);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain('EMAIL_TAKEN');
    const engine = new Engine({ dataDir, schedulers: false });
    try {
      const events = JSON.stringify([...engine.store.feedAfter(0)]);
      expect(events).toContain('"kind":"user.created"');
      expect(events).not.toContain('the first owner passphrase');
      expect(events).not.toContain('$argon2id$');
      // While an engine has the data directory open, the command refuses.
      const refused = await runCli(['user', 'create', '--network', 'sever', '--email', 'admin@sever.test', '--role', 'admin', '--password', 'an admin passphrase', '--data', dataDir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`open in another process (pid ${process.pid})`);
    } finally {
      await engine.close();
    }
  });

  it('issues nkeys and writes the authorization; --revoke with --reload takes a terminal off the running server', async () => {
    const configDir = mkdtempSync(join(dataDir, 'nats-'));
    const authFile = join(configDir, 'tessera-auth.conf');
    const seeds = join(configDir, 'seeds');
    const issued = await runCli(['nats-config', '--network', 'sever', '--data', dataDir, '--out', authFile, '--credentials-dir', seeds, '--site-gateway', 'WASH-01']);
    expect(issued.code).toBe(0);
    const files = readdirSync(seeds).sort();
    expect(files).toContain('terminal-MSK-01-P1.nk');
    expect(files).toContain('site-WASH-01.nk');
    const terminals = (demoNetwork().sites ?? []).flatMap((site) => site.terminals).length;
    expect(files).toHaveLength(1 + terminals);
    expect(statSync(join(seeds, 'terminal-MSK-01-P1.nk')).mode & 0o777).toBe(0o600);
    const config = readFileSync(authFile, 'utf8');
    expect(config.match(/nkey: "U[A-Z2-7]{55}"/g)).toHaveLength(1 + 1 + terminals);
    const seedOf = (file: string): string => readFileSync(join(seeds, file), 'utf8').trim();
    for (const file of files) expect(config).not.toContain(seedOf(file));
    writeFileSync(join(configDir, 'nats.conf'), 'include "tessera-auth.conf"\n');
    nats = await startNatsServerWithConfig(join(configDir, 'nats.conf'), loadOrCreateEngineSeed(dataDir));
    const url = nats.url;
    const connectWith = (file: string, inboxPrefix: string) => connect({ servers: url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seedOf(file))), inboxPrefix, reconnect: false, timeout: 2_000 });
    const p1 = await connectWith('terminal-MSK-01-P1.nk', '_INBOX.MSK-01-P1');
    const revoked = await runCli(['nats-config', '--network', 'sever', '--data', dataDir, '--out', authFile, '--revoke', 'MSK-01-P1', '--reload', String(nats.pid)]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(''); // nothing new issued: no seed printed
    expect(revoked.stderr).toContain(`nats-server --signal reload=${nats.pid}`);
    await p1.closed();
    await expect(connectWith('terminal-MSK-01-P1.nk', '_INBOX.MSK-01-P1')).rejects.toThrow(/Authorization Violation/i);
    const p2 = await connectWith('terminal-MSK-01-P2.nk', '_INBOX.MSK-01-P2');
    await p2.close();
  });
});
