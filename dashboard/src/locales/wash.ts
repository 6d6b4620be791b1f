// The words of the attendant's screen at the car wash, Russian and English.

const ru = {
  attendant: {
    title: 'Мойка', board: 'Открытые сеансы', noSessions: 'Открытых сеансов нет', start: 'Начать мойку', stop: 'Завершить', topup: 'Пополнить',
    identify: 'Клиент', plate: 'Госномер', qr: 'QR-код', nfc: 'NFC-метка', scanQr: 'Сканировать QR', readNfc: 'Прочитать NFC', tariff: 'Тариф', comment: 'Комментарий', amount: 'Сумма, ₽', method: 'Способ оплаты', cash: 'Наличные', bankCard: 'Банковская карта',
    elapsed: 'Время', cost: 'Стоимость', rate: 'Цена минуты', tariffLabel: '{{name}} — {{rate}}/мин{{member}}', memberRate: ', для членов клуба {{rate}}/мин', member: 'Член клуба', guest: 'Гость', started: 'Мойка начата', stopped: 'Мойка завершена: {{minutes}} мин, {{amount}}', toppedUp: 'Баланс пополнен: {{balance}}',
    balanceNegative: 'Баланс клиента отрицательный: {{balance}} — предложите пополнить', terminal: 'Пост', noNfc: 'Этот браузер не читает NFC', noCamera: 'Камера недоступна',
  },
};

const en: typeof ru = {
  attendant: {
    title: 'Car wash', board: 'Open sessions', noSessions: 'No open sessions', start: 'Start wash', stop: 'Stop', topup: 'Top up',
    identify: 'Client', plate: 'Plate', qr: 'QR code', nfc: 'NFC tag', scanQr: 'Scan QR', readNfc: 'Read NFC', tariff: 'Tariff', comment: 'Comment', amount: 'Amount, ₽', method: 'Method', cash: 'Cash', bankCard: 'Bank card',
    elapsed: 'Elapsed', cost: 'Cost', rate: 'Per minute', tariffLabel: '{{name}} — {{rate}}/min{{member}}', memberRate: ', members {{rate}}/min', member: 'Club member', guest: 'Guest', started: 'Wash started', stopped: 'Wash stopped: {{minutes}} min, {{amount}}', toppedUp: 'Balance topped up: {{balance}}',
    balanceNegative: 'The client’s balance is negative: {{balance}} — offer a top-up', terminal: 'Bay', noNfc: 'This browser cannot read NFC', noCamera: 'No camera available',
  },
};

export const words = { ru, en };
