// The cabinet's account history (GET /api/v1/{clients|counterparties}/:id/operations): every movement
// of the owner's money and points in the period, newest first, paged through the API's cursor ("show
// more"), and the same period exported as Excel or CSV through the transaction feed's export — which
// the server limits to the client's own operations.

import { useCallback } from 'react';
import { Alert, Button, Card, Space, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, exportUrl } from '../../http';
import { usePages } from '../usePages';
import { instant, money } from '../../format';
import { useMe } from '../../session';

export interface Operation {
  position: number;
  at: string;
  kind: string;
  reference: string | null;
  delta: number;
  balanceAfter: number;
  bonusDelta: number;
  bonusAfter: number;
}

interface OperationPage {
  account: string;
  items: Operation[];
  next: string | null;
}

const pageSize = 50;

export function Operations({ base, period, owner, refreshed }: { base: string; period: { from?: string; to?: string }; owner: { kind: 'client' | 'counterparty'; id: string }; refreshed: number }) {
  const { t, i18n } = useTranslation();
  const me = useMe();

  const fetchPage = useCallback((cursor: string | undefined) => api.get<OperationPage>(`${base}/operations`, { ...period, limit: pageSize, cursor }), [base, period]);
  const { items, next, loading, error, more, reload } = usePages(fetchPage, refreshed);

  const signed = (kopecks: number): string => (kopecks > 0 ? `+${money(kopecks, i18n.language)}` : money(kopecks, i18n.language));
  const columns: TableColumnsType<Operation> = [
    { title: t('cabinet.operations.at'), key: 'at', width: 170, render: (_, row) => instant(Date.parse(row.at), i18n.language) },
    { title: t('cabinet.operations.kind'), key: 'kind', render: (_, row) => t(`cabinet.operations.kinds.${row.kind}`, { defaultValue: row.kind }) },
    { title: t('cabinet.operations.reference'), key: 'reference', render: (_, row) => <Typography.Text code>{row.reference ?? t('cabinet.none')}</Typography.Text> },
    { title: t('cabinet.operations.delta'), key: 'delta', align: 'right', render: (_, row) => <Typography.Text type={row.delta < 0 ? 'danger' : 'success'}>{signed(row.delta)}</Typography.Text> },
    { title: t('cabinet.operations.balanceAfter'), key: 'balanceAfter', align: 'right', render: (_, row) => money(row.balanceAfter, i18n.language) },
    { title: t('cabinet.operations.bonusDelta'), key: 'bonusDelta', align: 'right', render: (_, row) => (row.bonusDelta === 0 ? t('cabinet.none') : row.bonusDelta > 0 ? `+${row.bonusDelta}` : String(row.bonusDelta)) },
    { title: t('cabinet.operations.bonusAfter'), key: 'bonusAfter', align: 'right', render: (_, row) => row.bonusAfter },
  ];
  // The feed's export, narrowed to this owner (the server narrows a client to its own anyway).
  const exportQuery = { ...period, [owner.kind]: owner.id };

  return (
    <Card
      title={t('cabinet.operations.title')}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={reload} data-testid="operations-refresh">
            {t('cabinet.refresh')}
          </Button>
          {me.may('reports.export') && (
            <>
              <Button icon={<DownloadOutlined />} href={exportUrl('/exports/transactions.xlsx', exportQuery)} data-testid="operations-xlsx">
                Excel
              </Button>
              <Button icon={<DownloadOutlined />} href={exportUrl('/exports/transactions.csv', exportQuery)} data-testid="operations-csv">
                CSV
              </Button>
            </>
          )}
        </Space>
      }
    >
      {error !== undefined && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Table<Operation> rowKey="position" size="small" loading={loading} columns={columns} dataSource={items} pagination={false} locale={{ emptyText: t('cabinet.operations.empty') }} data-testid="operations-table" />
      {next !== undefined && (
        <Button style={{ marginTop: 12 }} onClick={more} loading={loading} data-testid="operations-more">
          {t('cabinet.more')}
        </Button>
      )}
    </Card>
  );
}
