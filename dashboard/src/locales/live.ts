// The words of the network's live screens (overview, feed, transactions), Russian and English.

const ru = {
  kpi: { fuel: 'Топливо сегодня', sales: 'Магазин сегодня', wash: 'Мойка сегодня', declines: 'Отказы сегодня', topups: 'Пополнения сегодня', operations: 'операций', sessions: 'сеансов', minutes: 'мин' },
  feed: { title: 'Лента операций', empty: 'Операций пока нет', time: 'Время', event: 'Событие', site: 'Объект', terminal: 'Терминал', card: 'Карта', amount: 'Сумма', details: 'Подробности', paused: 'Лента на паузе', pause: 'Пауза', resume: 'Продолжить' },
  transactions: {
    title: 'Операции', search: 'Найти', reset: 'Сбросить', more: 'Показать ещё', empty: 'Операций не найдено', cardInvalid: 'Номер карты, последние 4 цифры или маска (1234, *1234)',
    filters: { card: 'Карта (номер или 4 цифры)', tx: 'Чек / операция', counterparty: 'Контрагент', client: 'Клиент', site: 'Объект', terminal: 'Терминал', kind: 'Вид', result: 'Результат' },
    kinds: { fuel: 'Топливо', sale: 'Чек магазина', refund: 'Возврат', topup: 'Пополнение', wash: 'Мойка', decline: 'Отказ' },
    results: { approved: 'Одобрено', declined: 'Отказ' },
    methods: { account: 'Со счёта', bonus: 'Бонусами', cash: 'Наличные', bank_card: 'Банковская карта' },
    columns: { at: 'Время', kind: 'Вид', site: 'Объект', card: 'Карта', party: 'Контрагент / клиент', product: 'Товар', amount: 'Сумма', reference: 'Чек / операция' },
    card: {
      title: 'Операция', product: 'Товар', qty: 'Кол-во', price: 'Цена', discount: 'Скидка', amount: 'Сумма', payments: 'Оплата', returns: 'Возвраты', bonus: 'Бонусы', hold: 'Резерв',
      shift: 'Смена №{{number}}, кассир {{cashier}}', returnOf: 'Возврат по операции {{tx}}', session: 'Сеанс', client: 'Клиент', member: 'член клуба', minutes: 'Минут', rate: 'Цена минуты', method: 'Способ', balanceAfter: 'Баланс после',
    },
  },
  overview: {
    periods: { today: 'Продажи сегодня', week: 'Продажи за неделю', month: 'Продажи за месяц' }, lines: 'позиций',
    byDay: 'Выручка по дням, {{days}} дней', byMethod: 'Способы оплаты, {{days}} дней', revenue: 'Выручка',
    terminalsOnline: 'Терминалы на связи', sitesOnline: 'объектов на связи: {{count}} из {{all}}',
  },
};

const en: typeof ru = {
  kpi: { fuel: 'Fuel today', sales: 'Shop today', wash: 'Car wash today', declines: 'Declines today', topups: 'Top-ups today', operations: 'operations', sessions: 'sessions', minutes: 'min' },
  feed: { title: 'Live feed', empty: 'No operations yet', time: 'Time', event: 'Event', site: 'Site', terminal: 'Terminal', card: 'Card', amount: 'Amount', details: 'Details', paused: 'Feed paused', pause: 'Pause', resume: 'Resume' },
  transactions: {
    title: 'Transactions', search: 'Search', reset: 'Reset', more: 'Show more', empty: 'No operations found', cardInvalid: 'A card number, its last 4 digits or its masked form (1234, *1234)',
    filters: { card: 'Card (number or last 4)', tx: 'Receipt / operation', counterparty: 'Counterparty', client: 'Client', site: 'Site', terminal: 'Terminal', kind: 'Kind', result: 'Result' },
    kinds: { fuel: 'Fuel', sale: 'Shop receipt', refund: 'Return', topup: 'Top-up', wash: 'Car wash', decline: 'Declined' },
    results: { approved: 'Approved', declined: 'Declined' },
    methods: { account: 'From the account', bonus: 'Bonus points', cash: 'Cash', bank_card: 'Bank card' },
    columns: { at: 'Time', kind: 'Kind', site: 'Site', card: 'Card', party: 'Counterparty / client', product: 'Product', amount: 'Amount', reference: 'Receipt / operation' },
    card: {
      title: 'Operation', product: 'Product', qty: 'Qty', price: 'Price', discount: 'Discount', amount: 'Amount', payments: 'Payments', returns: 'Returns', bonus: 'Bonus points', hold: 'Hold',
      shift: 'Shift no. {{number}}, cashier {{cashier}}', returnOf: 'Return of {{tx}}', session: 'Session', client: 'Client', member: 'club member', minutes: 'Minutes', rate: 'Per minute', method: 'Method', balanceAfter: 'Balance after',
    },
  },
  overview: {
    periods: { today: 'Sales today', week: 'Sales this week', month: 'Sales this month' }, lines: 'lines',
    byDay: 'Revenue by day, {{days}} days', byMethod: 'Payment methods, {{days}} days', revenue: 'Revenue',
    terminalsOnline: 'Terminals online', sitesOnline: 'sites online: {{count}} of {{all}}',
  },
};

export const words = { ru, en };
