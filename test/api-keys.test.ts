// API keys end to end: `tessera apikey create` (the real CLI on a data directory) prints a key,
// `serve()` on that directory accepts it as `Authorization: Bearer KEY`; a wrong and a revoked key get
// the same 401; a client's key may not manage keys. Then `Idempotency-Key` on POST through the served
// router: a retry replays the stored answer (and runs nothing), another body with the same key is
// 422, a retry while the first still runs is 409, and a retry after a restart still replays.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, apiKeyTokenPattern, demoNetwork } from '../engine/index.js';
import type { RunningServer } from '../engine/cli/index.js';
import { serve } from '../engine/cli/index.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npx', ['tsx', 'engine/cli/main.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

describe('API keys and Idempotency-Key through the served API', () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  let ownerKey: string;

  const start = async (): Promise<RunningServer> => (server = await serve({ dataDir, httpPort: 0, httpHost: '127.0.0.1', demo: false, logger: pino({ level: 'silent' }) }));
  const call = async (method: string, path: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    if (server === undefined) throw new Error('not serving');
    const response = await fetch(`http://127.0.0.1:${server.http.port}${path}`, {
      method,
      headers: { ...(key !== undefined ? { Authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
  };
  const keysListed = async (): Promise<{ id: string; role: string; label?: string; revokedAt?: number }[]> => {
    const listed = await call('GET', '/api/v1/apikeys', ownerKey);
    expect(listed.status).toBe(200);
    return listed.body['keys'] as { id: string; role: string; label?: string; revokedAt?: number }[];
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-apikeys-'));
    const engine = new Engine({ dataDir, schedulers: false });
    await engine.import(demoNetwork());
    await engine.close();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('`tessera apikey create` prints a key on standard output, and nothing secret on standard error', async () => {
    const created = await runCli(['apikey', 'create', '--network', 'sever', '--role', 'owner', '--label', 'first owner key', '--data', dataDir]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^tsk_k[0-9a-f]{18}_[A-Za-z0-9_-]{43}\n$/);
    ownerKey = created.stdout.trim();
    expect(ownerKey).toMatch(apiKeyTokenPattern);
    const id = ownerKey.split('_')[1] ?? '';
    expect(created.stderr).toContain(`API key ${id} created: owner of network sever (first owner key)`);
    expect(created.stderr).not.toContain(ownerKey.slice(-43));
    const refused = await runCli(['apikey', 'create', '--network', 'sever', '--role', 'operator', '--data', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BAD_REQUEST');
    expect(refused.stdout).toBe('');
    const listed = await runCli(['apikey', 'list', '--network', 'sever', '--data', dataDir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\towner\tnetwork\tfirst owner key\t\\S+\tactive\n$`));
  });

  it('serve() accepts the key as Authorization: Bearer; the CLI refuses while it runs', async () => {
    await start();
    const listed = await call('GET', '/api/v1/apikeys', ownerKey);
    expect(listed.status).toBe(200);
    expect(listed.body['keys']).toEqual([expect.objectContaining({ id: ownerKey.split('_')[1], role: 'owner', label: 'first owner key', createdBy: { kind: 'system', id: 'cli' } })]);
    expect(listed.text).not.toContain(ownerKey.slice(-43));
    const refused = await runCli(['apikey', 'create', '--network', 'sever', '--role', 'admin', '--data', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('open in another process');
  });

  it('a wrong key, a malformed one, none at all and a revoked key get the same 401', async () => {
    const made = await call('POST', '/api/v1/apikeys', ownerKey, { role: 'admin', label: 'to revoke' });
    expect(made.status).toBe(201);
    const adminKey = String(made.body['token']);
    expect(adminKey).toMatch(apiKeyTokenPattern);
    expect((await call('GET', '/api/v1/apikeys', adminKey)).status).toBe(200);
    const id = (made.body['key'] as { id: string }).id;
    const revoked = await call('DELETE', `/api/v1/apikeys/${id}`, ownerKey);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, revokedAt: expect.any(Number) as unknown });
    const wrongSecret = ownerKey.slice(0, -1) + (ownerKey.endsWith('A') ? 'B' : 'A');
    const answers = await Promise.all([call('GET', '/api/v1/apikeys', adminKey), call('GET', '/api/v1/apikeys', wrongSecret), call('GET', '/api/v1/apikeys', 'tsk_nonsense'), call('GET', '/api/v1/apikeys', undefined)]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.text).toBe(answers[0]?.text);
    }
    expect(answers[0]?.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await keysListed()).find((key) => key.id === id)?.revokedAt).toEqual(expect.any(Number));
  });

  it("a client's key may not manage keys (403); an admin's key may not make an owner key (403)", async () => {
    const client = await call('POST', '/api/v1/apikeys', ownerKey, { role: 'client', owner: { kind: 'counterparty', id: 'logistic-trade' } });
    expect(client.status).toBe(201);
    const clientKey = String(client.body['token']);
    expect((await call('GET', '/api/v1/apikeys', clientKey)).body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await call('POST', '/api/v1/apikeys', clientKey, { role: 'client', owner: { kind: 'counterparty', id: 'logistic-trade' } })).status).toBe(403);
    expect((await call('DELETE', `/api/v1/apikeys/${(client.body['key'] as { id: string }).id}`, clientKey)).status).toBe(403);
    const admin = await call('POST', '/api/v1/apikeys', ownerKey, { role: 'admin' });
    expect((await call('POST', '/api/v1/apikeys', String(admin.body['token']), { role: 'owner' })).status).toBe(403);
    expect((await call('POST', '/api/v1/apikeys', ownerKey, { role: 'operator' })).body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect((await call('POST', '/api/v1/apikeys', ownerKey, { role: 'admin', extra: 1 })).body).toMatchObject({ error: { code: 'BAD_REQUEST', issues: [expect.objectContaining({ path: 'body' })] } });
    expect((await call('DELETE', '/api/v1/apikeys/k000000000000000000', ownerKey)).status).toBe(404);
  });

  it('Idempotency-Key on POST: a retry replays the key made (one key), another body is 422; concurrent retries make one key', async () => {
    const before = (await keysListed()).length;
    const body = { role: 'accountant', label: 'BI nightly' };
    const first = await call('POST', '/api/v1/apikeys', ownerKey, body, { 'Idempotency-Key': 'bi-nightly-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replay')).toBeNull();
    const retry = await call('POST', '/api/v1/apikeys', ownerKey, body, { 'Idempotency-Key': 'bi-nightly-1' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replay')).toBe('true');
    expect(retry.text).toBe(first.text);
    const other = await call('POST', '/api/v1/apikeys', ownerKey, { ...body, label: 'BI hourly' }, { 'Idempotency-Key': 'bi-nightly-1' });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect((await keysListed()).length).toBe(before + 1);
    // Sent at once: the first runs; each other one replays it or (while it runs) is told 409 — never a second key.
    const burst = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/api/v1/apikeys', ownerKey, { role: 'admin', label: 'burst' }, { 'Idempotency-Key': 'burst-1' })));
    const ran = burst.filter((answer) => answer.status === 201 && answer.headers.get('idempotent-replay') === null);
    expect(ran).toHaveLength(1);
    for (const answer of burst) {
      if (answer.status === 409) expect(answer.body).toMatchObject({ error: { code: 'CONFLICT' } });
      else expect(answer.text).toBe(ran[0]?.text);
    }
    expect((await keysListed()).filter((key) => key.label === 'burst')).toHaveLength(1);
    const validation = await call('POST', '/api/v1/apikeys', ownerKey, { role: 'admin', label: '' }, { 'Idempotency-Key': 'fixed-1' });
    expect(validation.status).toBe(400);
    expect((await call('POST', '/api/v1/apikeys', ownerKey, { role: 'admin', label: 'fixed' }, { 'Idempotency-Key': 'fixed-1' })).status).toBe(201);
  });

  it('after a restart, a retry still replays; the kept answer is sealed (no key in the clear on disk)', async () => {
    const body = { role: 'admin', label: 'before restart' };
    const first = await call('POST', '/api/v1/apikeys', ownerKey, body, { 'Idempotency-Key': 'restart-1' });
    expect(first.status).toBe(201);
    const secret = String(first.body['token']).slice(-43);
    await server?.stop();
    server = undefined;
    for (const file of filesUnder(dataDir)) expect(readFileSync(file).includes(secret), file).toBe(false);
    await start();
    const retry = await call('POST', '/api/v1/apikeys', ownerKey, body, { 'Idempotency-Key': 'restart-1' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replay')).toBe('true');
    expect(retry.text).toBe(first.text);
    expect((await keysListed()).filter((key) => key.label === 'before restart')).toHaveLength(1);
    const openapi = await call('GET', '/api/v1/openapi.json', undefined);
    const post = (openapi.body['paths'] as Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>>)['/api/v1/apikeys']?.['post'];
    expect(post?.parameters?.map((parameter) => parameter.name)).toContain('Idempotency-Key');
    expect(Object.keys(post?.responses ?? {})).toEqual(expect.arrayContaining(['201', '409', '422']));
  });
});

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(directory, entry.name)) : [join(directory, entry.name)]));
}
