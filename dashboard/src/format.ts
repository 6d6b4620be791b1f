// How the dashboard shows the engine's integers: money in kopecks as roubles, quantities in
// thousandths of a unit, instants in the network's time zone. One place, so every screen agrees.

import { defaultZone } from './periods';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** 123456 kopecks → "1 234,56 ₽" (ru) / "RUB 1,234.56" (en). */
export function money(kopecks: number, language: string, currency = 'RUB'): string {
  const key = `${language}|${currency}`;
  let format = moneyFormats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { style: 'currency', currency, minimumFractionDigits: 2 });
    moneyFormats.set(key, format);
  }
  return format.format(kopecks / 100);
}

/** 40000 thousandths → "40 л" / "40 l"; pieces as a count. */
export function quantity(thousandths: number, unit: 'l' | 'pcs' | 'min' | undefined, language: string): string {
  const value = new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 3 }).format(thousandths / 1000);
  const units = language === 'ru' ? { l: 'л', pcs: 'шт.', min: 'мин' } : { l: 'l', pcs: 'pcs', min: 'min' };
  return unit === undefined ? value : `${value} ${units[unit]}`;
}

/**
 * A quantity as the read model answers it with its unit: thousandths of a litre or a piece, but whole
 * minutes for a wash tariff (`min`); no unit shows the bare number of thousandths.
 */
export function lineQuantity(value: number, unit: string | null | undefined, language: string): string {
  if (unit === 'min') return `${new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-GB').format(value)} ${language === 'ru' ? 'мин' : 'min'}`;
  return quantity(value, unit === 'l' || unit === 'pcs' ? unit : undefined, language);
}

let displayZone = defaultZone;

/** The network's time zone, once the session knows it: the default of `instant`. */
export function setDisplayZone(zone: string): void {
  displayZone = zone;
}

/** An instant as local date and time in the network's zone. */
export function instant(at: number, language: string, timeZone = displayZone): string {
  return new Intl.DateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(new Date(at));
}

/** Elapsed milliseconds as m:ss or h:mm:ss. */
export function elapsed(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}
