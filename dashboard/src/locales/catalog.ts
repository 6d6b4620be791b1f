// The words of the catalog: sites and terminals, products and prices, discounts, bonus programme, wash tariffs screens, Russian and English.

const ru = {
  catalog: {
    common: {
      yes: 'Да',
      no: 'Нет',
      readOnly: 'Только просмотр: цены меняют владелец и администратор',
      roubles: 'Сумма в рублях: больше нуля, не больше 2 знаков после запятой',
    },
    units: { l: 'л', pcs: 'шт.', min: 'мин' },
    products: { title: 'Товары', code: 'Код', name: 'Название', group: 'Группа', unit: 'Единица', holdMinutes: 'Резерв, мин' },
    prices: {
      current: 'Текущие цены',
      scheduled: 'Запланированные изменения',
      noneScheduled: 'Изменений не запланировано',
      matrixHint: 'Цена сети и цена на каждом объекте: жирным — своя цена объекта, серым — действует цена сети.',
      product: 'Товар',
      site: 'Объект',
      everySite: 'Вся сеть',
      from: 'С момента',
      newPrice: 'Новая цена',
      nowPrice: 'Сейчас',
      change: 'Изменить цену',
      priceRub: 'Цена, ₽',
      now: 'Сейчас',
      at: 'С даты и времени',
      atLabel: 'Когда ({{zone}})',
      future: 'Укажите момент в будущем',
      schedule: 'Запланировать',
      apply: 'Применить сейчас',
      scheduledDone: 'Изменение цены запланировано',
      changedDone: 'Цена изменена',
      remove: 'Отменить',
      removeConfirm: 'Отменить это изменение цены?',
      removed: 'Изменение отменено',
    },
  },
};

const en: typeof ru = {
  catalog: {
    common: {
      yes: 'Yes',
      no: 'No',
      readOnly: 'Read only: prices are changed by an owner or an administrator',
      roubles: 'An amount in roubles: above zero, at most 2 decimals',
    },
    units: { l: 'l', pcs: 'pcs', min: 'min' },
    products: { title: 'Products', code: 'Code', name: 'Name', group: 'Group', unit: 'Unit', holdMinutes: 'Hold, min' },
    prices: {
      current: 'Current prices',
      scheduled: 'Scheduled changes',
      noneScheduled: 'No changes scheduled',
      matrixHint: 'The network’s price and each site’s: bold — the site’s own price, grey — the network’s applies.',
      product: 'Product',
      site: 'Site',
      everySite: 'Whole network',
      from: 'From',
      newPrice: 'New price',
      nowPrice: 'Now',
      change: 'Change a price',
      priceRub: 'Price, ₽',
      now: 'Now',
      at: 'From a date and time',
      atLabel: 'When ({{zone}})',
      future: 'Pick an instant in the future',
      schedule: 'Schedule',
      apply: 'Apply now',
      scheduledDone: 'Price change scheduled',
      changedDone: 'Price changed',
      remove: 'Cancel',
      removeConfirm: 'Cancel this price change?',
      removed: 'Change cancelled',
    },
  },
};

export const words = { ru, en };
