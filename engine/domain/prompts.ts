// Cashier prompts: messages a sale's reply carries when the network's rules on it hold — the
// client's birthday today, more than N lines, a total above an amount, a promoted product in the
// receipt, a fragile product in it. Pure; listed in the network's order, at most
// `messagesPerReplyMax` of them.

import type { NetworkCatalog } from '../network/catalog.js';
import { productMatches } from '../network/catalog.js';
import { constants } from '../constants.js';
import { assertNever } from '../assert.js';

export interface PromptFacts {
  lines: readonly { product: string }[];
  amount: number;
  /** The client's birthday, "MM-DD", when the buyer is a known client. */
  birthday?: string | undefined;
  /** Today in the network's time zone. */
  month: number;
  day: number;
}

export function cashierMessages(catalog: NetworkCatalog, facts: PromptFacts): string[] {
  const messages: string[] = [];
  for (const prompt of catalog.prompts) {
    if (messages.length >= constants.messagesPerReplyMax) break;
    if (holds(catalog, prompt.condition, facts)) messages.push(prompt.message);
  }
  return messages;
}

function holds(catalog: NetworkCatalog, condition: NetworkCatalog['prompts'][number]['condition'], facts: PromptFacts): boolean {
  switch (condition.kind) {
    case 'birthday':
      return facts.birthday !== undefined && facts.birthday === `${String(facts.month).padStart(2, '0')}-${String(facts.day).padStart(2, '0')}`;
    case 'linesAbove':
      return facts.lines.length > condition.lines;
    case 'amountAbove':
      return facts.amount > condition.amount;
    case 'products':
      return facts.lines.some((line) => productMatches(catalog, condition.products, line.product));
    case 'fragile':
      return facts.lines.some((line) => catalog.products.get(line.product)?.fragile === true);
    default:
      return assertNever(condition);
  }
}
