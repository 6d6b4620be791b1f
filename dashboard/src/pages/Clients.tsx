// The car-wash clients screen: the list searched by name or plate (`GET /api/v1/clients?name|plate`:
// a plate in any spelling is compared in normal form), membership, plates and balance; a drawer with
// one client's account, cards, operations and pricing conditions (components/accounts/AccountDetail);
// creating and editing a client — plate, QR code, NFC tag, membership, groups, birthday — for roles
// with clients.write. Money is entered in roubles and sent in kopecks.

import { useCallback, useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, Checkbox, Drawer, Form, Input, InputNumber, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { money } from '../format';
import { useMe } from '../session';
import { AccountDetail } from '../components/accounts/AccountDetail';
import type { CardRow } from '../components/CardTable';
import type { Account } from '../components/accounts/AccountDetail';
import { identifierRule, kopecksOf, rublesRule } from '../components/accounts/rules';
import { normalPlate } from './Attendant';

interface Client { id: string; name: string; member: boolean; plates: string[]; account: Account }
/** One client as `GET /clients/:id` answers it: with its groups and birthday (QR and NFC codes are never answered). */
interface ClientRecord extends Client { cards: CardRow[]; groups: string[]; birthday?: string }

interface EditValues { id: string; name: string; member: boolean; plate?: string; qr?: string; nfc?: string; groups?: string[]; birthday?: string; creditLimit?: number; balance?: number }

const platePattern = /^[A-Z0-9]{2,12}$/;
/** A search that reads as a plate: letters and at least one digit, 2–12 in normal form. */
const looksLikePlate = (text: string): boolean => platePattern.test(normalPlate(text)) && /[0-9]/.test(text);

export function Clients(_props: { network: string }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const { message } = AntApp.useApp();
  const [rows, setRows] = useState<Client[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [open, setOpen] = useState<(Client & { cards: CardRow[] }) | undefined>();
  const [editing, setEditing] = useState<Client | 'new' | undefined>();
  const [form] = Form.useForm<EditValues>();
  const lang = i18n.language;

  const load = useCallback((after?: string) => {
    const text = query.trim();
    const filter = text === '' ? {} : looksLikePlate(text) ? { plate: text } : { name: text };
    api.get<{ items: Client[]; next?: string | null }>('/clients', { limit: 200, after, ...filter }).then(
      (page) => { setRows((current) => (after === undefined ? page.items : [...current, ...page.items])); setNext(page.next ?? undefined); setProblem(undefined); },
      (error: unknown) => setProblem(problemText(t, error)),
    );
  }, [query, t]);
  useEffect(() => load(), [load]);

  const openDetail = (id: string): void => {
    api.get<ClientRecord>(`/clients/${encodeURIComponent(id)}`).then(setOpen, (error: unknown) => setProblem(problemText(t, error)));
  };

  const startEdit = (row: Client | 'new'): void => {
    form.resetFields();
    if (row === 'new') form.setFieldsValue({ member: false });
    else {
      form.setFieldsValue({ id: row.id, name: row.name, member: row.member, ...(row.plates[0] !== undefined ? { plate: row.plates[0] } : {}), creditLimit: row.account.creditLimit / 100 });
      // Groups and birthday are the engine's (the list does not carry them): read the client to show them.
      api.get<ClientRecord>(`/clients/${encodeURIComponent(row.id)}`).then(
        (record) => form.setFieldsValue({ groups: record.groups, ...(record.birthday !== undefined ? { birthday: record.birthday } : {}) }),
        (error: unknown) => setProblem(problemText(t, error)),
      );
    }
    setEditing(row);
  };

  const save = async (): Promise<void> => {
    const values = await form.validateFields();
    const optional = (name: 'plate' | 'qr' | 'nfc' | 'birthday'): Record<string, string> => (values[name] ? { [name]: String(values[name]).trim() } : {});
    const body = {
      name: values.name,
      member: values.member === true,
      ...optional('plate'),
      ...optional('qr'),
      ...optional('nfc'),
      ...optional('birthday'),
      // A new client without groups sends none; an edit sends the groups as shown, so removing the last one clears them.
      ...(values.groups !== undefined && (values.groups.length > 0 || editing !== 'new') ? { groups: values.groups } : {}),
      ...(values.creditLimit !== undefined && values.creditLimit !== null ? { creditLimit: kopecksOf(values.creditLimit) } : {}),
    };
    try {
      if (editing === 'new') await api.put(`/clients/${encodeURIComponent(values.id)}`, { ...body, ...(values.balance !== undefined && values.balance !== null ? { balance: kopecksOf(values.balance) } : {}) });
      else await api.patch(`/clients/${encodeURIComponent(values.id)}`, body);
      void message.success(t('accounts.saved'));
      setEditing(undefined);
      load();
    } catch (error) {
      if (!showFieldIssues(form, error)) void message.error(problemText(t, error));
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Input.Search allowClear placeholder={t('accounts.parties.clients.searchHint')} onSearch={setQuery} style={{ width: 300 }} data-testid="client-search" />
        <Button onClick={() => load()}>{t('accounts.refresh')}</Button>
        {me.may('clients.write') && <Button type="primary" onClick={() => startEdit('new')} data-testid="client-new">{t('accounts.parties.clients.newClient')}</Button>}
      </Space>
      {problem !== undefined && <Alert type="error" showIcon title={problem} />}
      <Table<Client>
        rowKey="id"
        size="middle"
        dataSource={rows}
        pagination={false}
        onRow={(row) => ({ onClick: () => openDetail(row.id), style: { cursor: 'pointer' }, 'data-testid': 'client-row' } as React.HTMLAttributes<HTMLElement>)}
        columns={[
          { title: t('accounts.parties.name'), dataIndex: 'name' },
          { title: t('accounts.parties.id'), dataIndex: 'id', render: (value: string) => <Typography.Text code>{value}</Typography.Text> },
          { title: t('accounts.parties.clients.plates'), dataIndex: 'plates', render: (plates: string[]) => plates.map((plate) => <Tag key={plate}>{plate}</Tag>) },
          { title: t('accounts.parties.clients.member'), dataIndex: 'member', render: (member: boolean) => (member ? <Tag color="gold">{t('accounts.parties.clients.yes')}</Tag> : t('accounts.parties.clients.no')) },
          { title: t('accounts.parties.balance'), key: 'balance', align: 'right', render: (_: unknown, row) => money(row.account.balance, lang) },
          { title: t('accounts.parties.bonus'), key: 'bonus', align: 'right', render: (_: unknown, row) => row.account.bonus },
          ...(me.may('clients.write') ? [{ title: '', key: 'edit', render: (_: unknown, row: Client) => <Button size="small" onClick={(event) => { event.stopPropagation(); startEdit(row); }}>{t('accounts.edit')}</Button> }] : []),
        ]}
      />
      {next !== undefined && <Button onClick={() => load(next)}>{t('accounts.more')}</Button>}
      <Drawer open={open !== undefined} onClose={() => setOpen(undefined)} size="large" title={open === undefined ? '' : `${open.name} (${open.id})`} destroyOnHidden data-testid="client-detail">
        {open !== undefined && <AccountDetail kind="client" id={open.id} cards={open.cards} />}
      </Drawer>
      <Modal open={editing !== undefined} title={editing === 'new' ? t('accounts.parties.clients.newClient') : t('accounts.edit')} onOk={() => void save()} onCancel={() => setEditing(undefined)} okText={t('accounts.save')} cancelText={t('accounts.cancel')} destroyOnHidden>
        <Form form={form} layout="vertical" autoComplete="off">
          <Form.Item name="id" label={t('accounts.parties.id')} rules={[{ required: true, message: t('validation.required') }, identifierRule(t)]}><Input disabled={editing !== 'new'} /></Form.Item>
          <Form.Item name="name" label={t('accounts.parties.name')} rules={[{ required: true, whitespace: true, message: t('validation.required') }, { max: 200 }]}><Input /></Form.Item>
          <Form.Item name="member" valuePropName="checked"><Checkbox>{t('accounts.parties.clients.member')}</Checkbox></Form.Item>
          <Form.Item name="plate" label={t('accounts.parties.clients.plate')} rules={[{ validator: (_rule, value: unknown) => (value === undefined || value === '' || (typeof value === 'string' && platePattern.test(normalPlate(value))) ? Promise.resolve() : Promise.reject(new Error(t('validation.plate')))) }]}><Input /></Form.Item>
          <Form.Item name="qr" label={t('accounts.parties.clients.qr')} rules={[{ max: 64 }]} {...(editing !== 'new' ? { extra: t('accounts.parties.clients.keepCode') } : {})}><Input /></Form.Item>
          <Form.Item name="nfc" label={t('accounts.parties.clients.nfc')} rules={[{ max: 64 }]} {...(editing !== 'new' ? { extra: t('accounts.parties.clients.keepCode') } : {})}><Input /></Form.Item>
          <Form.Item name="groups" label={t('accounts.parties.clients.groups')}><Select mode="tags" tokenSeparators={[',', ' ']} /></Form.Item>
          <Form.Item name="birthday" label={t('accounts.parties.clients.birthday')} rules={[{ pattern: /^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, message: t('accounts.parties.clients.birthday') }]}><Input placeholder="03-08" style={{ width: 140 }} /></Form.Item>
          <Form.Item name="creditLimit" label={`${t('accounts.parties.creditLimit')}, ₽`} rules={[rublesRule(t, { zero: true })]}><InputNumber style={{ width: '100%' }} /></Form.Item>
          {editing === 'new' && <Form.Item name="balance" label={`${t('accounts.parties.openingBalance')}, ₽`} rules={[rublesRule(t, { zero: true, negative: true })]}><InputNumber style={{ width: '100%' }} /></Form.Item>}
        </Form>
      </Modal>
    </Space>
  );
}
