// `tessera import FILE`: validates the document locally (same schema as the engine), then sends it
// in parts — the catalog first, then counterparties and clients, then cards in batches — over NATS
// (`tessera.v1.admin.import`) or to a local engine's HTTP API, with a progress bar on the terminal.

import { readFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { constants, subjectPrefixDefault } from '../constants.js';
import type { NetworkDocument } from '../network/schema.js';
import { describeIssues, networkDocumentSchema } from '../network/schema.js';

export function splitDocument(document: NetworkDocument, cardsPerPart: number = constants.importPartCardsMax): NetworkDocument[] {
  const { cards = [], counterparties = [], clients = [], ...catalog } = document;
  const parts: NetworkDocument[] = [catalog];
  for (let index = 0; index < counterparties.length; index += cardsPerPart) parts.push({ network: document.network, counterparties: counterparties.slice(index, index + cardsPerPart) });
  for (let index = 0; index < clients.length; index += cardsPerPart) parts.push({ network: document.network, clients: clients.slice(index, index + cardsPerPart) });
  for (let index = 0; index < cards.length; index += cardsPerPart) parts.push({ network: document.network, cards: cards.slice(index, index + cardsPerPart) });
  return parts;
}

function size(part: NetworkDocument): number {
  return 1 + (part.cards?.length ?? 0) + (part.counterparties?.length ?? 0) + (part.clients?.length ?? 0);
}

export async function importFile(file: string, options: { nats?: string | undefined; natsNkeySeed?: string | undefined; http: number }): Promise<boolean> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    process.stderr.write(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return false;
  }
  const parsed = networkDocumentSchema.safeParse(json);
  if (!parsed.success) {
    process.stderr.write(`the document is not valid: ${describeIssues(parsed.error, 20)}\n`);
    return false;
  }
  const parts = splitDocument(parsed.data);
  const send = options.nats ? await natsSender(options.nats, options.natsNkeySeed) : httpSender(options.http);
  const total = parts.reduce((sum, part) => sum + size(part), 0);
  const bar = new SingleBar({ format: 'import {bar} {percentage}% | {value}/{total} records | {eta_formatted} left', hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0);
  const totals = { created: 0, updated: 0, unchanged: 0 };
  try {
    for (const part of parts) {
      const reply = await send.send(part);
      if (reply['result'] !== 'approved') {
        bar.stop();
        process.stderr.write(`import refused: ${String(reply['message'] ?? reply['reason'])}\n`);
        return false;
      }
      totals.created += Number(reply['created'] ?? 0);
      totals.updated += Number(reply['updated'] ?? 0);
      totals.unchanged += Number(reply['unchanged'] ?? 0);
      bar.increment(size(part));
    }
  } catch (error) {
    bar.stop();
    process.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return false;
  } finally {
    await send.close();
  }
  bar.stop();
  process.stdout.write(`network ${parsed.data.network.id}: ${totals.created} created, ${totals.updated} updated, ${totals.unchanged} unchanged\n`);
  return true;
}

interface Sender {
  send(part: NetworkDocument): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function natsSender(url: string, nkeySeed: string | undefined): Promise<Sender> {
  const { connectNatsBus } = await import('../../gateways/index.js');
  const bus = await connectNatsBus(url, 'tessera-import', nkeySeed !== undefined ? { nkeySeed } : undefined);
  return {
    async send(part) {
      const reply = await bus.request(`${subjectPrefixDefault}.v1.admin.import`, Buffer.from(JSON.stringify(part)), { timeoutMs: 120_000, headers: { 'Content-Type': 'application/json' } });
      const text = Buffer.from(reply.data).toString('utf8');
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        const { unpack } = await import('msgpackr');
        return unpack(Buffer.from(reply.data)) as Record<string, unknown>;
      }
    },
    close: () => bus.drain(),
  };
}

function httpSender(port: number): Sender {
  return {
    async send(part) {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/import`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(part) });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.ok) return { result: 'approved', ...body };
      const error = body['error'] as { message?: string } | undefined;
      return { result: 'error', message: error?.message ?? `HTTP ${response.status}` };
    },
    close: () => Promise.resolve(),
  };
}
