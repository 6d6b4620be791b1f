// The words of the reports, users and roles, the audit log and the profile screens, Russian and English.

const ru = {
  reports: {
    title: 'Отчёты', all: 'Всего', total: 'Итого', empty: 'За период операций нет', groupBy: 'Группировать по', refresh: 'Обновить', timezone: 'Дни — по часовому поясу сети ({{zone}})',
    names: { sales: 'Продажи', 'payment-methods': 'Способы оплаты', settlements: 'Взаиморасчёты', 'wash-sessions': 'Мойка', topups: 'Пополнения' },
    groups: { site: 'Объект', product: 'Товар', day: 'День', method: 'Способ', tariff: 'Тариф' },
    owners: { counterparty: 'Контрагент', client: 'Клиент' },
    columns: { name: 'Наименование', owner: 'Тип' },
    measures: {
      sales: { count: 'Продано позиций', returns: 'Возвращено', quantity: 'Количество', amount: 'Сумма', discount: 'Скидка' },
      'payment-methods': { count: 'Платежей', returns: 'Возвратов', amount: 'Сумма' },
      settlements: { creditLimit: 'Кредитный лимит', opening: 'Сальдо на начало', debits: 'Покупки', returns: 'Возвраты', topups: 'Пополнения', otherCredits: 'Прочие поступления', credits: 'Поступления', closing: 'Сальдо на конец' },
      'wash-sessions': { count: 'Сеансов', charged: 'Оплачено', minutes: 'Минут', revenue: 'Выручка' },
      topups: { count: 'Пополнений', amount: 'Сумма' },
    },
  },
};

const en: typeof ru = {
  reports: {
    title: 'Reports', all: 'All', total: 'Total', empty: 'No operations in the period', groupBy: 'Group by', refresh: 'Refresh', timezone: 'Days in the network’s time zone ({{zone}})',
    names: { sales: 'Sales', 'payment-methods': 'Payment methods', settlements: 'Settlements', 'wash-sessions': 'Car wash', topups: 'Top-ups' },
    groups: { site: 'Site', product: 'Product', day: 'Day', method: 'Method', tariff: 'Tariff' },
    owners: { counterparty: 'Counterparty', client: 'Client' },
    columns: { name: 'Name', owner: 'Kind' },
    measures: {
      sales: { count: 'Lines sold', returns: 'Returned', quantity: 'Quantity', amount: 'Amount', discount: 'Discount' },
      'payment-methods': { count: 'Payments', returns: 'Refunds', amount: 'Amount' },
      settlements: { creditLimit: 'Credit limit', opening: 'Opening balance', debits: 'Purchases', returns: 'Returns', topups: 'Top-ups', otherCredits: 'Other credits', credits: 'Credits', closing: 'Closing balance' },
      'wash-sessions': { count: 'Sessions', charged: 'Charged', minutes: 'Minutes', revenue: 'Revenue' },
      topups: { count: 'Top-ups', amount: 'Amount' },
    },
  },
};

export const words = { ru, en };
