// The dashboard's words, in Russian (the default) and English: the shell's, sign-in's, the engine's
// reason codes and the API's error codes here; each screen area's in locales/. The language is the
// viewer's choice, kept in this browser.

import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { ReasonCode } from '../../engine/reasons';
import type { Role } from '../../engine/security/principal';
import type { ProblemCode } from './http';
import { areaWords } from './locales';

const ru = {
  app: { title: 'Tessera', menu: 'Меню', network: 'Сеть', language: 'Язык', live: 'на связи', connecting: 'подключение…', offline: 'нет связи — переподключаемся', signOut: 'Выйти', loading: 'Загрузка…' },
  menu: {
    groups: { monitoring: 'Мониторинг', parties: 'Клиенты и карты', catalog: 'Сеть и цены', analytics: 'Отчёты', administration: 'Администрирование', wash: 'Мойка', cabinet: 'Кабинет' },
    dashboard: 'Сводка', feed: 'Лента операций', alerts: 'Предупреждения', transactions: 'Операции', counterparties: 'Контрагенты и счета', cards: 'Карты', clients: 'Клиенты мойки',
    sites: 'Объекты и терминалы', prices: 'Цены', discounts: 'Скидки', bonus: 'Бонусная программа', tariffs: 'Тарифы мойки', reports: 'Отчёты',
    users: 'Пользователи и роли', apikeys: 'API-ключи', audit: 'Журнал действий', profile: 'Профиль', attendant: 'Экран мойщика', cabinet: 'Мой счёт',
  },
  roles: { owner: 'Владелец', admin: 'Администратор', accountant: 'Бухгалтер', operator: 'Оператор', attendant: 'Мойщик', client: 'Клиент' } satisfies Record<Role, string>,
  signIn: {
    title: 'Вход в Tessera', network: 'Сеть', email: 'Эл. почта', password: 'Пароль', submit: 'Войти', codeTitle: 'Код подтверждения', codeEmail: 'Мы отправили 6-значный код на {{email}}. Он действует 10 минут.',
    codeTotp: 'Введите 6-значный код из приложения-аутентификатора.', code: 'Код', confirm: 'Подтвердить', back: 'Другой пользователь', ended: 'Сеанс завершён — войдите снова', signedOut: 'Вы вышли из системы',
    emailInvalid: 'Введите адрес эл. почты', codeInvalid: 'Код — 6 цифр',
  },
  events: {
    authorized: 'Авторизация', completed: 'Продажа топлива', reversed: 'Отмена', expired: 'Истёк резерв', declined: 'Отказ', refunded: 'Возврат', topup: 'Пополнение', sale: 'Чек магазина',
    'session.started': 'Мойка: начало', 'session.stopped': 'Мойка: окончание', 'session.charged': 'Мойка: списание', 'session.settled': 'Мойка: подтверждено', 'guest.registered': 'Новый гость',
    'shift.opened': 'Смена открыта', 'shift.closed': 'Смена закрыта', 'pin.failed': 'Неверный PIN', 'pin.reset': 'PIN принят', 'prices.changed': 'Цены изменены', 'network.imported': 'Справочники обновлены', alert: 'Предупреждение',
    'alert.acknowledged': 'Предупреждение в работе', 'alert.resolved': 'Предупреждение закрыто', 'alert.delivered': 'Предупреждение доставлено', 'alert.delivery_failed': 'Предупреждение не доставлено',
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
  apiErrors: {
    network: 'Нет связи с сервером', BAD_REQUEST: 'Проверьте поля формы', UNAUTHENTICATED: 'Нужно войти заново', FORBIDDEN: 'Недостаточно прав для этого действия', CSRF_FAILED: 'Сеанс устарел — обновите страницу',
    NOT_FOUND: 'Не найдено', CONFLICT: 'Конфликт с текущим состоянием — обновите данные', IDEMPOTENCY_KEY_REUSED: 'Повтор запроса с другими данными', PAYLOAD_TOO_LARGE: 'Слишком большой запрос',
    RATE_LIMITED: 'Слишком много попыток — подождите {{seconds}} с', INVALID_CREDENTIALS: 'Неверная эл. почта или пароль', CODE_INVALID: 'Неверный код', SIGN_IN_EXPIRED: 'Вход устарел — начните заново',
    LOCKED: 'Вход заблокирован — повторите через {{seconds}} с', EMAIL_TAKEN: 'Этот адрес уже занят', LAST_OWNER: 'Нельзя убрать последнего владельца', PASSWORD_WRONG: 'Неверный текущий пароль',
    UNAVAILABLE: 'Сервер временно недоступен', INTERNAL: 'Ошибка сервера',
  } satisfies Record<ProblemCode, string>,
  errors: { network: 'Нет связи с сервером', other: 'Операция не выполнена ({{code}})' },
  validation: { plate: 'Госномер: 2–12 букв и цифр', required: 'Заполните поле', amount: 'Сумма больше нуля, не больше 2 знаков после запятой' },
};

type Words = typeof ru;

const en: Words = {
  app: { title: 'Tessera', menu: 'Menu', network: 'Network', language: 'Language', live: 'live', connecting: 'connecting…', offline: 'offline — reconnecting', signOut: 'Sign out', loading: 'Loading…' },
  menu: {
    groups: { monitoring: 'Monitoring', parties: 'Clients and cards', catalog: 'Network and prices', analytics: 'Reports', administration: 'Administration', wash: 'Car wash', cabinet: 'Cabinet' },
    dashboard: 'Overview', feed: 'Live feed', alerts: 'Alerts', transactions: 'Transactions', counterparties: 'Counterparties and accounts', cards: 'Cards', clients: 'Car wash clients',
    sites: 'Sites and terminals', prices: 'Prices', discounts: 'Discounts', bonus: 'Bonus programme', tariffs: 'Wash tariffs', reports: 'Reports',
    users: 'Users and roles', apikeys: 'API keys', audit: 'Audit log', profile: 'Profile', attendant: 'Attendant screen', cabinet: 'My account',
  },
  roles: { owner: 'Owner', admin: 'Administrator', accountant: 'Accountant', operator: 'Operator', attendant: 'Attendant', client: 'Client' },
  signIn: {
    title: 'Sign in to Tessera', network: 'Network', email: 'E-mail', password: 'Password', submit: 'Sign in', codeTitle: 'Confirmation code', codeEmail: 'We sent a 6-digit code to {{email}}. It works for 10 minutes.',
    codeTotp: 'Enter the 6-digit code from your authenticator app.', code: 'Code', confirm: 'Confirm', back: 'Another user', ended: 'Your session ended — sign in again', signedOut: 'You signed out',
    emailInvalid: 'Enter an e-mail address', codeInvalid: 'The code is 6 digits',
  },
  events: {
    authorized: 'Authorisation', completed: 'Fuel sale', reversed: 'Reversal', expired: 'Hold expired', declined: 'Declined', refunded: 'Refund', topup: 'Top-up', sale: 'Shop receipt',
    'session.started': 'Wash started', 'session.stopped': 'Wash stopped', 'session.charged': 'Wash charged', 'session.settled': 'Wash settled', 'guest.registered': 'New guest',
    'shift.opened': 'Shift opened', 'shift.closed': 'Shift closed', 'pin.failed': 'Wrong PIN', 'pin.reset': 'PIN accepted', 'prices.changed': 'Prices changed', 'network.imported': 'Reference data updated', alert: 'Alert',
    'alert.acknowledged': 'Alert acknowledged', 'alert.resolved': 'Alert resolved', 'alert.delivered': 'Alert delivered', 'alert.delivery_failed': 'Alert not delivered',
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
  apiErrors: {
    network: 'No connection to the server', BAD_REQUEST: 'Check the form’s fields', UNAUTHENTICATED: 'Please sign in again', FORBIDDEN: 'You may not do this', CSRF_FAILED: 'The page is out of date — reload it',
    NOT_FOUND: 'Not found', CONFLICT: 'This conflicts with the current state — refresh', IDEMPOTENCY_KEY_REUSED: 'A repeated request with different data', PAYLOAD_TOO_LARGE: 'The request is too large',
    RATE_LIMITED: 'Too many tries — wait {{seconds}} s', INVALID_CREDENTIALS: 'Wrong e-mail or password', CODE_INVALID: 'Wrong code', SIGN_IN_EXPIRED: 'This sign-in is over — start again',
    LOCKED: 'Sign-in locked — try again in {{seconds}} s', EMAIL_TAKEN: 'This e-mail is taken', LAST_OWNER: 'The last owner cannot be removed', PASSWORD_WRONG: 'Wrong current password',
    UNAVAILABLE: 'The server is unavailable', INTERNAL: 'Server error',
  },
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
  await i18next.use(initReactI18next).init({ resources: { ru: { translation: { ...ru, ...areaWords.ru } }, en: { translation: { ...en, ...areaWords.en } } }, lng: storedLanguage(), fallbackLng: 'ru', interpolation: { escapeValue: false } });
}

export function changeLanguage(language: Language): void {
  localStorage.setItem('tessera.language', language);
  void i18next.changeLanguage(language);
}
