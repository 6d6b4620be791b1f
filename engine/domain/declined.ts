// The `declined` event: a fact recorded by whichever actor declined a request (terminal, card or
// account), in the same commit as the reply record, so the journal shows every decision.

import type { DeclineReason } from '../reasons.js';
import type { Operation } from '../protocol/requests.js';

export interface DeclineDetails {
  op: Operation;
  card?: string;
  product?: string;
  amount?: number;
  volume?: number;
}

export type DeclinedEvent = { type: 'declined'; network: string; terminal: string; site: string; id: string; reason: DeclineReason; at: number } & DeclineDetails;
