// Form rules and conversions of the counterparties and clients forms, checked before anything is
// sent: money entered in roubles (at most 2 decimals) becomes integer kopecks, and ids follow the
// API's identifier pattern.

import type { Rule } from 'antd/es/form';
import type { TFunction } from 'i18next';

const identifierPattern = /^[A-Za-z0-9_-]+$/;

/** An integer number of kopecks from roubles (the rules have already refused more decimals). */
export function kopecksOf(rubles: number): number {
  return Math.round(rubles * 100);
}

function decimals(value: number): number {
  const text = String(value);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Roubles: above zero (or zero / negative where allowed), at most 2 decimals; empty passes (use required for that). */
export function rublesRule(t: TFunction, allow: { zero?: boolean; negative?: boolean } = {}): Rule {
  return {
    validator: (_rule, value: unknown) => {
      if (value === undefined || value === null || value === '') return Promise.resolve();
      const number = Number(value);
      const ok = Number.isFinite(number) && decimals(number) <= 2 && (number > 0 || (allow.zero === true && number === 0) || (allow.negative === true && number < 0)) && Math.abs(number) < 1e13;
      return ok ? Promise.resolve() : Promise.reject(new Error(t('validation.amount')));
    },
  };
}

export function identifierRule(t: TFunction): Rule {
  return { pattern: identifierPattern, max: 64, message: t('accounts.parties.idRule') };
}
