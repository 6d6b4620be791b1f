// Applies a network document: validates every reference first (nothing changes if any is wrong),
// then writes only what differs, so importing the same document twice changes nothing.
// Sections present in a document replace the stored ones (sites, products, prices, discounts, bonus,
// tariffs); counterparties, clients and cards are upserted one by one and never removed by absence,
// which lets `tessera import` send a large document in parts. Opening balances are set only when an
// account is created; after that money moves through operations.

import { isDeepStrictEqual } from 'node:util';
import type { CardKeys } from '../card-identity.js';
import type { LmdbStore } from '../store/lmdb-store.js';
import type { AccountConfig, CardConfig, NetworkCatalogDocument } from './catalog.js';
import { accountKeyFor, compileCatalog, referenceKinds } from './catalog.js';
import type { NetworkCatalog } from './catalog.js';
import type { CardChange, NetworkDocument } from './schema.js';
import { normalizePlate } from '../domain/plates.js';
import { alertSectionProblems } from '../alerts/settings.js';

export interface ImportSummary {
  network: string;
  created: number;
  updated: number;
  unchanged: number;
  /** Actor keys whose configuration changed (live actors reload it). */
  changedKeys: string[];
  catalogChanged: boolean;
}

export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(readonly problems: string[]) {
    super(problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; and ${problems.length - 10} more` : ''));
  }
}

const catalogSections = ['sites', 'products', 'prices', 'discounts', 'bonus', 'tariffs', 'prompts', 'alerts'] as const;

/**
 * The catalog after a document: its sections replace the stored ones. `whole`: the document's
 * catalog is the whole catalog (a section it lacks is removed — the management API's deletes).
 */
export function mergeCatalogDocument(previous: NetworkCatalogDocument | undefined, document: NetworkDocument, whole = false): NetworkCatalogDocument {
  const merged: NetworkCatalogDocument = { ...(whole ? {} : (previous ?? {})), network: document.network };
  for (const section of catalogSections) {
    if (document[section] !== undefined) (merged as Record<string, unknown>)[section] = document[section];
  }
  return merged;
}

/** Which network already owns a terminal id or a site id (both must be unique across the networks of one engine). */
export interface Owners {
  terminal: (terminalId: string) => string | undefined;
  site: (siteId: string) => string | undefined;
}

export async function importNetwork(
  store: LmdbStore,
  cardKeys: CardKeys,
  document: NetworkDocument,
  owners: Owners,
  options: { wholeCatalog?: boolean } = {},
): Promise<{ summary: ImportSummary; catalog: NetworkCatalog }> {
  const networkId = document.network.id;
  const previous = store.getReference<NetworkCatalogDocument>(referenceKinds.network, networkId);
  const merged = mergeCatalogDocument(previous, document, options.wholeCatalog === true);
  const catalog = compileCatalog(merged);
  const problems = checkReferences(store, catalog, merged, document, owners.terminal, owners.site);
  if (problems.length > 0) throw new ImportError(problems);

  const summary: ImportSummary = { network: networkId, created: 0, updated: 0, unchanged: 0, changedKeys: [], catalogChanged: false };
  const count = (before: unknown, after: unknown): boolean => {
    if (before === undefined) summary.created++;
    else if (isDeepStrictEqual(before, after)) {
      summary.unchanged++;
      return false;
    } else summary.updated++;
    return true;
  };

  if (count(previous, merged)) {
    summary.catalogChanged = true;
    store.putReference(referenceKinds.network, networkId, merged);
  }

  const writeAccount = (owner: 'counterparty' | 'client', ownerId: string, name: string, account: { balance: number; creditLimit?: number | undefined }, extra: Partial<AccountConfig>): void => {
    const key = accountKeyFor(networkId, owner, ownerId);
    const before = store.getReference<AccountConfig>(referenceKinds.account, key);
    const after: AccountConfig = { networkId, key, owner, ownerId, name, openingBalance: before?.openingBalance ?? account.balance, creditLimit: account.creditLimit ?? 0, ...extra };
    if (count(before, after)) {
      store.putReference(referenceKinds.account, key, after);
      if (before) summary.changedKeys.push(key);
    }
  };

  for (const counterparty of document.counterparties ?? []) {
    writeAccount('counterparty', counterparty.id, counterparty.name, counterparty.account, counterparty.segment !== undefined ? { segment: counterparty.segment } : {});
  }
  for (const client of document.clients ?? []) {
    const extra: Partial<AccountConfig> = { member: client.member };
    if (client.groups !== undefined) extra.groups = [...client.groups];
    if (client.birthday !== undefined) extra.birthday = client.birthday;
    if (client.plate !== undefined) extra.plate = normalizePlate(client.plate);
    writeAccount('client', client.id, client.name, client.account, extra);
    const identifiers: [string, string | undefined][] = [
      ['qr', client.qr],
      ['nfc', client.nfc],
      ['plate', client.plate !== undefined ? normalizePlate(client.plate) : undefined],
    ];
    for (const [kind, value] of identifiers) {
      if (value === undefined) continue;
      const id = `${networkId}:${kind}:${value}`;
      if (store.getReference<string>(referenceKinds.clientIdentifier, id) !== client.id) store.putReference(referenceKinds.clientIdentifier, id, client.id);
    }
  }
  for (const card of document.cards ?? []) {
    const identity = cardKeys.identify(networkId, card.number);
    const storageId = `${networkId}:${identity.hash}`;
    const before = store.getReference<CardConfig>(referenceKinds.card, storageId);
    const after: CardConfig = {
      networkId,
      hash: identity.hash,
      masked: identity.masked,
      accountKey: card.counterparty !== undefined ? accountKeyFor(networkId, 'counterparty', card.counterparty) : accountKeyFor(networkId, 'client', card.client ?? ''),
      status: card.status,
      limits: (card.limits ?? []).map((limit) => ({ ...limit })),
      restrictions: { ...(card.restrictions ?? {}) },
    };
    if (card.pin !== undefined) {
      // Keep the stored hash when the PIN is unchanged, so a re-import writes nothing.
      after.pinHash = before?.pinHash !== undefined && cardKeys.pinMatches(identity.hash, card.pin, before.pinHash) ? before.pinHash : cardKeys.pinHash(identity.hash, card.pin);
    }
    if (card.expires !== undefined) after.expires = card.expires;
    if (card.tankLitres !== undefined) after.tankLitres = card.tankLitres;
    if (count(before, after)) {
      store.putReference(referenceKinds.card, storageId, after);
      if (before) summary.changedKeys.push(`card:${storageId}`);
    }
  }
  await store.flushed();
  return { summary, catalog };
}

function checkReferences(
  store: LmdbStore,
  catalog: NetworkCatalog,
  merged: NetworkCatalogDocument,
  document: NetworkDocument,
  otherNetworkTerminals: (terminalId: string) => string | undefined,
  otherNetworkSites: (siteId: string) => string | undefined,
): string[] {
  const problems: string[] = [];
  const groups = new Set([...catalog.products.values()].map((product) => product.group));
  const productOrGroup = (ref: string): boolean => catalog.products.has(ref) || groups.has(ref);
  const unique = (label: string, ids: readonly string[]): void => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) problems.push(`${label} "${id}" appears twice`);
      seen.add(id);
    }
  };
  unique('site', (merged.sites ?? []).map((site) => site.id));
  unique('terminal', (merged.sites ?? []).flatMap((site) => site.terminals.map((terminal) => terminal.id)));
  unique('product', (merged.products ?? []).map((product) => product.code));
  unique('counterparty', (document.counterparties ?? []).map((counterparty) => counterparty.id));
  unique('client', (document.clients ?? []).map((client) => client.id));
  unique('tariff', (merged.tariffs ?? []).map((tariff) => tariff.code));
  unique('discount', (merged.discounts ?? []).map((rule) => rule.id));
  for (const terminalId of catalog.terminals.keys()) {
    const owner = otherNetworkTerminals(terminalId);
    if (owner !== undefined && owner !== catalog.id) problems.push(`terminal "${terminalId}" already belongs to another network`);
  }
  // Site ids name NATS subjects of their own (`tessera.v1.cfg.<siteId>.prices`): one network each.
  for (const siteId of catalog.sites.keys()) {
    const owner = otherNetworkSites(siteId);
    if (owner !== undefined && owner !== catalog.id) problems.push(`site "${siteId}" already belongs to another network`);
  }
  const priceSteps = new Set<string>();
  (merged.prices ?? []).forEach((price, index) => {
    if (!catalog.products.has(price.product)) problems.push(`prices.${index}.product: unknown product "${price.product}"`);
    if (price.site !== undefined && !catalog.sites.has(price.site)) problems.push(`prices.${index}.site: unknown site "${price.site}"`);
    const step = `${price.product}\u0000${price.site ?? ''}\u0000${price.from ?? 0}`;
    if (priceSteps.has(step)) problems.push(`prices.${index}: a second price for "${price.product}"${price.site !== undefined ? ` at "${price.site}"` : ''} from the same instant`);
    priceSteps.add(step);
  });
  problems.push(...alertSectionProblems(merged.alerts, merged.sites ?? []));
  unique('prompt', (merged.prompts ?? []).map((prompt) => prompt.id));
  (merged.prompts ?? []).forEach((prompt, index) => {
    for (const ref of prompt.products ?? []) if (!productOrGroup(ref)) problems.push(`prompts.${index}.products: unknown product or group "${ref}"`);
  });
  (merged.bonus?.rates ?? []).forEach((entry, index) => {
    for (const ref of entry.products) if (!productOrGroup(ref)) problems.push(`bonus.rates.${index}.products: unknown product or group "${ref}"`);
  });
  (merged.discounts ?? []).forEach((rule, index) => {
    for (const ref of rule.products ?? []) if (!productOrGroup(ref)) problems.push(`discounts.${index}.products: unknown product or group "${ref}"`);
    for (const site of rule.sites ?? []) if (!catalog.sites.has(site)) problems.push(`discounts.${index}.sites: unknown site "${site}"`);
  });
  for (const ref of merged.bonus?.products ?? []) if (!productOrGroup(ref)) problems.push(`bonus.products: unknown product or group "${ref}"`);
  const counterparties = new Set((document.counterparties ?? []).map((counterparty) => counterparty.id));
  const clients = new Set((document.clients ?? []).map((client) => client.id));
  const owners = new Map<string, boolean>();
  const ownerExists = (owner: 'counterparty' | 'client', id: string): boolean => {
    if ((owner === 'counterparty' ? counterparties : clients).has(id)) return true;
    const key = accountKeyFor(catalog.id, owner, id);
    let known = owners.get(key);
    if (known === undefined) {
      known = store.getReference(referenceKinds.account, key) !== undefined;
      owners.set(key, known);
    }
    return known;
  };
  const seenCards = new Set<string>();
  (document.cards ?? []).forEach((card, index) => {
    // Paths only: a card number never appears in an error.
    if (seenCards.has(card.number)) problems.push(`cards.${index}.number: the same card appears twice`);
    seenCards.add(card.number);
    if (card.counterparty !== undefined && !ownerExists('counterparty', card.counterparty)) problems.push(`cards.${index}.counterparty: unknown counterparty "${card.counterparty}"`);
    if (card.client !== undefined && !ownerExists('client', card.client)) problems.push(`cards.${index}.client: unknown client "${card.client}"`);
    (card.limits ?? []).forEach((limit, limitIndex) => {
      for (const ref of limit.products ?? []) if (!productOrGroup(ref)) problems.push(`cards.${index}.limits.${limitIndex}.products: unknown product or group "${ref}"`);
    });
    for (const ref of card.restrictions?.products ?? []) if (!productOrGroup(ref)) problems.push(`cards.${index}.restrictions.products: unknown product or group "${ref}"`);
    for (const site of card.restrictions?.sites ?? []) if (!catalog.sites.has(site)) problems.push(`cards.${index}.restrictions.sites: unknown site "${site}"`);
  });
  return problems;
}

// ---- one card ----------------------------------------------------------------------------------

/** What the management API shows of a card: never the number, never the PIN's hash. */
export interface CardView {
  id: string;
  masked: string;
  counterparty?: string;
  client?: string;
  status: 'active' | 'blocked';
  expires?: string;
  limits: CardConfig['limits'];
  restrictions: CardConfig['restrictions'];
  tankLitres?: number;
  pin: boolean;
}

export function cardViewOf(card: CardConfig): CardView {
  const owner = accountOwner(card.accountKey);
  const view: CardView = { id: card.hash, masked: card.masked, status: card.status, limits: card.limits.map((limit) => ({ ...limit })), restrictions: { ...card.restrictions }, pin: card.pinHash !== undefined };
  if (owner?.owner === 'counterparty') view.counterparty = owner.ownerId;
  if (owner?.owner === 'client') view.client = owner.ownerId;
  if (card.expires !== undefined) view.expires = card.expires;
  if (card.tankLitres !== undefined) view.tankLitres = card.tankLitres;
  return view;
}

function accountOwner(accountKey: string): { owner: 'counterparty' | 'client'; ownerId: string } | undefined {
  const match = /^acct:[^:]+:(cp|cl):(.+)$/.exec(accountKey);
  if (match === null) return undefined;
  return { owner: match[1] === 'cp' ? 'counterparty' : 'client', ownerId: match[2] ?? '' };
}

/**
 * The card after a change, checked against the catalog (products or groups and sites named must
 * exist; problems by path, as an import reports them). Pure: the caller writes it.
 */
export function changedCard(before: CardConfig, change: CardChange, catalog: NetworkCatalog): CardConfig {
  const problems: string[] = [];
  const groups = new Set([...catalog.products.values()].map((product) => product.group));
  const productOrGroup = (ref: string): boolean => catalog.products.has(ref) || groups.has(ref);
  (change.limits ?? []).forEach((limit, index) => {
    for (const ref of limit.products ?? []) if (!productOrGroup(ref)) problems.push(`limits.${index}.products: unknown product or group "${ref}"`);
  });
  for (const ref of change.restrictions?.products ?? []) if (!productOrGroup(ref)) problems.push(`restrictions.products: unknown product or group "${ref}"`);
  for (const site of change.restrictions?.sites ?? []) if (!catalog.sites.has(site)) problems.push(`restrictions.sites: unknown site "${site}"`);
  if (problems.length > 0) throw new ImportError(problems);
  const after: CardConfig = { ...before, limits: before.limits.map((limit) => ({ ...limit })), restrictions: { ...before.restrictions } };
  if (change.status !== undefined) after.status = change.status;
  if (change.limits !== undefined) after.limits = change.limits.map((limit) => ({ ...limit }));
  if (change.restrictions !== undefined) after.restrictions = { ...change.restrictions };
  if (change.expires === null) delete after.expires;
  else if (change.expires !== undefined) after.expires = change.expires;
  if (change.tankLitres === null) delete after.tankLitres;
  else if (change.tankLitres !== undefined) after.tankLitres = change.tankLitres;
  return after;
}
