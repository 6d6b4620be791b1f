// The audit log (`/audit`): who did what, when, from where, with what outcome — sign-ins, refusals,
// changes to users, cards, prices, the network — newest first, filtered by period, person, action and
// kind, paged through the journal's position; the same filters export as CSV or Excel. Entries carry
// no secrets (the server redacts them); before/after are shown as text, never as markup.

import { useCallback, useMemo, useState } from 'react';
import { Alert, Button, DatePicker, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { periodOfDays } from '../periods';
import { useTranslation } from 'react-i18next';
import { permissionMatrix } from '../../../engine/security/permissions';
import { auditKinds } from '../../../engine/security/audit-kinds';
import { api, exportUrl } from '../http';
import { instant } from '../format';
import { useMe } from '../session';
import { usePages } from '../components/usePages';
import type { ScreenProps } from '../screens';

interface Entry {
  seq: number;
  at: string;
  kind: string;
  action?: string;
  outcome: string;
  reason?: string;
  actor: { kind: string; id?: string; role?: string; label?: string };
  address?: string;
  target?: { type: string; id: string };
  before?: unknown;
  after?: unknown;
}

interface Filters {
  period?: [Dayjs, Dayjs] | undefined;
  user?: string;
  action?: string;
  kind?: string;
}

const pageSize = 100;

export function Audit(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const [filters, setFilters] = useState<Filters>({});

  const query = useMemo(
    () => ({
      ...(filters.period !== undefined ? periodOfDays(filters.period, me.zone) : {}),
      ...(filters.user ? { user: filters.user.trim() } : {}),
      ...(filters.action ? { action: filters.action } : {}),
      ...(filters.kind ? { kind: filters.kind } : {}),
    }),
    [filters],
  );

  const fetchPage = useCallback(
    (after: number | undefined) => api.get<{ entries: Entry[]; next?: number }>('/audit', { ...query, limit: pageSize, after }).then((page) => ({ items: page.entries, next: page.next })),
    [query],
  );
  const { items: entries, next, loading, error, more } = usePages(fetchPage);

  const actorText = (entry: Entry): string => entry.actor.label ?? entry.actor.id ?? t(`audit.actors.${entry.actor.kind}`, { defaultValue: entry.actor.kind });
  const columns: TableColumnsType<Entry> = [
    { title: t('audit.columns.at'), key: 'at', width: 170, render: (_, entry) => instant(Date.parse(entry.at), i18n.language) },
    { title: t('audit.columns.kind'), key: 'kind', render: (_, entry) => <Tag>{entry.kind}</Tag> },
    { title: t('audit.columns.outcome'), key: 'outcome', render: (_, entry) => <Tag color={entry.outcome === 'ok' ? 'green' : 'red'}>{t(`audit.outcomes.${entry.outcome}`, { defaultValue: entry.outcome })}{entry.reason !== undefined ? ` · ${entry.reason}` : ''}</Tag> },
    { title: t('audit.columns.actor'), key: 'actor', render: (_, entry) => <span>{actorText(entry)}{entry.actor.role !== undefined ? <Typography.Text type="secondary"> ({t(`roles.${entry.actor.role}`, { defaultValue: entry.actor.role })})</Typography.Text> : null}</span> },
    { title: t('audit.columns.target'), key: 'target', render: (_, entry) => (entry.target !== undefined ? `${entry.target.type} ${entry.target.id}` : '') },
    { title: t('audit.columns.address'), key: 'address', render: (_, entry) => entry.address ?? '' },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('audit.title')}
      </Typography.Title>
      <Space wrap>
        <DatePicker.RangePicker value={filters.period ?? null} onChange={(range) => setFilters((previous) => ({ ...previous, period: range?.[0] && range[1] ? [range[0], range[1]] : undefined }))} />
        <Input.Search allowClear placeholder={t('audit.user')} style={{ width: 220 }} onSearch={(value) => setFilters((previous) => ({ ...previous, user: value }))} data-testid="audit-user" />
        <Select allowClear placeholder={t('audit.kind')} style={{ width: 240 }} value={filters.kind} onChange={(value?: string) => setFilters((previous) => ({ ...previous, ...(value !== undefined ? { kind: value } : { kind: '' }) }))} options={auditKinds.map((kind) => ({ value: kind, label: kind }))} data-testid="audit-kind" />
        <Select allowClear placeholder={t('audit.action')} style={{ width: 220 }} value={filters.action} onChange={(value?: string) => setFilters((previous) => ({ ...previous, ...(value !== undefined ? { action: value } : { action: '' }) }))} options={Object.keys(permissionMatrix).map((action) => ({ value: action, label: action }))} />
        {me.may('audit.export') && (
          <>
            <Button icon={<DownloadOutlined />} href={exportUrl('/exports/audit.xlsx', query)}>
              Excel
            </Button>
            <Button icon={<DownloadOutlined />} href={exportUrl('/exports/audit.csv', query)}>
              CSV
            </Button>
          </>
        )}
      </Space>
      {error !== undefined && <Alert type="error" showIcon title={error} />}
      <Table<Entry>
        rowKey="seq"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={entries}
        pagination={false}
        data-testid="audit-table"
        expandable={{
          rowExpandable: (entry) => entry.before !== undefined || entry.after !== undefined,
          expandedRowRender: (entry) => (
            <Space align="start" wrap>
              {entry.before !== undefined && <pre style={{ margin: 0, maxWidth: 520, whiteSpace: 'pre-wrap' }}>{`${t('audit.before')}: ${JSON.stringify(entry.before, null, 2)}`}</pre>}
              {entry.after !== undefined && <pre style={{ margin: 0, maxWidth: 520, whiteSpace: 'pre-wrap' }}>{`${t('audit.after')}: ${JSON.stringify(entry.after, null, 2)}`}</pre>}
            </Space>
          ),
        }}
      />
      {next !== undefined && (
        <Button onClick={more} loading={loading}>
          {t('audit.more')}
        </Button>
      )}
    </Space>
  );
}
