// The cabinet's pricing conditions (GET /api/v1/{clients|counterparties}/:id/pricing-conditions): what
// the owner bought in the period at which list price and which price under which discount rule, the
// discounts in force now that apply to it, and the network's bonus program (clients).

import { useEffect, useState } from 'react';
import { Alert, Card, Descriptions, List, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../http';
import { problemText } from '../../problems';
import { instant, lineQuantity, money, quantity } from '../../format';

/** A line of the pricing conditions' history as the API answers it (shared with the account drawer). */
export interface HistoryRow {
  product: string;
  listPrice: number | null;
  price: number | null;
  discountRule: string | null;
  firstAt: string;
  lastAt: string;
  count: number;
  quantity: number;
  unit: string | null;
  amount: number;
  discount: number;
}

interface Discount {
  id: string;
  name: string;
  percent: number | null;
  perUnit: number | null;
  fixedPrice: number | null;
  products: string[] | null;
  sites: string[] | null;
  hours: string | null;
  validFrom: string | null;
  validTo: string | null;
  clientGroups: string[] | null;
  members: boolean;
  threshold: { period: 'day' | 'week' | 'month'; volume?: number; amount?: number } | null;
  targeted: boolean;
}

interface Conditions {
  account: string;
  from: string;
  to: string;
  history: HistoryRow[];
  discounts: Discount[];
  bonus: { rate: number | null; redeem: boolean | null; products: string[] | null } | null;
}

export function PricingConditions({ base, period, refreshed }: { base: string; period: { from?: string; to?: string }; refreshed: number }) {
  const { t, i18n } = useTranslation();
  const [conditions, setConditions] = useState<Conditions | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(undefined);
    api
      .get<Conditions>(`${base}/pricing-conditions`, period)
      .then((answer) => current && setConditions(answer))
      .catch((problem: unknown) => current && setError(problemText(t, problem)))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [base, period, refreshed, t]);

  const price = (kopecks: number | null): string => (kopecks === null ? t('cabinet.none') : money(kopecks, i18n.language));
  const columns: TableColumnsType<HistoryRow> = [
    { title: t('cabinet.pricing.product'), key: 'product', render: (_, row) => row.product },
    { title: t('cabinet.pricing.listPrice'), key: 'listPrice', align: 'right', render: (_, row) => price(row.listPrice) },
    { title: t('cabinet.pricing.price'), key: 'price', align: 'right', render: (_, row) => <Typography.Text strong>{price(row.price)}</Typography.Text> },
    { title: t('cabinet.pricing.rule'), key: 'rule', render: (_, row) => (row.discountRule === null ? t('cabinet.none') : <Tag color="green">{row.discountRule}</Tag>) },
    { title: t('cabinet.pricing.first'), key: 'first', render: (_, row) => instant(Date.parse(row.firstAt), i18n.language) },
    { title: t('cabinet.pricing.last'), key: 'last', render: (_, row) => instant(Date.parse(row.lastAt), i18n.language) },
    { title: t('cabinet.pricing.count'), key: 'count', align: 'right', render: (_, row) => row.count },
    { title: t('cabinet.pricing.quantity'), key: 'quantity', align: 'right', render: (_, row) => lineQuantity(row.quantity, row.unit, i18n.language) },
    { title: t('cabinet.pricing.amount'), key: 'amount', align: 'right', render: (_, row) => money(row.amount, i18n.language) },
    { title: t('cabinet.pricing.discount'), key: 'discount', align: 'right', render: (_, row) => money(row.discount, i18n.language) },
  ];

  const discountText = (rule: Discount): string =>
    [
      rule.percent !== null ? t('cabinet.pricing.percent', { value: rule.percent / 100 }) : undefined,
      rule.perUnit !== null ? t('cabinet.pricing.perUnit', { value: money(rule.perUnit, i18n.language) }) : undefined,
      rule.fixedPrice !== null ? t('cabinet.pricing.fixedPrice', { value: money(rule.fixedPrice, i18n.language) }) : undefined,
      rule.products === null ? t('cabinet.pricing.allProducts') : rule.products.join(', '),
      rule.sites === null ? t('cabinet.pricing.everywhere') : rule.sites.join(', '),
      rule.hours ?? undefined,
      rule.clientGroups !== null ? t('cabinet.pricing.groups', { groups: rule.clientGroups.join(', ') }) : undefined,
      rule.members ? t('cabinet.pricing.members') : undefined,
      rule.threshold !== null
        ? t('cabinet.pricing.threshold', {
            value: rule.threshold.volume !== undefined ? quantity(rule.threshold.volume, 'l', i18n.language) : money(rule.threshold.amount ?? 0, i18n.language),
            period: t(`cabinet.pricing.periods.${rule.threshold.period}`),
          })
        : undefined,
      rule.validTo !== null ? t('cabinet.pricing.validTo', { at: instant(Date.parse(rule.validTo), i18n.language) }) : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(' · ');

  return (
    <Card title={t('cabinet.pricing.title')} loading={loading && conditions === undefined} data-testid="pricing-conditions">
      {error !== undefined && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {conditions !== undefined && (
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Typography.Text type="secondary">
            {t('cabinet.pricing.history')}: {instant(Date.parse(conditions.from), i18n.language)} — {instant(Date.parse(conditions.to), i18n.language)}
          </Typography.Text>
          <Table<HistoryRow>
            rowKey={(row) => `${row.product}|${row.listPrice}|${row.price}|${row.discountRule}`}
            size="small"
            columns={columns}
            dataSource={conditions.history}
            pagination={false}
            locale={{ emptyText: t('cabinet.pricing.emptyHistory') }}
            data-testid="pricing-history"
          />
          <Typography.Title level={5} style={{ margin: 0 }}>
            {t('cabinet.pricing.discounts')}
          </Typography.Title>
          <List
            size="small"
            dataSource={conditions.discounts}
            locale={{ emptyText: t('cabinet.pricing.noDiscounts') }}
            renderItem={(rule) => (
              <List.Item>
                <Space wrap>
                  <Typography.Text strong>{rule.name}</Typography.Text>
                  {rule.targeted && <Tag color="blue">{t('cabinet.pricing.targeted')}</Tag>}
                  <Typography.Text type="secondary">{discountText(rule)}</Typography.Text>
                </Space>
              </List.Item>
            )}
            data-testid="pricing-discounts"
          />
          {conditions.bonus !== null && (
            <Descriptions size="small" column={1} title={t('cabinet.pricing.bonus')}>
              {conditions.bonus.rate !== null && <Descriptions.Item>{t('cabinet.pricing.bonusRate', { rate: conditions.bonus.rate / 100 })}</Descriptions.Item>}
              <Descriptions.Item>{conditions.bonus.redeem === true ? t('cabinet.pricing.bonusRedeem') : t('cabinet.pricing.bonusNoRedeem')}</Descriptions.Item>
              {conditions.bonus.products !== null && <Descriptions.Item>{conditions.bonus.products.join(', ')}</Descriptions.Item>}
            </Descriptions>
          )}
        </Space>
      )}
    </Card>
  );
}
