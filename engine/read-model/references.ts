// Reference data in the read model: after a `network.imported` event the network's tables are made
// equal to what the engine's store holds now. The catalog (network, sites, terminals, products,
// prices, discounts, tariffs — thousands of rows at most) is replaced in one step; the many
// (accounts with their counterparties and clients, cards, client plates) are upserted in bounded
// steps, rewriting only rows that differ, so a network of a million cards never becomes one huge
// transaction and never stalls the projection of events for long (steps interleave with batches).
// Cards carry only the masked number and the keyed hash; PIN hashes, QR and NFC tokens stay out.

import type { AccountConfig, CardConfig, NetworkCatalogDocument } from '../network/catalog.js';
import { referenceKinds } from '../network/catalog.js';
import { readModelSchema } from './migrate.js';
import type { WriteSpec } from './writes.js';
import { insert, rowsParameter, upsert } from './writes.js';

/** What reference sync reads from the engine's store. */
export interface ReferenceReader {
  referencesOf<T>(kind: string): Iterable<{ id: string; value: T }>;
  getReference<T>(kind: string, id: string): T | undefined;
}

export interface Statement {
  text: string;
  values: unknown[];
}

/** Statements that run in one transaction. */
export type ReferenceStep = Statement[];

const schema = readModelSchema;

function write<Row>(spec: WriteSpec<Row>, rows: readonly Row[]): Statement[] {
  return rows.length === 0 ? [] : [{ text: spec.sql, values: [rowsParameter(spec, rows)] }];
}

// ---- the catalog -------------------------------------------------------------------------------

interface NetworkRow {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  bonus_rate: number | null;
  bonus_redeem: boolean | null;
  bonus_products: string[] | null;
}
interface SiteRow {
  network: string;
  id: string;
  name: string;
  kind: string;
}
interface TerminalRow {
  network: string;
  id: string;
  site: string;
  kind: string;
  status: string;
}
interface ProductRow {
  network: string;
  code: string;
  name: string;
  product_group: string;
  unit: string;
  hold_minutes: number | null;
}
interface PriceRow {
  network: string;
  product: string;
  site: string | null;
  price: number;
  valid_from: number | null;
}
interface DiscountRow {
  network: string;
  id: string;
  name: string;
  percent: number | null;
  per_unit: number | null;
  products: string[] | null;
  segments: string[] | null;
  counterparties: string[] | null;
  sites: string[] | null;
  hours: string | null;
  valid_from: number | null;
  valid_to: number | null;
  fixed_price: number | null;
  client_groups: string[] | null;
  members_only: boolean;
  threshold: { period: string; volume?: number | undefined; amount?: number | undefined } | null;
}
interface TariffRow {
  network: string;
  code: string;
  name: string;
  per_minute: number;
  per_minute_member: number | null;
  minimum_minutes: number | null;
}

const catalogWrites = {
  networks: insert<NetworkRow>(
    'networks',
    { id: 'text', name: 'text', currency: 'text', timezone: 'text', bonus_rate: 'integer', bonus_redeem: 'boolean', bonus_products: 'text[]' },
    '',
  ),
  sites: insert<SiteRow>('sites', { network: 'text', id: 'text', name: 'text', kind: 'text' }, ''),
  terminals: insert<TerminalRow>('terminals', { network: 'text', id: 'text', site: 'text', kind: 'text', status: 'text' }, ''),
  products: insert<ProductRow>('products', { network: 'text', code: 'text', name: 'text', product_group: 'text', unit: 'text', hold_minutes: 'integer' }, ''),
  prices: insert<PriceRow>('prices', { network: 'text', product: 'text', site: 'text', price: 'bigint', valid_from: 'timestamptz' }, ''),
  discounts: insert<DiscountRow>(
    'discounts',
    {
      network: 'text', id: 'text', name: 'text', percent: 'integer', per_unit: 'bigint', products: 'text[]', segments: 'text[]', counterparties: 'text[]',
      sites: 'text[]', hours: 'text', valid_from: 'timestamptz', valid_to: 'timestamptz', fixed_price: 'bigint', client_groups: 'text[]', members_only: 'boolean', threshold: 'jsonb',
    },
    '',
  ),
  tariffs: insert<TariffRow>('tariffs', { network: 'text', code: 'text', name: 'text', per_minute: 'bigint', per_minute_member: 'bigint', minimum_minutes: 'integer' }, ''),
};

const catalogTables = ['sites', 'terminals', 'products', 'prices', 'discounts', 'tariffs'] as const;

/** Replaces the network's catalog rows with the stored document (or removes them if there is none). */
export function catalogStep(reader: ReferenceReader, network: string): ReferenceStep {
  const statements: Statement[] = [
    ...catalogTables.map((table) => ({ text: `DELETE FROM ${schema}.${table} WHERE network = $1`, values: [network] })),
    { text: `DELETE FROM ${schema}.networks WHERE id = $1`, values: [network] },
  ];
  const document = reader.getReference<NetworkCatalogDocument>(referenceKinds.network, network);
  if (document === undefined) return statements;
  const header = document.network;
  statements.push(
    ...write(catalogWrites.networks, [
      {
        id: header.id,
        name: header.name,
        currency: header.currency,
        timezone: header.timezone,
        bonus_rate: document.bonus?.rate ?? null,
        bonus_redeem: document.bonus?.redeem ?? null,
        bonus_products: document.bonus?.products ?? null,
      },
    ]),
  );
  const sites = document.sites ?? [];
  statements.push(...write(catalogWrites.sites, sites.map((site) => ({ network, id: site.id, name: site.name, kind: site.kind }))));
  statements.push(
    ...write(
      catalogWrites.terminals,
      sites.flatMap((site) => site.terminals.map((terminal) => ({ network, id: terminal.id, site: site.id, kind: terminal.kind, status: terminal.status ?? 'active' }))),
    ),
  );
  statements.push(
    ...write(
      catalogWrites.products,
      (document.products ?? []).map((product) => ({ network, code: product.code, name: product.name, product_group: product.group, unit: product.unit, hold_minutes: product.holdMinutes ?? null })),
    ),
  );
  statements.push(...write(catalogWrites.prices, (document.prices ?? []).map((price) => ({ network, product: price.product, site: price.site ?? null, price: price.price, valid_from: price.from ?? null }))));
  statements.push(
    ...write(
      catalogWrites.discounts,
      (document.discounts ?? []).map((rule) => ({
        network,
        id: rule.id,
        name: rule.name,
        percent: rule.percent ?? null,
        per_unit: rule.perUnit ?? null,
        products: rule.products ?? null,
        segments: rule.segments ?? null,
        counterparties: rule.counterparties ?? null,
        sites: rule.sites ?? null,
        hours: rule.hours ?? null,
        valid_from: rule.from ?? null,
        valid_to: rule.to ?? null,
        fixed_price: rule.fixedPrice ?? null,
        client_groups: rule.clientGroups ?? null,
        members_only: rule.members === true,
        threshold: rule.threshold ?? null,
      })),
    ),
  );
  statements.push(
    ...write(
      catalogWrites.tariffs,
      (document.tariffs ?? []).map((tariff) => ({
        network,
        code: tariff.code,
        name: tariff.name,
        per_minute: tariff.perMinute,
        per_minute_member: tariff.perMinuteMember ?? null,
        minimum_minutes: tariff.minimumMinutes ?? null,
      })),
    ),
  );
  return statements;
}

// ---- the many ----------------------------------------------------------------------------------

interface AccountRow {
  key: string;
  network: string;
  owner: 'counterparty' | 'client';
  owner_id: string;
  name: string;
  segment: string | null;
  member: boolean | null;
  client_groups: string[] | null;
  opening_balance: number;
  credit_limit: number;
}
interface CounterpartyRow {
  network: string;
  id: string;
  name: string;
  segment: string | null;
  account: string;
}
interface ClientRow {
  network: string;
  id: string;
  name: string;
  member: boolean;
  account: string;
}
interface CardRow {
  network: string;
  hash: string;
  masked: string;
  account: string;
  status: string;
  expires: string | null;
  limits: unknown[];
  restrictions: Record<string, unknown>;
}
interface PlateRow {
  network: string;
  plate: string;
  client: string;
}

const manyWrites = {
  accounts: upsert<AccountRow>(
    'accounts',
    { key: 'text', network: 'text', owner: 'text', owner_id: 'text', name: 'text', segment: 'text', member: 'boolean', client_groups: 'text[]', opening_balance: 'bigint', credit_limit: 'bigint' },
    ['key'],
  ),
  counterparties: upsert<CounterpartyRow>('counterparties', { network: 'text', id: 'text', name: 'text', segment: 'text', account: 'text' }, ['network', 'id']),
  clients: upsert<ClientRow>('clients', { network: 'text', id: 'text', name: 'text', member: 'boolean', account: 'text' }, ['network', 'id']),
  cards: upsert<CardRow>(
    'cards',
    { network: 'text', hash: 'text', masked: 'text', account: 'text', status: 'text', expires: 'text', limits: 'jsonb', restrictions: 'jsonb' },
    ['network', 'hash'],
  ),
  plates: upsert<PlateRow>('client_plates', { network: 'text', plate: 'text', client: 'text' }, ['network', 'plate']),
};

function accountStep(accounts: readonly AccountConfig[]): ReferenceStep {
  const counterparties: CounterpartyRow[] = [];
  const clients: ClientRow[] = [];
  for (const account of accounts) {
    if (account.owner === 'counterparty') counterparties.push({ network: account.networkId, id: account.ownerId, name: account.name, segment: account.segment ?? null, account: account.key });
    else clients.push({ network: account.networkId, id: account.ownerId, name: account.name, member: account.member ?? false, account: account.key });
  }
  return [
    ...write(
      manyWrites.accounts,
      accounts.map((account) => ({
        key: account.key,
        network: account.networkId,
        owner: account.owner,
        owner_id: account.ownerId,
        name: account.name,
        segment: account.segment ?? null,
        member: account.member ?? null,
        client_groups: account.groups ?? null,
        opening_balance: account.openingBalance,
        credit_limit: account.creditLimit,
      })),
    ),
    ...write(manyWrites.counterparties, counterparties),
    ...write(manyWrites.clients, clients),
  ];
}

function cardStep(cards: readonly CardConfig[]): ReferenceStep {
  return write(
    manyWrites.cards,
    // Named fields only: the PIN's hash never leaves the engine.
    cards.map((card) => ({
      network: card.networkId,
      hash: card.hash,
      masked: card.masked,
      account: card.accountKey,
      status: card.status,
      expires: card.expires ?? null,
      limits: card.limits.map((limit) => ({ ...limit })),
      restrictions: { ...card.restrictions },
    })),
  );
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function* ofNetwork<T extends { networkId: string }>(reader: ReferenceReader, kind: string, network: string): Generator<T> {
  for (const { value } of reader.referencesOf<T>(kind)) if (value.networkId === network) yield value;
}

function* platesOf(reader: ReferenceReader, network: string): Generator<PlateRow> {
  const prefix = `${network}:plate:`;
  for (const { id, value } of reader.referencesOf<string>(referenceKinds.clientIdentifier)) {
    if (id.startsWith(prefix)) yield { network, plate: id.slice(prefix.length), client: value };
  }
}

/**
 * The steps that make the network's reference tables equal to the store: the catalog, then
 * accounts, cards and plates in chunks of at most `rowsMax` rows. Lazy: each step reads the store
 * when it is asked for.
 */
export function* referenceSyncSteps(reader: ReferenceReader, network: string, rowsMax: number): Generator<ReferenceStep> {
  yield catalogStep(reader, network);
  for (const accounts of chunks(ofNetwork<AccountConfig>(reader, referenceKinds.account, network), rowsMax)) yield accountStep(accounts);
  for (const cards of chunks(ofNetwork<CardConfig>(reader, referenceKinds.card, network), rowsMax)) yield cardStep(cards);
  for (const plates of chunks(platesOf(reader, network), rowsMax)) yield write(manyWrites.plates, plates);
}

/** The site of each terminal of a network, from its stored catalog. */
export function terminalSites(reader: ReferenceReader, network: string): Map<string, string> {
  const sites = new Map<string, string>();
  const document = reader.getReference<NetworkCatalogDocument>(referenceKinds.network, network);
  for (const site of document?.sites ?? []) for (const terminal of site.terminals) sites.set(terminal.id, site.id);
  return sites;
}
