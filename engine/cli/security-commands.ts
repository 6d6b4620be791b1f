// `tessera user create`, `tessera apikey create|revoke|list` and `tessera nats-config`: the security module's offline commands. They open
// the data directory's LMDB store themselves (no engine, no actors), and refuse while an engine has
// it open: two processes appending to one journal would number its feed twice. With the engine
// running, the same changes go through its API (`Security` in engine/security/), and a config
// regenerated from it is written by the `--reload` step of this command, which only reads.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { storePathOf } from '../engine.js';
import { Catalogs } from '../network/catalogs.js';
import type { NetworkCatalogDocument } from '../network/catalog.js';
import { compileCatalog, referenceKinds } from '../network/catalog.js';
import { LmdbStore } from '../store/lmdb-store.js';
import { SystemClock } from '../clock.js';
import { subjectPrefixDefault } from '../constants.js';
import type { ApiKeyView, CredentialHolder, IssuedCredential, OwnerRef, Role, Security } from '../security/index.js';
import { applyNatsAuthorization, isRole, loadOrCreateEngineSeed, openSecurity, reloadNatsServer, writeSeedFile } from '../security/index.js';

interface OfflineSecurity {
  security: Security;
  catalogs: Catalogs;
  close(): Promise<void>;
}

/** Pids other than this one that have the store open (LMDB's reader table, stale entries cleared). */
export function otherProcessesUsing(store: LmdbStore): number[] {
  store.root.readerCheck();
  const pids = new Set<number>();
  for (const line of store.root.readerList().split('\n').slice(1)) {
    const pid = Number(line.trim().split(/\s+/)[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      pids.add(pid);
    } catch {
      // gone
    }
  }
  return [...pids];
}

async function openOffline(dataDir: string, mode: 'write' | 'read'): Promise<OfflineSecurity | string> {
  const store = new LmdbStore({
    path: storePathOf(dataDir),
    onFatal: (error) => {
      process.stderr.write(`a write failed: ${String(error)}\n`);
      process.exit(70);
    },
  });
  if (mode === 'write') {
    // A read makes this process a reader too, so that the table is filled in the same way for everyone.
    store.lastSeqOf('');
    const others = otherProcessesUsing(store);
    if (others.length > 0) {
      await store.close();
      return `the data directory ${dataDir} is open in another process (pid ${others.join(', ')}): stop the engine first, or make the change through its API`;
    }
  }
  const catalogs = new Catalogs();
  for (const { value } of store.referencesOf<NetworkCatalogDocument>(referenceKinds.network)) catalogs.install(compileCatalog(value));
  const security = await openSecurity({ store, clock: new SystemClock(), catalogs }, { dataDir });
  return {
    security,
    catalogs,
    close: async () => {
      await security.close();
      await store.close();
    },
  };
}

/** A password from the terminal without echo, or the first line of standard input when it is not a terminal. */
export async function promptPassword(question: string): Promise<string> {
  const input = process.stdin;
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const lines = createInterface({ input, output, terminal: input.isTTY === true });
  try {
    const answer = new Promise<string>((resolve) => lines.question(question, resolve));
    muted = input.isTTY === true;
    const password = await answer;
    if (input.isTTY === true) process.stderr.write('\n');
    return password;
  } finally {
    lines.close();
  }
}

/** The role, sites and bound record a user or a key is made with, from the command's options; a string says what is wrong. */
function reachOf(options: { role: string; sites?: string | undefined; counterparty?: string | undefined; client?: string | undefined }, holder: string): { role: Role; sites?: string[]; owner?: OwnerRef } | string {
  if (!isRole(options.role)) return `unknown role ${options.role}: owner, admin, accountant, operator, attendant or client`;
  if (options.counterparty !== undefined && options.client !== undefined) return `${holder} is bound to a counterparty or to a client, not both`;
  const owner: OwnerRef | undefined = options.counterparty !== undefined ? { kind: 'counterparty', id: options.counterparty } : options.client !== undefined ? { kind: 'client', id: options.client } : undefined;
  const sites = options.sites?.split(',').map((site) => site.trim()).filter((site) => site.length > 0);
  return { role: options.role, ...(sites !== undefined ? { sites } : {}), ...(owner !== undefined ? { owner } : {}) };
}

export interface UserCreateOptions {
  data: string;
  network: string;
  email: string;
  role: string;
  password?: string;
  name?: string;
  sites?: string;
  counterparty?: string;
  client?: string;
}

export async function userCreateCommand(options: UserCreateOptions): Promise<boolean> {
  const reach = reachOf(options, 'a user');
  if (typeof reach === 'string') {
    process.stderr.write(reach + '\n');
    return false;
  }
  const password = options.password ?? (await promptPassword(`password for ${options.email}: `));
  const opened = await openOffline(options.data, 'write');
  if (typeof opened === 'string') {
    process.stderr.write(opened + '\n');
    return false;
  }
  try {
    if (opened.catalogs.network(options.network) === undefined) {
      process.stderr.write(`network ${options.network} is not in ${options.data}: import it first\n`);
      return false;
    }
    const result = await opened.security.users.create(
      { network: options.network, email: options.email, password, ...reach, ...(options.name !== undefined ? { name: options.name } : {}) },
      { kind: 'system', id: 'cli' },
    );
    if (!result.ok) {
      process.stderr.write(`not created (${result.code}): ${result.message}\n`);
      return false;
    }
    process.stdout.write(`user ${result.value.id} created: ${result.value.email}, ${result.value.role} of network ${result.value.network}${result.value.sites.length > 0 ? `, sites ${result.value.sites.join(', ')}` : ''}\n`);
    return true;
  } finally {
    await opened.close();
  }
}

export interface ApiKeyCreateOptions {
  data: string;
  network: string;
  role: string;
  sites?: string;
  counterparty?: string;
  client?: string;
  label?: string;
}

/** Makes an API key: the key alone on standard output (shown this once), what it is on standard error. */
export async function apiKeyCreateCommand(options: ApiKeyCreateOptions): Promise<boolean> {
  const reach = reachOf(options, 'a key');
  if (typeof reach === 'string') {
    process.stderr.write(reach + '\n');
    return false;
  }
  const opened = await openOffline(options.data, 'write');
  if (typeof opened === 'string') {
    process.stderr.write(opened + '\n');
    return false;
  }
  try {
    if (opened.catalogs.network(options.network) === undefined) {
      process.stderr.write(`network ${options.network} is not in ${options.data}: import it first\n`);
      return false;
    }
    const result = await opened.security.apiKeys.create(
      { network: options.network, ...reach, ...(options.label !== undefined ? { label: options.label } : {}) },
      { kind: 'system', id: 'cli' },
    );
    if (!result.ok) {
      process.stderr.write(`not created (${result.code}): ${result.message}\n`);
      return false;
    }
    const key = result.value.key;
    process.stdout.write(result.value.token + '\n');
    process.stderr.write(`API key ${key.id} created: ${describeKey(key)}. Send it as "Authorization: Bearer KEY"; it is shown this once.\n`);
    return true;
  } finally {
    await opened.close();
  }
}

export async function apiKeyRevokeCommand(options: { data: string; network: string; id: string }): Promise<boolean> {
  const opened = await openOffline(options.data, 'write');
  if (typeof opened === 'string') {
    process.stderr.write(opened + '\n');
    return false;
  }
  try {
    const result = await opened.security.apiKeys.revoke(options.network, options.id, { kind: 'system', id: 'cli' });
    if (!result.ok) {
      process.stderr.write(`not revoked (${result.code}): ${result.message}\n`);
      return false;
    }
    process.stdout.write(`API key ${result.value.id} revoked\n`);
    return true;
  } finally {
    await opened.close();
  }
}

/** Lists a network's keys, one a line (id, role, reach, label, created, revoked): no secret is kept to show. */
export async function apiKeyListCommand(options: { data: string; network: string }): Promise<boolean> {
  const opened = await openOffline(options.data, 'read');
  if (typeof opened === 'string') {
    process.stderr.write(opened + '\n');
    return false;
  }
  try {
    for (const key of opened.security.apiKeys.list(options.network)) {
      const reach = key.owner !== undefined ? `${key.owner.kind}:${key.owner.id}` : key.sites.length > 0 ? `sites:${key.sites.join(',')}` : 'network';
      process.stdout.write([key.id, key.role, reach, key.label ?? '-', new Date(key.createdAt).toISOString(), key.revokedAt !== undefined ? `revoked ${new Date(key.revokedAt).toISOString()}` : 'active'].join('\t') + '\n');
    }
    return true;
  } finally {
    await opened.close();
  }
}

function describeKey(key: ApiKeyView): string {
  const reach = key.owner !== undefined ? `, bound to ${key.owner.kind} ${key.owner.id}` : key.sites.length > 0 ? `, sites ${key.sites.join(', ')}` : '';
  return `${key.role} of network ${key.network}${reach}${key.label !== undefined ? ` (${key.label})` : ''}`;
}

export interface NatsConfigOptions {
  data: string;
  network: string[];
  out?: string;
  credentialsDir?: string;
  issueMissing: boolean;
  siteGateway?: string[];
  revoke?: string[];
  revokeSite?: string[];
  reissue?: string[];
  prefix?: string;
  reload?: number;
  pidFile?: string;
}

export async function natsConfigCommand(options: NatsConfigOptions): Promise<boolean> {
  const changes = options.issueMissing || (options.siteGateway?.length ?? 0) + (options.revoke?.length ?? 0) + (options.revokeSite?.length ?? 0) + (options.reissue?.length ?? 0) > 0;
  const opened = await openOffline(options.data, changes ? 'write' : 'read');
  if (typeof opened === 'string') {
    process.stderr.write(opened + '\n');
    return false;
  }
  const by = { kind: 'system', id: 'cli' } as const;
  const issued: IssuedCredential[] = [];
  try {
    const seedsToShow = (options.reissue?.length ?? 0) + (options.siteGateway?.length ?? 0) + (options.issueMissing ? options.network.reduce((sum, network) => sum + opened.security.terminals.missing(network).length, 0) : 0);
    if (seedsToShow > 0 && options.out === undefined && options.credentialsDir === undefined) {
      process.stderr.write('new credentials would be issued and the configuration goes to standard output: give --out FILE (seeds are printed) or --credentials-dir DIR\n');
      return false;
    }
    for (const network of options.network) {
      if (opened.catalogs.network(network) === undefined) {
        process.stderr.write(`network ${network} is not in ${options.data}: import it first\n`);
        return false;
      }
      const holders = (kind: CredentialHolder['kind'], ids: string[] | undefined): CredentialHolder[] => (ids ?? []).map((id) => ({ kind, id }));
      for (const holder of [...holders('terminal', options.revoke), ...holders('site', options.revokeSite)]) {
        const result = await opened.security.terminals.revoke(network, holder, by);
        if (!result.ok) {
          process.stderr.write(`${holder.kind} ${holder.id}: ${result.message}\n`);
          return false;
        }
        process.stderr.write(`revoked: ${holder.kind} ${holder.id}\n`);
      }
      for (const holder of [...holders('terminal', options.reissue), ...holders('site', options.siteGateway)]) {
        const result = await opened.security.terminals.issue(network, holder, by);
        if (!result.ok) {
          process.stderr.write(`${holder.kind} ${holder.id}: ${result.message}\n`);
          return false;
        }
        issued.push(result.value);
      }
      if (options.issueMissing) {
        const result = await opened.security.terminals.issueMissing(network, by);
        if (!result.ok) {
          process.stderr.write(`${result.message}\n`);
          return false;
        }
        issued.push(...result.value);
      }
    }
    const engineSeed = loadOrCreateEngineSeed(options.data);
    const config = opened.security.terminals.natsServerAuthorization(options.network, engineSeed, options.prefix ?? subjectPrefixDefault);
    if (options.out !== undefined) applyNatsAuthorization(options.out, config);
    else process.stdout.write(config);
    for (const credential of issued) {
      if (options.credentialsDir !== undefined) {
        const path = writeSeedFile(options.credentialsDir, credential);
        process.stderr.write(`${credential.holder.kind} ${credential.holder.id}: seed written to ${path} (inbox prefix ${credential.inboxPrefix})\n`);
      } else {
        // Printed once: the engine keeps only the public key.
        process.stdout.write(`${credential.holder.kind} ${credential.holder.id} ${credential.publicKey} seed ${credential.seed} inbox-prefix ${credential.inboxPrefix}\n`);
      }
    }
    process.stderr.write(`engine nkey seed: ${options.data}/nats-engine.nk (tessera serve --nats-nkey ${options.data}/nats-engine.nk)\n`);
    const pid = options.reload ?? (options.pidFile !== undefined ? Number(readFileSync(options.pidFile, 'utf8').trim()) : undefined);
    if (pid !== undefined) {
      reloadNatsServer(pid);
      process.stderr.write(`nats-server ${pid} reloads its configuration (as: nats-server --signal reload=${pid})\n`);
    } else if (options.out !== undefined) {
      process.stderr.write(`written ${options.out}; reload nats-server with: nats-server --signal reload=<pid>\n`);
    }
    return true;
  } finally {
    await opened.close();
  }
}
