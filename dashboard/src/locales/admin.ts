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
  apikeys: {
    title: 'API-ключи', add: 'Выпустить ключ', label: 'Назначение', labelHint: 'Для чего ключ: виден в списке и в журнале действий', role: 'Роль', reach: 'Объекты / запись', created: 'Выпущен', createdBy: 'Кем', status: 'Состояние',
    active: 'действует', revoked: 'отозван {{at}}', revoke: 'Отозвать', confirmRevoke: 'Отозвать ключ {{id}}? Программы с ним сразу потеряют доступ.', revokedDone: 'Ключ {{id}} отозван', issue: 'Выпустить', cancel: 'Отмена',
    tokenTitle: 'Ключ выпущен', tokenOnce: 'Скопируйте ключ сейчас: он показывается только один раз и нигде не хранится в открытом виде.', tokenUse: 'Программа передаёт его в заголовке Authorization: Bearer …', close: 'Я сохранил ключ',
  },
  users: {
    title: 'Пользователи и роли', add: 'Добавить пользователя', edit: 'Изменить', save: 'Сохранить', cancel: 'Отмена', disable: 'Отключить', enable: 'Включить', resetPassword: 'Задать пароль', resetPasswordFor: 'Новый пароль для {{email}}',
    created: 'Пользователь {{email}} добавлен', saved: 'Изменения сохранены', disabled: 'Пользователь отключён, его сеансы завершены', enabled: 'Пользователь включён', passwordSet: 'Пароль задан, сеансы пользователя завершены',
    confirmDisable: 'Отключить {{email}}? Все его сеансы будут завершены.', you: 'это вы', wholeNetwork: 'вся сеть', totp: 'приложение', emailCode: 'код по почте', rolesTitle: 'Что может каждая роль',
    passwordHint: 'Не меньше 10 символов; сообщите его лично, пользователь сменит его в профиле.', resetHint: 'Не меньше 10 символов. Все сеансы пользователя завершатся.',
    owner: { counterparty: 'Контрагент', client: 'Клиент мойки' },
    status: { active: 'активен', disabled: 'отключён' },
    columns: { user: 'Пользователь', role: 'Роль', reach: 'Объекты / запись', factor: 'Второй фактор', status: 'Статус', created: 'Создан', may: 'Разрешённые действия' },
    fields: { email: 'Эл. почта', name: 'Имя', role: 'Роль', sites: 'Объекты', ownerKind: 'Чья запись', owner: 'Запись', password: 'Пароль' },
    errors: { email: 'Введите адрес эл. почты', sites: 'Выберите хотя бы один объект', password: 'Пароль — от 10 до 256 символов' },
  },
  audit: {
    title: 'Журнал действий', user: 'Пользователь или ключ (id)', kind: 'Событие', action: 'Действие', more: 'Показать ещё', before: 'До', after: 'После',
    actors: { system: 'система', anonymous: 'аноним', user: 'пользователь', apikey: 'API-ключ' },
    outcomes: { ok: 'выполнено', failed: 'ошибка', refused: 'отказано' },
    columns: { at: 'Время', kind: 'Событие', outcome: 'Итог', actor: 'Кто', target: 'Над чем', address: 'Адрес' },
  },
  profile: {
    title: 'Профиль', name: 'Имя', email: 'Эл. почта', role: 'Роль', reach: 'Доступ', factor: 'Второй фактор', totp: 'приложение-аутентификатор', emailCode: 'код по эл. почте', wholeNetwork: 'вся сеть {{network}}',
    passwordTitle: 'Смена пароля', currentPassword: 'Текущий пароль', newPassword: 'Новый пароль', repeatPassword: 'Повторите новый пароль', changePassword: 'Сменить пароль', passwordHint: 'От 10 символов; другие ваши сеансы завершатся.',
    passwordLength: 'Пароль — от 10 до 256 символов', passwordsDiffer: 'Пароли не совпадают', passwordChanged: 'Пароль изменён; другие сеансы завершены',
    totpTitle: 'Приложение-аутентификатор', totpExplain: 'Вместо кода по почте вход будет спрашивать код из приложения (Google Authenticator, Яндекс Ключ и др.).', totpEnrol: 'Подключить приложение',
    totpSecret: 'Введите этот ключ в приложение (или откройте ссылку на телефоне), затем введите код из приложения:', totpLink: 'Открыть в приложении', totpConfirm: 'Подтвердить', totpOn: 'Приложение подключено', totpOff: 'Приложение отключено', totpRemove: 'Отключить приложение',
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
  apikeys: {
    title: 'API keys', add: 'Issue a key', label: 'Purpose', labelHint: 'What the key is for: shown in the list and the audit log', role: 'Role', reach: 'Sites / record', created: 'Issued', createdBy: 'By', status: 'State',
    active: 'active', revoked: 'revoked {{at}}', revoke: 'Revoke', confirmRevoke: 'Revoke key {{id}}? Programs using it lose access at once.', revokedDone: 'Key {{id}} revoked', issue: 'Issue', cancel: 'Cancel',
    tokenTitle: 'Key issued', tokenOnce: 'Copy the key now: it is shown only this once and is not kept in the clear anywhere.', tokenUse: 'A program sends it as Authorization: Bearer …', close: 'I have saved the key',
  },
  users: {
    title: 'Users and roles', add: 'Add a user', edit: 'Edit', save: 'Save', cancel: 'Cancel', disable: 'Disable', enable: 'Enable', resetPassword: 'Set password', resetPasswordFor: 'New password for {{email}}',
    created: 'User {{email}} added', saved: 'Saved', disabled: 'User disabled, their sessions ended', enabled: 'User enabled', passwordSet: 'Password set, the user’s sessions ended',
    confirmDisable: 'Disable {{email}}? All their sessions end.', you: 'you', wholeNetwork: 'whole network', totp: 'app', emailCode: 'e-mailed code', rolesTitle: 'What each role may do',
    passwordHint: 'At least 10 characters; hand it over in person, they change it in their profile.', resetHint: 'At least 10 characters. All of the user’s sessions end.',
    owner: { counterparty: 'Counterparty', client: 'Car-wash client' },
    status: { active: 'active', disabled: 'disabled' },
    columns: { user: 'User', role: 'Role', reach: 'Sites / record', factor: 'Second factor', status: 'Status', created: 'Created', may: 'Allowed actions' },
    fields: { email: 'E-mail', name: 'Name', role: 'Role', sites: 'Sites', ownerKind: 'Whose record', owner: 'Record', password: 'Password' },
    errors: { email: 'Enter an e-mail address', sites: 'Pick at least one site', password: 'A password of 10 to 256 characters' },
  },
  audit: {
    title: 'Audit log', user: 'User or key (id)', kind: 'Event', action: 'Action', more: 'Show more', before: 'Before', after: 'After',
    actors: { system: 'system', anonymous: 'anonymous', user: 'user', apikey: 'API key' },
    outcomes: { ok: 'done', failed: 'failed', refused: 'refused' },
    columns: { at: 'Time', kind: 'Event', outcome: 'Outcome', actor: 'Who', target: 'On what', address: 'Address' },
  },
  profile: {
    title: 'Profile', name: 'Name', email: 'E-mail', role: 'Role', reach: 'Access', factor: 'Second factor', totp: 'authenticator app', emailCode: 'e-mailed code', wholeNetwork: 'the whole {{network}} network',
    passwordTitle: 'Change password', currentPassword: 'Current password', newPassword: 'New password', repeatPassword: 'Repeat the new password', changePassword: 'Change password', passwordHint: 'At least 10 characters; your other sessions end.',
    passwordLength: 'A password of 10 to 256 characters', passwordsDiffer: 'The passwords differ', passwordChanged: 'Password changed; other sessions ended',
    totpTitle: 'Authenticator app', totpExplain: 'Sign-in will ask for the app’s code instead of an e-mailed one (Google Authenticator, Yandex Key and others).', totpEnrol: 'Set up the app',
    totpSecret: 'Type this key into the app (or open the link on the phone), then enter the app’s code:', totpLink: 'Open in the app', totpConfirm: 'Confirm', totpOn: 'Authenticator app on', totpOff: 'Authenticator app off', totpRemove: 'Turn the app off',
  },
};

export const words = { ru, en };
