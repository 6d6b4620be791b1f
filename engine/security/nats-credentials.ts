// Terminal credentials for NATS. Each terminal — or a site gateway speaking for every terminal of
// its site — gets its own NATS user, an nkey (Ed25519; the server keeps only the public key, the
// holder keeps the seed, printed or written once and never stored by the engine). The generated
// nats-server authorization lets a terminal publish only on `<prefix>.v1.term.<terminalId>.>` and
// subscribe only to its own inbox (`_INBOX.<terminalId>.>`: the terminal sets that inbox prefix) and
// to its site's price list; a site gateway the same for all terminals of its site, with the inbox
// `_INBOX_SITE.<siteId>`. The engine's own user (its seed in `<data>/nats-engine.nk`) may subscribe
// to every terminal's requests and reply to them (allow_responses), publish events and price lists,
// and use the admin and sys subjects. Revoking removes the user from the next configuration; a
// reload of nats-server (SIGHUP) closes a revoked holder's connection at once.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser, fromSeed } from 'nkeys.js';
import { constants, subjectPrefixDefault } from '../constants.js';
import type { Catalogs } from '../network/catalogs.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AuditActor, AuditLog } from './audit.js';
import { actorOf } from './audit.js';
import { authorize } from './permissions.js';
import type { Principal } from './principal.js';
import type { RefusalCode } from './permissions.js';

export const credentialHolderKinds = ['terminal', 'site'] as const;
export type CredentialHolderKind = (typeof credentialHolderKinds)[number];

export interface CredentialHolder {
  kind: CredentialHolderKind;
  /** The terminal id, or the site id for a site gateway. */
  id: string;
}

export interface StoredCredential {
  network: string;
  holder: CredentialHolder;
  /** The nkey's public key (U…): all the server needs. */
  publicKey: string;
  status: 'active' | 'revoked';
  issuedAt: number;
  revokedAt?: number | undefined;
}

export interface IssuedCredential {
  holder: CredentialHolder;
  publicKey: string;
  /** The nkey seed (S…): shown once, to be installed on the terminal. */
  seed: string;
  /** The inbox prefix the holder must set (nats.js `inboxPrefix`, nats.go `CustomInboxPrefix`). */
  inboxPrefix: string;
}

export type CredentialRefusal = { ok: false; code: RefusalCode | 'UNKNOWN_HOLDER'; message: string };
export type CredentialResult<T> = { ok: true; value: T } | CredentialRefusal;

export type CredentialChanger = Principal | { kind: 'system'; id: string };

const credentialKind = 'nats-credential';
const credentialRef = (network: string, holder: CredentialHolder): string => `${network}:${holder.kind}:${holder.id}`;

export function inboxPrefixOf(holder: CredentialHolder): string {
  return holder.kind === 'terminal' ? `_INBOX.${holder.id}` : `_INBOX_SITE.${holder.id}`;
}

/** The inbox prefix of the engine's own connections (its tools' requests come back there). */
export const engineInboxPrefix = '_INBOX_ENGINE';

export function engineSeedPath(dataDir: string): string {
  return join(dataDir, 'nats-engine.nk');
}

/** The engine's nkey seed, created on first use (mode 0600). */
export function loadOrCreateEngineSeed(dataDir: string): string {
  const path = engineSeedPath(dataDir);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const seed = new TextDecoder().decode(createUser().getSeed());
  writeFileSync(path, seed + '\n', { mode: 0o600, flag: 'wx' });
  return seed;
}

export function publicKeyOfSeed(seed: string): string {
  return fromSeed(new TextEncoder().encode(seed)).getPublicKey();
}

export class TerminalCredentials {
  constructor(
    private readonly store: LmdbStore,
    private readonly catalogs: Catalogs,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {}

  get(network: string, holder: CredentialHolder): StoredCredential | undefined {
    return this.store.getReference<StoredCredential>(credentialKind, credentialRef(network, holder));
  }

  list(network: string): StoredCredential[] {
    const result: StoredCredential[] = [];
    for (const { value } of this.store.referencesOf<StoredCredential>(credentialKind)) if (value.network === network) result.push(value);
    return result;
  }

  /** A new nkey for a terminal or site gateway (a previous one stops working at the next reload). */
  async issue(network: string, holder: CredentialHolder, by: CredentialChanger, address?: string): Promise<CredentialResult<IssuedCredential>> {
    const refused = this.refuse(network, by, address, 'terminal.credential_issued');
    if (refused) return refused;
    if (!this.holderExists(network, holder)) return { ok: false, code: 'UNKNOWN_HOLDER', message: `${holder.kind} ${holder.id} is not in network ${network}` };
    const issued = this.issueUnchecked(network, holder, by, address);
    await this.store.flushed();
    return { ok: true, value: issued };
  }

  /** Terminals of a network that never had credentials (a revoked one stays revoked until reissued). */
  missing(network: string): string[] {
    const catalog = this.catalogs.network(network);
    return [...(catalog?.terminals.keys() ?? [])].filter((id) => this.get(network, { kind: 'terminal', id }) === undefined);
  }

  /** Issues credentials for every terminal of the network that never had any (returns the new ones). */
  async issueMissing(network: string, by: CredentialChanger, address?: string): Promise<CredentialResult<IssuedCredential[]>> {
    const refused = this.refuse(network, by, address, 'terminal.credential_issued');
    if (refused) return refused;
    const issued = this.missing(network).map((id) => this.issueUnchecked(network, { kind: 'terminal', id }, by, address));
    await this.store.flushed();
    return { ok: true, value: issued };
  }

  async revoke(network: string, holder: CredentialHolder, by: CredentialChanger, address?: string): Promise<CredentialResult<StoredCredential>> {
    const refused = this.refuse(network, by, address, 'terminal.credential_revoked');
    if (refused) return refused;
    const before = this.get(network, holder);
    if (before === undefined) return { ok: false, code: 'NOT_FOUND', message: `${holder.kind} ${holder.id} has no credentials` };
    if (before.status === 'revoked') return { ok: true, value: before };
    const after: StoredCredential = { ...before, status: 'revoked', revokedAt: this.now() };
    this.store.putReference(credentialKind, credentialRef(network, holder), after);
    this.audit.record({ network, kind: 'terminal.credential_revoked', action: 'terminals.credentials', actor: actorOfChanger(by), address, target: { type: holder.kind, id: holder.id }, before, after, outcome: 'ok' });
    await this.store.flushed();
    return { ok: true, value: after };
  }

  /**
   * The nats-server `authorization` block for these networks: the engine's user and every active
   * credential whose holder is still in its network. Include it from the server's configuration.
   */
  natsServerAuthorization(networks: readonly string[], engineSeedOrPublicKey: string, prefix: string = subjectPrefixDefault): string {
    const enginePublicKey = engineSeedOrPublicKey.startsWith('S') ? publicKeyOfSeed(engineSeedOrPublicKey) : engineSeedOrPublicKey;
    const users: string[] = [
      userEntry(
        enginePublicKey,
        {
          publish: [`${prefix}.v1.evt.>`, `${prefix}.v1.cfg.>`, `${prefix}.v1.admin.>`, `${prefix}.v1.sys.>`],
          subscribe: [`${prefix}.v1.term.*.>`, `${prefix}.v1.admin.>`, `${prefix}.v1.sys.>`, `${engineInboxPrefix}.>`],
          allowResponses: true,
        },
        'the engine',
      ),
    ];
    for (const network of networks) {
      const catalog = this.catalogs.network(network);
      if (catalog === undefined) continue;
      for (const credential of this.list(network)) {
        if (credential.status !== 'active') continue;
        if (users.length > constants.natsCredentialsMax) throw new Error(`more than ${constants.natsCredentialsMax} NATS credentials`);
        const { holder } = credential;
        if (holder.kind === 'terminal') {
          const terminal = catalog.terminals.get(holder.id);
          if (terminal === undefined) continue;
          users.push(
            userEntry(credential.publicKey, { publish: [`${prefix}.v1.term.${terminal.id}.>`], subscribe: [`${inboxPrefixOf(holder)}.>`, `${prefix}.v1.cfg.${terminal.siteId}.prices`], allowResponses: false }, `terminal ${terminal.id} (${network}, site ${terminal.siteId})`),
          );
        } else {
          if (!catalog.sites.has(holder.id)) continue;
          const terminals = [...catalog.terminals.values()].filter((terminal) => terminal.siteId === holder.id).map((terminal) => terminal.id);
          if (terminals.length === 0) continue;
          users.push(
            userEntry(credential.publicKey, { publish: terminals.map((id) => `${prefix}.v1.term.${id}.>`), subscribe: [`${inboxPrefixOf(holder)}.>`, `${prefix}.v1.cfg.${holder.id}.prices`], allowResponses: false }, `site gateway ${holder.id} (${network})`),
          );
        }
      }
    }
    return [
      '# Tessera: NATS users of the engine and of each terminal or site gateway (nkeys).',
      '# Generated by `tessera nats-config`; regenerate it instead of editing, then reload nats-server',
      '# (`nats-server --signal reload=<pid>` or `kill -HUP <pid>`). Include it from the server configuration.',
      'authorization {',
      '  users = [',
      ...users,
      '  ]',
      '}',
      '',
    ].join('\n');
  }

  private issueUnchecked(network: string, holder: CredentialHolder, by: CredentialChanger, address: string | undefined): IssuedCredential {
    const pair = createUser();
    const seed = new TextDecoder().decode(pair.getSeed());
    const publicKey = pair.getPublicKey();
    pair.clear();
    const before = this.get(network, holder);
    const after: StoredCredential = { network, holder: { ...holder }, publicKey, status: 'active', issuedAt: this.now() };
    this.store.putReference(credentialKind, credentialRef(network, holder), after);
    this.audit.record({ network, kind: 'terminal.credential_issued', action: 'terminals.credentials', actor: actorOfChanger(by), address, target: { type: holder.kind, id: holder.id }, ...(before ? { before } : {}), after, outcome: 'ok' });
    return { holder: { ...holder }, publicKey, seed, inboxPrefix: inboxPrefixOf(holder) };
  }

  private holderExists(network: string, holder: CredentialHolder): boolean {
    const catalog = this.catalogs.network(network);
    if (catalog === undefined) return false;
    return holder.kind === 'terminal' ? catalog.terminals.has(holder.id) : catalog.sites.has(holder.id);
  }

  private refuse(network: string, by: CredentialChanger, address: string | undefined, attempted: string): CredentialRefusal | undefined {
    if (by.kind === 'system') return undefined;
    const decision = authorize(by, 'terminals.credentials', { network });
    if (decision.allowed) return undefined;
    this.audit.record({ network: by.network, kind: 'access.refused', action: 'terminals.credentials', actor: actorOf(by), address, outcome: 'refused', reason: decision.code, after: { attempted } });
    return { ok: false, code: decision.code, message: 'not allowed' };
  }
}

function actorOfChanger(by: CredentialChanger): AuditActor {
  return by.kind === 'system' ? { kind: 'system', id: by.id } : actorOf(by);
}

function userEntry(publicKey: string, permissions: { publish: string[]; subscribe: string[]; allowResponses: boolean }, comment: string): string {
  const list = (subjects: string[]): string => `[${subjects.map((subject) => JSON.stringify(subject)).join(', ')}]`;
  return [
    `    # ${comment.replace(/[\r\n]/g, ' ')}`,
    `    { nkey: ${JSON.stringify(publicKey)}, permissions: { publish: { allow: ${list(permissions.publish)} }, subscribe: { allow: ${list(permissions.subscribe)} }${permissions.allowResponses ? ', allow_responses: true' : ''} } }`,
  ].join('\n');
}

/**
 * Writes a nats-server authorization file atomically (a temporary file renamed over it, so the server
 * never reads half a file) and, given nats-server's pid, reloads it: what a revocation through the
 * API calls after `revoke`, so that it takes effect at once.
 */
export function applyNatsAuthorization(file: string, text: string, reloadPid?: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o644 });
  renameSync(temporary, file);
  if (reloadPid !== undefined) reloadNatsServer(reloadPid);
}

/** Writes a seed file for a holder (mode 0600): what its installer copies to the terminal. */
export function writeSeedFile(directory: string, issued: IssuedCredential): string {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const path = join(directory, `${issued.holder.kind}-${issued.holder.id}.nk`);
  writeFileSync(path, issued.seed + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Asks nats-server to reload its configuration (what `nats-server --signal reload=<pid>` does). */
export function reloadNatsServer(pid: number): void {
  process.kill(pid, 'SIGHUP');
}
