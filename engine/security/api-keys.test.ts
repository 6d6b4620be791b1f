// API keys on a real engine store: made, listed, revoked and authenticated; who may make which key;
// the audit entries of both changes; and that neither the key nor its hash is ever listed, audited
// or journalled.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoNetwork } from '../demo/demo-network.js';
import type { Harness } from '../testing/engine-harness.js';
import { openHarness } from '../testing/engine-harness.js';
import { argon2Hasher } from './password.js';
import type { Principal } from './principal.js';
import { Security } from './security.js';
import { apiKeyTokenPattern } from './api-keys.js';

const network = 'sever';
const address = '198.51.100.4';
const owner: Principal = { kind: 'user', id: 'u-owner', network, role: 'owner', sites: 'all', label: 'owner@sever.test' };
const admin: Principal = { kind: 'user', id: 'u-admin', network, role: 'admin', sites: 'all' };
const accountant: Principal = { kind: 'user', id: 'u-acc', network, role: 'accountant', sites: 'all' };
const otherOwner: Principal = { kind: 'user', id: 'u-other', network: 'elsewhere', role: 'owner', sites: 'all' };

describe('API keys', () => {
  let harness: Harness;
  let security: Security;

  beforeEach(async () => {
    harness = openHarness();
    await harness.engine.import(demoNetwork());
    security = await Security.open({ store: harness.engine.store, clock: harness.clock, catalogs: harness.engine.catalogs, secret: Buffer.alloc(32, 5), hasher: argon2Hasher({ memoryKib: 1_024, passes: 1, lanes: 1 }) });
  });

  afterEach(async () => {
    await security.close();
    await harness.close();
  });

  it('a key is shown once as tsk_<id>_<secret>; it authenticates as a principal with the key’s role and reach', async () => {
    const created = await security.apiKeys.create({ network, role: 'operator', sites: ['MSK-01'], label: 'till sync' }, owner, { address });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const { key, token } = created.value;
    expect(token).toMatch(apiKeyTokenPattern);
    expect(token.startsWith(`tsk_${key.id}_`)).toBe(true);
    // 256 bits of secret: 43 base64url characters.
    expect(token.length).toBe(`tsk_${key.id}_`.length + 43);
    expect(key).toMatchObject({ network, role: 'operator', sites: ['MSK-01'], label: 'till sync', createdAt: harness.clock.now(), createdBy: { kind: 'user', id: owner.id } });
    expect(security.apiKeys.authenticate(token)).toEqual({ kind: 'apikey', id: key.id, network, role: 'operator', sites: ['MSK-01'], label: 'till sync' });
  });

  it('a client key is bound to its counterparty; an owner-wide role reaches every site', async () => {
    const client = await security.apiKeys.create({ network, role: 'client', owner: { kind: 'counterparty', id: 'logistic-trade' } }, owner);
    if (!client.ok) throw new Error(client.message);
    expect(security.apiKeys.authenticate(client.value.token)).toMatchObject({ role: 'client', owner: { kind: 'counterparty', id: 'logistic-trade' }, sites: 'all', label: `API key ${client.value.key.id}` });
    const accounting = await security.apiKeys.create({ network, role: 'accountant' }, admin);
    if (!accounting.ok) throw new Error(accounting.message);
    expect(security.apiKeys.authenticate(accounting.value.token)).toMatchObject({ role: 'accountant', sites: 'all' });
  });

  it('a malformed, an unknown, a tampered and a revoked key all answer undefined', async () => {
    const created = await security.apiKeys.create({ network, role: 'admin' }, owner);
    if (!created.ok) throw new Error(created.message);
    const { token, key } = created.value;
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(security.apiKeys.authenticate('')).toBeUndefined();
    expect(security.apiKeys.authenticate('not a key')).toBeUndefined();
    expect(security.apiKeys.authenticate(token + 'x')).toBeUndefined();
    expect(security.apiKeys.authenticate(token.slice(0, -1) + last)).toBeUndefined();
    expect(security.apiKeys.authenticate(`tsk_k${'0'.repeat(18)}_${token.slice(-43)}`)).toBeUndefined();
    expect(security.apiKeys.authenticate('x'.repeat(10_000))).toBeUndefined();
    const revoked = await security.apiKeys.revoke(network, key.id, owner, { address });
    expect(revoked).toMatchObject({ ok: true, value: { id: key.id, revokedAt: harness.clock.now() } });
    expect(security.apiKeys.authenticate(token)).toBeUndefined();
    // Revoking again changes nothing; the key stays listed as revoked.
    expect(await security.apiKeys.revoke(network, key.id, owner)).toMatchObject({ ok: true });
    expect(security.apiKeys.list(network)).toEqual([expect.objectContaining({ id: key.id, revokedAt: harness.clock.now() })]);
  });

  it('a principal cannot make a key with a role it could not give, nor manage keys without apikeys.manage', async () => {
    // An admin gives any role but owner (as for users: owners.manage is the owner's).
    expect(await security.apiKeys.create({ network, role: 'owner' }, admin)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await security.apiKeys.create({ network, role: 'admin' }, admin)).toMatchObject({ ok: true });
    expect(await security.apiKeys.create({ network, role: 'owner' }, owner)).toMatchObject({ ok: true });
    // An accountant, an API key of a client, another network's owner: no.
    expect(await security.apiKeys.create({ network, role: 'accountant' }, accountant)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const clientKey: Principal = { kind: 'apikey', id: 'k-client', network, role: 'client', sites: 'all', owner: { kind: 'counterparty', id: 'logistic-trade' } };
    expect(await security.apiKeys.create({ network, role: 'client', owner: { kind: 'counterparty', id: 'logistic-trade' } }, clientKey)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await security.apiKeys.create({ network, role: 'admin' }, otherOwner)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    // An owner key is revoked by an owner only; an unknown id is NOT_FOUND, for a stranger as for an owner.
    const ownerKey = security.apiKeys.list(network).find((key) => key.role === 'owner');
    if (ownerKey === undefined) throw new Error('no owner key');
    expect(await security.apiKeys.revoke(network, ownerKey.id, admin)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await security.apiKeys.revoke(network, 'k000000000000000000', owner)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await security.apiKeys.revoke('elsewhere', ownerKey.id, otherOwner)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await security.apiKeys.revoke(network, ownerKey.id, otherOwner)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    await harness.engine.store.flushed();
    const refused = security.audit.query(network, { kind: 'access.refused' }).entries;
    expect(refused.map((entry) => [entry.actor, entry.action, entry.reason])).toEqual(
      expect.arrayContaining([
        [expect.objectContaining({ id: admin.id }), 'owners.manage', 'FORBIDDEN'],
        [expect.objectContaining({ id: accountant.id }), 'apikeys.manage', 'FORBIDDEN'],
      ]),
    );
  });

  it('the reach is checked: sites for operators and attendants only, known sites, an owner for a client only', async () => {
    const refusals = [
      { network, role: 'operator' as const },
      { network, role: 'attendant' as const, sites: ['NOWHERE'] },
      { network, role: 'admin' as const, sites: ['MSK-01'] },
      { network, role: 'client' as const },
      { network, role: 'client' as const, owner: { kind: 'counterparty' as const, id: 'CP-NONE' } },
      { network, role: 'accountant' as const, owner: { kind: 'client' as const, id: 'ivanova' } },
      { network, role: 'admin' as const, label: 'line\nbreak' },
      { network, role: 'superuser' },
    ];
    for (const input of refusals) expect(await security.apiKeys.create(input as never, owner), JSON.stringify(input)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(security.apiKeys.list(network)).toEqual([]);
  });

  it('records who made and who revoked a key; neither the key nor its hash is listed, audited or journalled', async () => {
    const created = await security.apiKeys.create({ network, role: 'accountant', label: 'BI export' }, owner, { address });
    if (!created.ok) throw new Error(created.message);
    const { token, key } = created.value;
    harness.clock.advance(60_000);
    await security.apiKeys.revoke(network, key.id, admin, { address });
    const entries = security.audit.query(network, { user: key.id }).entries;
    expect(entries.map((entry) => [entry.kind, entry.action, entry.actor, entry.address, entry.target])).toEqual([
      ['apikey.created', 'apikeys.manage', { kind: 'user', id: owner.id, role: 'owner', label: owner.label }, address, { type: 'apikey', id: key.id }],
      ['apikey.revoked', 'apikeys.manage', { kind: 'user', id: admin.id, role: 'admin' }, address, { type: 'apikey', id: key.id }],
    ]);
    expect(entries[0]?.after).toMatchObject({ id: key.id, role: 'accountant', label: 'BI export' });
    expect(entries[1]?.before).not.toHaveProperty('revokedAt');
    expect(entries[1]?.after).toMatchObject({ revokedAt: harness.clock.now() });
    const secret = token.slice(-43);
    const everything = JSON.stringify({ list: security.apiKeys.list(network), get: security.apiKeys.get(network, key.id), feed: [...harness.engine.store.feedAfter(0)] });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('"hash"');
    expect(security.apiKeys.list(network)[0]).not.toHaveProperty('hash');
  });

  it('a key made by the system (the CLI) survives a restart; a key of one network is not another network’s', async () => {
    const created = await security.apiKeys.create({ network, role: 'admin' }, { kind: 'system', id: 'cli' });
    if (!created.ok) throw new Error(created.message);
    expect(created.value.key.createdBy).toEqual({ kind: 'system', id: 'cli' });
    expect(security.apiKeys.get('elsewhere', created.value.key.id)).toBeUndefined();
    expect(security.apiKeys.list('elsewhere')).toEqual([]);
    await security.close();
    harness = await harness.restart();
    security = await Security.open({ store: harness.engine.store, clock: harness.clock, catalogs: harness.engine.catalogs, secret: Buffer.alloc(32, 5), hasher: argon2Hasher({ memoryKib: 1_024, passes: 1, lanes: 1 }) });
    expect(security.apiKeys.authenticate(created.value.token)).toMatchObject({ id: created.value.key.id, role: 'admin' });
  });
});
