// Transactions (`/transactions`): every operation the read model holds — fuel, shop receipts, returns,
// top-ups, car-wash charges, declines — newest first, searched by card (full number, last four or
// masked; the full number goes to the server in the query of one request and is never kept in the
// address bar), counterparty, client, site, terminal, receipt or tx id, kind, result and period; pages
// follow the feed's cursor; the same filters export as Excel or CSV. A row opens the operation card.

import { useCallback, useMemo, useState } from 'react';
import { Alert, Button, DatePicker, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { DownloadOutlined, SearchOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { periodOfDays } from '../periods';
import { useTranslation } from 'react-i18next';
import type { OperationKind, OperationResult } from '../../../engine/read-model/writes';
import { api, exportUrl } from '../http';
import { instant, money, quantity } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import { OperationCard } from '../components/OperationCard';
import { usePages } from '../components/usePages';
import type { Operation } from '../components/OperationCard';

export const operationKindList = ['fuel', 'sale', 'refund', 'topup', 'wash', 'decline'] as const satisfies readonly OperationKind[];
const resultList = ['approved', 'declined'] as const satisfies readonly OperationResult[];
/** As the API takes it: a full number, the last four (`1234`, `*1234`) or the masked form. */
const cardPattern = /^(?:\d{8,19}|\**\d{4}|\d{1,6}\*+\d{4})$/;
const pageSize = 50;

interface Filters {
  card?: string;
  counterparty?: string;
  client?: string;
  site?: string;
  terminal?: string;
  tx?: string;
  kind?: OperationKind[];
  result?: OperationResult;
  period?: [Dayjs, Dayjs];
}

export function Transactions(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const language = i18n.language;
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const [open, setOpen] = useState<string | undefined>();

  const query = useMemo(() => {
    const text = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
    return {
      card: text(filters.card)?.replace(/\s+/g, ''),
      counterparty: text(filters.counterparty),
      client: text(filters.client),
      site: text(filters.site),
      terminal: text(filters.terminal),
      tx: text(filters.tx),
      result: filters.result,
      kind: filters.kind,
      ...(filters.period !== undefined ? periodOfDays(filters.period, me.zone) : {}),
    };
  }, [filters]);

  const fetchPage = useCallback((cursor: string | undefined) => api.get<{ items: Operation[]; next: string | null }>('/transactions', { ...query, limit: pageSize, cursor }), [query]);
  const { items, next, loading, error, more } = usePages(fetchPage);

  const columns: TableColumnsType<Operation> = [
    { title: t('transactions.columns.at'), key: 'at', width: 160, render: (_, row) => instant(Date.parse(row.at), language) },
    { title: t('transactions.columns.kind'), key: 'kind', render: (_, row) => <Tag color={row.result === 'declined' ? 'red' : 'default'}>{t(`transactions.kinds.${row.kind}`)}</Tag> },
    { title: t('transactions.columns.site'), key: 'site', render: (_, row) => <span>{row.site ?? '—'}<Typography.Text type="secondary"> {row.terminal ?? ''}</Typography.Text></span> },
    { title: t('transactions.columns.card'), key: 'card', render: (_, row) => row.card ?? '—' },
    { title: t('transactions.columns.party'), key: 'party', render: (_, row) => row.counterparty ?? row.client ?? '—' },
    { title: t('transactions.columns.product'), key: 'product', render: (_, row) => (row.product === null ? '—' : `${row.product}${row.volume !== null && row.kind === 'fuel' ? ` · ${quantity(row.volume, 'l', language)}` : ''}`) },
    { title: t('transactions.columns.amount'), key: 'amount', align: 'right', render: (_, row) => (row.result === 'declined' ? <Typography.Text type="danger">{t(`reasons.${row.reason ?? 'OK'}`, { defaultValue: row.reason ?? '' })}</Typography.Text> : money(row.amount, language)) },
    { title: t('transactions.columns.reference'), key: 'reference', render: (_, row) => <Typography.Text type="secondary">{row.txId ?? row.reference}</Typography.Text> },
  ];

  const exportLink = (format: 'xlsx' | 'csv'): string => exportUrl(`/exports/transactions.${format}`, query);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('transactions.title')}
      </Typography.Title>
      <Form form={form} layout="inline" onFinish={(values) => setFilters(values)} style={{ rowGap: 8 }}>
        <Form.Item name="card" rules={[{ validator: (_, value?: string) => (value === undefined || value.trim() === '' || cardPattern.test(value.replace(/\s+/g, '')) ? Promise.resolve() : Promise.reject(new Error(t('transactions.cardInvalid')))) }]}>
          <Input allowClear placeholder={t('transactions.filters.card')} style={{ width: 200 }} autoComplete="off" data-testid="filter-card" />
        </Form.Item>
        <Form.Item name="tx">
          <Input allowClear placeholder={t('transactions.filters.tx')} style={{ width: 180 }} data-testid="filter-tx" />
        </Form.Item>
        <Form.Item name="counterparty">
          <Input allowClear placeholder={t('transactions.filters.counterparty')} style={{ width: 160 }} data-testid="filter-counterparty" />
        </Form.Item>
        <Form.Item name="client">
          <Input allowClear placeholder={t('transactions.filters.client')} style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="site">
          <Input allowClear placeholder={t('transactions.filters.site')} style={{ width: 120 }} data-testid="filter-site" />
        </Form.Item>
        <Form.Item name="terminal">
          <Input allowClear placeholder={t('transactions.filters.terminal')} style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="kind">
          <Select mode="multiple" allowClear placeholder={t('transactions.filters.kind')} style={{ minWidth: 180 }} options={operationKindList.map((kind) => ({ value: kind, label: t(`transactions.kinds.${kind}`) }))} data-testid="filter-kind" />
        </Form.Item>
        <Form.Item name="result">
          <Select allowClear placeholder={t('transactions.filters.result')} style={{ width: 140 }} options={resultList.map((result) => ({ value: result, label: t(`transactions.results.${result}`) }))} />
        </Form.Item>
        <Form.Item name="period">
          <DatePicker.RangePicker />
        </Form.Item>
        <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="filter-apply">
          {t('transactions.search')}
        </Button>
        <Button
          onClick={() => {
            form.resetFields();
            setFilters({});
          }}
        >
          {t('transactions.reset')}
        </Button>
      </Form>
      {me.may('reports.export') && (
        <Space>
          <Button icon={<DownloadOutlined />} href={exportLink('xlsx')}>
            Excel
          </Button>
          <Button icon={<DownloadOutlined />} href={exportLink('csv')}>
            CSV
          </Button>
        </Space>
      )}
      {error !== undefined && <Alert type="error" showIcon title={error} />}
      <Table<Operation>
        rowKey="position"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={items}
        pagination={false}
        onRow={(row) => ({ onClick: () => setOpen(row.reference), style: { cursor: 'pointer' }, 'data-testid': 'transaction-row' }) as React.HTMLAttributes<HTMLElement>}
        locale={{ emptyText: t('transactions.empty') }}
        data-testid="transactions-table"
      />
      {next !== undefined && (
        <Button onClick={more} loading={loading} data-testid="transactions-more">
          {t('transactions.more')}
        </Button>
      )}
      <OperationCard reference={open} onClose={() => setOpen(undefined)} />
    </Space>
  );
}
