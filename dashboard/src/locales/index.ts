// Every area's words. Each screen area keeps its words in a module of its own (a key of its own at
// the top level), so screens grow without touching each other's words; i18n.ts merges them.

import { words as accounts } from './accounts';
import { words as alerts } from './alerts';
import { words as admin } from './admin';
import { words as catalog } from './catalog';
import { words as client } from './client';
import { words as live } from './live';
import { words as wash } from './wash';

export const areaWords = {
  ru: { ...accounts.ru, ...alerts.ru, ...admin.ru, ...catalog.ru, ...client.ru, ...live.ru, ...wash.ru },
  en: { ...accounts.en, ...alerts.en, ...admin.en, ...catalog.en, ...client.en, ...live.en, ...wash.en },
};
