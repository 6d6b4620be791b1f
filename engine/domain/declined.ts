// The `declined` event: a fact recorded by whichever actor declined a request (terminal, card or
// account), in the same commit as the reply record, so the journal shows every decision.

import type { DeclineReason } from '../reasons.js';
import type { Operation } from '../protocol/requests.js';

export interface DeclineDetails {
  op: Operation;
  /** The masked card number. */
  card?: string;
  /**
   * The card's keyed hash, when a known card was declined before its own actor (a card without a PIN
   * is checked at the terminal's door): alerts count the card's declines by it and a search by the
   * full number finds them. Never shown to viewers (the streams drop it).
   */
  cardHash?: string;
  product?: string;
  amount?: number;
  volume?: number;
}

export type DeclinedEvent = { type: 'declined'; network: string; terminal: string; site: string; id: string; reason: DeclineReason; at: number } & DeclineDetails;
