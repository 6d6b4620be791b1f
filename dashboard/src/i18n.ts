// The dashboard's words, in Russian (the default) and English. The language is the viewer's choice,
// kept in this browser.

import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { ReasonCode } from '../../engine/reasons';

const ru = {
  app: { title: 'Tessera', menu: 'Меню', network: 'Сеть', language: 'Язык', live: 'на связи', connecting: 'подключение…', offline: 'нет связи — переподключаемся' },
  menu: { dashboard: 'Сводка', feed: 'Лента операций', attendant: 'Мойка: экран мойщика' },
  kpi: { fuel: 'Топливо сегодня', sales: 'Магазин сегодня', wash: 'Мойка сегодня', declines: 'Отказы сегодня', topups: 'Пополнения сегодня', operations: 'операций', sessions: 'сеансов', minutes: 'мин' },
  feed: { title: 'Лента операций', empty: 'Операций пока нет', time: 'Время', event: 'Событие', site: 'Объект', terminal: 'Терминал', card: 'Карта', amount: 'Сумма', details: 'Подробности', paused: 'Лента на паузе', pause: 'Пауза', resume: 'Продолжить' },
  events: {
    authorized: 'Авторизация', completed: 'Продажа топлива', reversed: 'Отмена', expired: 'Истёк резерв', declined: 'Отказ', refunded: 'Возврат', topup: 'Пополнение', sale: 'Чек магазина',
    'session.started': 'Мойка: начало', 'session.stopped': 'Мойка: окончание', 'session.charged': 'Мойка: списание', 'session.settled': 'Мойка: подтверждено', 'guest.registered': 'Новый гость',
    'shift.opened': 'Смена открыта', 'shift.closed': 'Смена закрыта', 'pin.failed': 'Неверный PIN', 'pin.reset': 'PIN принят', 'prices.changed': 'Цены изменены', 'network.imported': 'Справочники обновлены', alert: 'Предупреждение',
  },
  attendant: {
    title: 'Мойка', board: 'Открытые сеансы', noSessions: 'Открытых сеансов нет', start: 'Начать мойку', stop: 'Завершить', topup: 'Пополнить',
    identify: 'Клиент', plate: 'Госномер', qr: 'QR-код', nfc: 'NFC-метка', scanQr: 'Сканировать QR', readNfc: 'Прочитать NFC', tariff: 'Тариф', comment: 'Комментарий', amount: 'Сумма, ₽', method: 'Способ оплаты', cash: 'Наличные', bankCard: 'Банковская карта',
    elapsed: 'Время', cost: 'Стоимость', rate: 'Цена минуты', tariffLabel: '{{name}} — {{rate}}/мин{{member}}', memberRate: ', для членов клуба {{rate}}/мин', member: 'Член клуба', guest: 'Гость', started: 'Мойка начата', stopped: 'Мойка завершена: {{minutes}} мин, {{amount}}', toppedUp: 'Баланс пополнен: {{balance}}',
    balanceNegative: 'Баланс клиента отрицательный: {{balance}} — предложите пополнить', terminal: 'Пост', noNfc: 'Этот браузер не читает NFC', noCamera: 'Камера недоступна',
  },
  reasons: {
    OK: 'Одобрено', BAD_REQUEST: 'Проверьте введённые данные', DUPLICATE_ID_MISMATCH: 'Повтор запроса с другими данными', UNAVAILABLE: 'Сервер занят, повторите',
    TERMINAL_UNKNOWN: 'Пост не зарегистрирован', TERMINAL_BLOCKED: 'Пост заблокирован', SHIFT_CLOSED: 'Смена не открыта', SHIFT_ALREADY_OPEN: 'Смена уже открыта',
    CARD_UNKNOWN: 'Карта не найдена', CARD_BLOCKED: 'Карта заблокирована', CARD_EXPIRED: 'Срок карты истёк', PIN_TRIES_EXCEEDED: 'PIN заблокирован: исчерпаны попытки', PIN_INVALID: 'Неверный PIN',
    PRODUCT_UNKNOWN: 'Неизвестный товар', PRODUCT_NOT_ALLOWED: 'Товар запрещён для карты', SITE_NOT_ALLOWED: 'АЗС запрещена для карты', TIME_NOT_ALLOWED: 'Не разрешённое время',
    QUANTITY_INVALID: 'Неверное количество', AMOUNT_TOO_SMALL: 'Сумма слишком мала', PAYMENT_MISMATCH: 'Оплата не сходится с суммой', PAYMENT_NOT_ALLOWED: 'Способ оплаты запрещён',
    BONUS_NOT_ALLOWED: 'Бонусами платить нельзя', LIMIT_EXCEEDED: 'Превышен лимит', BONUS_INSUFFICIENT: 'Недостаточно бонусов', INSUFFICIENT_FUNDS: 'Недостаточно средств',
    AUTH_NOT_FOUND: 'Авторизация не найдена', AUTH_ALREADY_CLOSED: 'Авторизация уже закрыта', AUTH_EXPIRED: 'Авторизация истекла', AMOUNT_EXCEEDS_AUTH: 'Больше авторизованного',
    TX_NOT_FOUND: 'Операция не найдена', REFUND_EXCEEDS_SALE: 'Возврат больше продажи', ACCOUNT_UNKNOWN: 'Счёт не найден', CLIENT_UNKNOWN: 'Клиент не найден',
    TARIFF_UNKNOWN: 'Такого тарифа здесь нет', SESSION_ALREADY_OPEN: 'У клиента уже идёт мойка', SESSION_NOT_FOUND: 'Открытый сеанс не найден',
  } satisfies Record<ReasonCode, string>,
  errors: { network: 'Нет связи с сервером', other: 'Операция не выполнена ({{code}})' },
  validation: { plate: 'Госномер: 2–12 букв и цифр', required: 'Заполните поле', amount: 'Сумма больше нуля, не больше 2 знаков после запятой' },
};

type Words = typeof ru;

const en: Words = {
  app: { title: 'Tessera', menu: 'Menu', network: 'Network', language: 'Language', live: 'live', connecting: 'connecting…', offline: 'offline — reconnecting' },
  menu: { dashboard: 'Overview', feed: 'Live feed', attendant: 'Car wash: attendant' },
  kpi: { fuel: 'Fuel today', sales: 'Shop today', wash: 'Car wash today', declines: 'Declines today', topups: 'Top-ups today', operations: 'operations', sessions: 'sessions', minutes: 'min' },
  feed: { title: 'Live feed', empty: 'No operations yet', time: 'Time', event: 'Event', site: 'Site', terminal: 'Terminal', card: 'Card', amount: 'Amount', details: 'Details', paused: 'Feed paused', pause: 'Pause', resume: 'Resume' },
  events: {
    authorized: 'Authorisation', completed: 'Fuel sale', reversed: 'Reversal', expired: 'Hold expired', declined: 'Declined', refunded: 'Refund', topup: 'Top-up', sale: 'Shop receipt',
    'session.started': 'Wash started', 'session.stopped': 'Wash stopped', 'session.charged': 'Wash charged', 'session.settled': 'Wash settled', 'guest.registered': 'New guest',
    'shift.opened': 'Shift opened', 'shift.closed': 'Shift closed', 'pin.failed': 'Wrong PIN', 'pin.reset': 'PIN accepted', 'prices.changed': 'Prices changed', 'network.imported': 'Reference data updated', alert: 'Alert',
  },
  attendant: {
    title: 'Car wash', board: 'Open sessions', noSessions: 'No open sessions', start: 'Start wash', stop: 'Stop', topup: 'Top up',
    identify: 'Client', plate: 'Plate', qr: 'QR code', nfc: 'NFC tag', scanQr: 'Scan QR', readNfc: 'Read NFC', tariff: 'Tariff', comment: 'Comment', amount: 'Amount, ₽', method: 'Method', cash: 'Cash', bankCard: 'Bank card',
    elapsed: 'Elapsed', cost: 'Cost', rate: 'Per minute', tariffLabel: '{{name}} — {{rate}}/min{{member}}', memberRate: ', members {{rate}}/min', member: 'Club member', guest: 'Guest', started: 'Wash started', stopped: 'Wash stopped: {{minutes}} min, {{amount}}', toppedUp: 'Balance topped up: {{balance}}',
    balanceNegative: 'The client’s balance is negative: {{balance}} — offer a top-up', terminal: 'Bay', noNfc: 'This browser cannot read NFC', noCamera: 'No camera available',
  },
  reasons: {
    OK: 'Approved', BAD_REQUEST: 'Check what you entered', DUPLICATE_ID_MISMATCH: 'A repeated request with different data', UNAVAILABLE: 'The server is busy, try again',
    TERMINAL_UNKNOWN: 'This terminal is not registered', TERMINAL_BLOCKED: 'This terminal is blocked', SHIFT_CLOSED: 'No shift is open', SHIFT_ALREADY_OPEN: 'A shift is already open',
    CARD_UNKNOWN: 'Card not found', CARD_BLOCKED: 'Card blocked', CARD_EXPIRED: 'Card expired', PIN_TRIES_EXCEEDED: 'PIN locked: too many tries', PIN_INVALID: 'Wrong PIN',
    PRODUCT_UNKNOWN: 'Unknown product', PRODUCT_NOT_ALLOWED: 'Product not allowed on this card', SITE_NOT_ALLOWED: 'Site not allowed on this card', TIME_NOT_ALLOWED: 'Outside the allowed hours',
    QUANTITY_INVALID: 'Invalid quantity', AMOUNT_TOO_SMALL: 'Amount too small', PAYMENT_MISMATCH: 'Payments do not add up', PAYMENT_NOT_ALLOWED: 'Payment method not allowed',
    BONUS_NOT_ALLOWED: 'Bonus payment not allowed', LIMIT_EXCEEDED: 'Limit exceeded', BONUS_INSUFFICIENT: 'Not enough bonus points', INSUFFICIENT_FUNDS: 'Insufficient funds',
    AUTH_NOT_FOUND: 'Authorisation not found', AUTH_ALREADY_CLOSED: 'Authorisation already closed', AUTH_EXPIRED: 'Authorisation expired', AMOUNT_EXCEEDS_AUTH: 'More than authorised',
    TX_NOT_FOUND: 'Operation not found', REFUND_EXCEEDS_SALE: 'Refund exceeds the sale', ACCOUNT_UNKNOWN: 'Account not found', CLIENT_UNKNOWN: 'Client not found',
    TARIFF_UNKNOWN: 'No such tariff here', SESSION_ALREADY_OPEN: 'This client already has a wash going', SESSION_NOT_FOUND: 'No open session found',
  } satisfies Record<ReasonCode, string>,
  errors: { network: 'No connection to the server', other: 'Not done ({{code}})' },
  validation: { plate: 'Plate: 2–12 letters and digits', required: 'Required', amount: 'An amount above zero, at most 2 decimals' },
};

export const languages = ['ru', 'en'] as const;
export type Language = (typeof languages)[number];

export function storedLanguage(): Language {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem('tessera.language') : null;
  return stored === 'en' ? 'en' : 'ru';
}

export async function setupI18n(): Promise<void> {
  await i18next.use(initReactI18next).init({ resources: { ru: { translation: ru }, en: { translation: en } }, lng: storedLanguage(), fallbackLng: 'ru', interpolation: { escapeValue: false } });
}

export function changeLanguage(language: Language): void {
  localStorage.setItem('tessera.language', language);
  void i18next.changeLanguage(language);
}
