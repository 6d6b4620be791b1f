// The words of the network's live screens (overview, feed, transactions), Russian and English.

const ru = {
  kpi: { fuel: 'Топливо сегодня', sales: 'Магазин сегодня', wash: 'Мойка сегодня', declines: 'Отказы сегодня', topups: 'Пополнения сегодня', operations: 'операций', sessions: 'сеансов', minutes: 'мин' },
  feed: { title: 'Лента операций', empty: 'Операций пока нет', time: 'Время', event: 'Событие', site: 'Объект', terminal: 'Терминал', card: 'Карта', amount: 'Сумма', details: 'Подробности', paused: 'Лента на паузе', pause: 'Пауза', resume: 'Продолжить' },
};

const en: typeof ru = {
  kpi: { fuel: 'Fuel today', sales: 'Shop today', wash: 'Car wash today', declines: 'Declines today', topups: 'Top-ups today', operations: 'operations', sessions: 'sessions', minutes: 'min' },
  feed: { title: 'Live feed', empty: 'No operations yet', time: 'Time', event: 'Event', site: 'Site', terminal: 'Terminal', card: 'Card', amount: 'Amount', details: 'Details', paused: 'Feed paused', pause: 'Pause', resume: 'Resume' },
};

export const words = { ru, en };
