// The counterparties screen (corporate clients): the list with search by name or code, segment filter,
// balance and credit limit; a drawer with one counterparty's account, cards, operations, pricing
// conditions and balance at a date (components/accounts/AccountDetail); creating and editing a
// counterparty (`PUT`/`PATCH /api/v1/counterparties/:id`) for roles with counterparties.write.
// Money is entered in roubles and sent in kopecks.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, App as AntApp, Button, Drawer, Form, Input, InputNumber, Modal, Select, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { money } from '../format';
import { useMe } from '../session';
import { AccountDetail } from '../components/accounts/AccountDetail';
import type { CardRow } from '../components/CardTable';
import type { Account } from '../components/accounts/AccountDetail';
import { identifierRule, kopecksOf, rublesRule } from '../components/accounts/rules';

interface Counterparty { id: string; name: string; segment: string | null; account: Account }

interface EditValues { id: string; name: string; segment?: string; creditLimit?: number; balance?: number }

export function Counterparties(_props: { network: string }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const { message } = AntApp.useApp();
  const [rows, setRows] = useState<Counterparty[]>([]);
  const [problem, setProblem] = useState<string | undefined>();
  const [search, setSearch] = useState('');
  const [segment, setSegment] = useState<string | undefined>();
  const [open, setOpen] = useState<(Counterparty & { cards: CardRow[] }) | undefined>();
  const [editing, setEditing] = useState<Counterparty | 'new' | undefined>();
  const [form] = Form.useForm<EditValues>();
  const lang = i18n.language;

  const load = useCallback(() => {
    api.get<{ items: Counterparty[] }>('/counterparties', { limit: 1000 }).then((page) => { setRows(page.items); setProblem(undefined); }, (error: unknown) => setProblem(problemText(t, error)));
  }, [t]);
  useEffect(load, [load]);

  const segments = useMemo(() => [...new Set(rows.map((row) => row.segment).filter((value): value is string => value !== null))].sort(), [rows]);
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return rows.filter((row) => (segment === undefined || row.segment === segment) && (needle === '' || row.name.toLowerCase().includes(needle) || row.id.toLowerCase().includes(needle)));
  }, [rows, search, segment]);

  const openDetail = (id: string): void => {
    api.get<Counterparty & { cards: CardRow[] }>(`/counterparties/${encodeURIComponent(id)}`).then(setOpen, (error: unknown) => setProblem(problemText(t, error)));
  };

  const startEdit = (row: Counterparty | 'new'): void => {
    form.resetFields();
    if (row !== 'new') form.setFieldsValue({ id: row.id, name: row.name, ...(row.segment !== null ? { segment: row.segment } : {}), creditLimit: row.account.creditLimit / 100 });
    setEditing(row);
  };

  const save = async (): Promise<void> => {
    const values = await form.validateFields();
    try {
      if (editing === 'new') {
        await api.put(`/counterparties/${encodeURIComponent(values.id)}`, {
          name: values.name,
          ...(values.segment ? { segment: values.segment } : {}),
          ...(values.creditLimit !== undefined && values.creditLimit !== null ? { creditLimit: kopecksOf(values.creditLimit) } : {}),
          ...(values.balance !== undefined && values.balance !== null ? { balance: kopecksOf(values.balance) } : {}),
        });
      } else {
        await api.patch(`/counterparties/${encodeURIComponent(values.id)}`, {
          name: values.name,
          segment: values.segment ? values.segment : null,
          creditLimit: kopecksOf(values.creditLimit ?? 0),
        });
      }
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
        <Input.Search allowClear placeholder={t('accounts.parties.search')} value={search} onChange={(event) => setSearch(event.target.value)} style={{ width: 280 }} data-testid="counterparty-search" />
        <Select allowClear placeholder={t('accounts.parties.allSegments')} value={segment} onChange={setSegment} style={{ width: 200 }} options={segments.map((value) => ({ value, label: value }))} />
        <Button onClick={load} data-testid="counterparty-refresh">{t('accounts.refresh')}</Button>
        {me.may('counterparties.write') && <Button type="primary" onClick={() => startEdit('new')} data-testid="counterparty-new">{t('accounts.parties.newCounterparty')}</Button>}
      </Space>
      {problem !== undefined && <Alert type="error" showIcon title={problem} />}
      <Table<Counterparty>
        rowKey="id"
        size="middle"
        dataSource={shown}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        onRow={(row) => ({ onClick: () => openDetail(row.id), style: { cursor: 'pointer' }, 'data-testid': 'counterparty-row' } as React.HTMLAttributes<HTMLElement>)}
        columns={[
          { title: t('accounts.parties.name'), dataIndex: 'name', sorter: (a, b) => a.name.localeCompare(b.name) },
          { title: t('accounts.parties.id'), dataIndex: 'id', render: (value: string) => <Typography.Text code>{value}</Typography.Text> },
          { title: t('accounts.parties.segment'), dataIndex: 'segment', render: (value: string | null) => value ?? t('accounts.none') },
          { title: t('accounts.parties.balance'), key: 'balance', align: 'right', sorter: (a, b) => a.account.balance - b.account.balance, render: (_: unknown, row) => row.account.balance < 0 ? <Typography.Text type="danger">{money(row.account.balance, lang)}</Typography.Text> : money(row.account.balance, lang) },
          { title: t('accounts.parties.creditLimit'), key: 'credit', align: 'right', render: (_: unknown, row) => money(row.account.creditLimit, lang) },
          { title: t('accounts.parties.bonus'), key: 'bonus', align: 'right', render: (_: unknown, row) => row.account.bonus },
          ...(me.may('counterparties.write')
            ? [{ title: '', key: 'edit', render: (_: unknown, row: Counterparty) => <Button size="small" onClick={(event) => { event.stopPropagation(); startEdit(row); }}>{t('accounts.edit')}</Button> }]
            : []),
        ]}
      />
      <Drawer open={open !== undefined} onClose={() => setOpen(undefined)} size="large" title={open === undefined ? '' : `${open.name} (${open.id})`} destroyOnHidden data-testid="counterparty-detail">
        {open !== undefined && <AccountDetail kind="counterparty" id={open.id} cards={open.cards} />}
      </Drawer>
      <Modal open={editing !== undefined} title={editing === 'new' ? t('accounts.parties.newCounterparty') : t('accounts.edit')} onOk={() => void save()} onCancel={() => setEditing(undefined)} okText={t('accounts.save')} cancelText={t('accounts.cancel')} destroyOnHidden>
        <Form form={form} layout="vertical">
          <Form.Item name="id" label={t('accounts.parties.id')} rules={[{ required: true, message: t('validation.required') }, identifierRule(t)]}><Input disabled={editing !== 'new'} data-testid="party-id" /></Form.Item>
          <Form.Item name="name" label={t('accounts.parties.name')} rules={[{ required: true, whitespace: true, message: t('validation.required') }, { max: 200 }]}><Input data-testid="party-name" /></Form.Item>
          <Form.Item name="segment" label={t('accounts.parties.segment')} rules={[identifierRule(t)]}><Input /></Form.Item>
          <Form.Item name="creditLimit" label={`${t('accounts.parties.creditLimit')}, ₽`} rules={[rublesRule(t, { zero: true })]}><InputNumber style={{ width: '100%' }} data-testid="party-credit" /></Form.Item>
          {editing === 'new' && <Form.Item name="balance" label={`${t('accounts.parties.openingBalance')}, ₽`} rules={[rublesRule(t, { zero: true, negative: true })]}><InputNumber style={{ width: '100%' }} /></Form.Item>}
        </Form>
      </Modal>
    </Space>
  );
}
