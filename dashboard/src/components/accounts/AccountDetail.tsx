// One account owner's detail, shared by the counterparties and car-wash clients screens: the account
// now (balance, credit limit, open holds, available, bonus — `GET …/:id/balance`, polled so a
// completion shows within seconds), the balance at a chosen instant, the owner's cards, the operations
// history (`GET …/:id/operations`, paged by cursor, newest first) and the pricing conditions
// (`GET …/:id/pricing-conditions`: what was paid per product and rule, the discounts in force). The
// cards are the shared CardTable (blocking and unblocking where the role may).

import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, DatePicker, Descriptions, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { api } from '../../http';
import { problemText } from '../../problems';
import { instant, lineQuantity, money } from '../../format';
import type { HistoryRow } from '../cabinet/PricingConditions';
import { useMe } from '../../session';
import { CardTable } from '../CardTable';
import type { CardRow } from '../CardTable';

export type OwnerKind = 'counterparty' | 'client';
const plural: Record<OwnerKind, string> = { counterparty: 'counterparties', client: 'clients' };


/** An account as the counterparties and clients lists answer it (kopecks, bonus points). */
export interface Account { key: string; openingBalance: number; creditLimit: number; balance: number; bonus: number }

interface Balance {
  balance: number;
  bonus: number;
  creditLimit: number;
  holds: number | null;
  available: number | null;
  changedAt: string | null;
}

interface Operation {
  position: number;
  at: string;
  kind: string;
  reference: string | null;
  delta: number;
  balanceAfter: number;
  bonusDelta: number;
  bonusAfter: number;
}


interface Pricing {
  from: string;
  to: string;
  history: HistoryRow[];
  discounts: { id: string; name: string; percent: number | null; perUnit: number | null; targeted: boolean }[];
  bonus: { rate: number | null; redeem: boolean | null } | null;
}

const pollMs = 3_000;

export function AccountDetail({ kind, id, cards }: { kind: OwnerKind; id: string; cards: CardRow[] }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const base = `/${plural[kind]}/${encodeURIComponent(id)}`;
  const [balance, setBalance] = useState<Balance | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [at, setAt] = useState<Dayjs | null>(null);
  const [past, setPast] = useState<Balance | undefined>();
  const [operations, setOperations] = useState<Operation[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [pricing, setPricing] = useState<Pricing | undefined>();
  const [shownCards, setShownCards] = useState(cards);
  const lang = i18n.language;
  useEffect(() => setShownCards(cards), [cards]);

  // The balance now, polled (the read model follows the engine within about a second).
  useEffect(() => {
    if (!me.may('balances.read')) return undefined;
    let stopped = false;
    const load = (): void => {
      api.get<Balance>(`${base}/balance`).then((value) => { if (!stopped) setBalance(value); }, (error: unknown) => { if (!stopped) setProblem(problemText(t, error)); });
    };
    load();
    const timer = setInterval(load, pollMs);
    return () => { stopped = true; clearInterval(timer); };
  }, [base, me, t]);

  const loadOperations = useCallback((cursor: string | null) => {
    if (!me.may('transactions.read')) return;
    api.get<{ items: Operation[]; next: string | null }>(`${base}/operations`, { limit: 50, cursor: cursor ?? undefined }).then(
      (page) => { setOperations((rows) => (cursor === null ? page.items : [...rows, ...page.items])); setNext(page.next); },
      (error: unknown) => setProblem(problemText(t, error)),
    );
  }, [base, me, t]);

  useEffect(() => {
    loadOperations(null);
    api.get<Pricing>(`${base}/pricing-conditions`).then(setPricing, (error: unknown) => setProblem(problemText(t, error)));
  }, [base, loadOperations, t]);

  // New operations appear as the balance changes.
  const changedAt = balance?.changedAt;
  useEffect(() => { if (changedAt !== undefined) loadOperations(null); }, [changedAt, loadOperations]);

  const showPast = (): void => {
    if (at === null) return;
    api.get<Balance>(`${base}/balance`, { at: at.toISOString() }).then(setPast, (error: unknown) => setProblem(problemText(t, error)));
  };

  const rub = (value: number | null | undefined): string => (value === null || value === undefined ? t('accounts.none') : money(value, lang));

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {problem !== undefined && <Alert type="error" showIcon title={problem} closable onClose={() => setProblem(undefined)} />}
      {balance !== undefined && (
        <Descriptions bordered size="small" column={3} title={t('accounts.parties.account')} data-testid="account-now">
          <Descriptions.Item label={t('accounts.parties.balance')}><span data-testid="account-balance">{rub(balance.balance)}</span></Descriptions.Item>
          <Descriptions.Item label={t('accounts.parties.creditLimit')}>{rub(balance.creditLimit)}</Descriptions.Item>
          <Descriptions.Item label={t('accounts.parties.holds')}>{rub(balance.holds)}</Descriptions.Item>
          <Descriptions.Item label={t('accounts.parties.available')}>{rub(balance.available)}</Descriptions.Item>
          <Descriptions.Item label={t('accounts.parties.bonus')}>{balance.bonus}</Descriptions.Item>
          <Descriptions.Item label={t('accounts.parties.changedAt')}>{balance.changedAt === null ? t('accounts.none') : instant(Date.parse(balance.changedAt), lang)}</Descriptions.Item>
        </Descriptions>
      )}
      {me.may('balances.read') && (
        <Space wrap>
          <Typography.Text strong>{t('accounts.parties.balanceAt')}</Typography.Text>
          <DatePicker showTime value={at} onChange={(value) => { setAt(value); setPast(undefined); }} data-testid="balance-at" />
          <Button onClick={showPast} disabled={at === null}>{t('accounts.parties.show')}</Button>
          {past !== undefined && <Typography.Text data-testid="balance-past">{rub(past.balance)} · {t('accounts.parties.bonus')}: {past.bonus}</Typography.Text>}
        </Space>
      )}
      <Tabs
        items={[
          {
            key: 'operations',
            label: t('accounts.parties.operations'),
            children: (
              <>
                <Table<Operation>
                  size="small"
                  rowKey="position"
                  dataSource={operations}
                  pagination={false}
                  data-testid="operations"
                  locale={{ emptyText: t('accounts.parties.noData') }}
                  columns={[
                    { title: t('accounts.parties.op.at'), dataIndex: 'at', render: (value: string) => instant(Date.parse(value), lang) },
                    { title: t('accounts.parties.op.kind'), dataIndex: 'kind', render: (value: string) => t(`accounts.parties.kinds.${value}`, { defaultValue: value }) },
                    { title: t('accounts.parties.op.reference'), dataIndex: 'reference', render: (value: string | null) => <Typography.Text code>{value ?? t('accounts.none')}</Typography.Text> },
                    { title: t('accounts.parties.op.delta'), dataIndex: 'delta', align: 'right', render: (value: number) => <Typography.Text type={value < 0 ? 'danger' : 'success'}>{money(value, lang)}</Typography.Text> },
                    { title: t('accounts.parties.op.balanceAfter'), dataIndex: 'balanceAfter', align: 'right', render: (value: number) => money(value, lang) },
                    { title: t('accounts.parties.op.bonusDelta'), dataIndex: 'bonusDelta', align: 'right' },
                    { title: t('accounts.parties.op.bonusAfter'), dataIndex: 'bonusAfter', align: 'right' },
                  ]}
                />
                {next !== null && <Button style={{ marginTop: 8 }} onClick={() => loadOperations(next)}>{t('accounts.more')}</Button>}
              </>
            ),
          },
          {
            key: 'cards',
            label: `${t('accounts.parties.cards')} (${shownCards.length})`,
            children: <CardTable cards={shownCards} onChanged={(card, status) => setShownCards((rows) => rows.map((row) => (row.id === card ? { ...row, status } : row)))} />,
          },
          {
            key: 'pricing',
            label: t('accounts.parties.pricing'),
            children: pricing === undefined ? null : (
              <Space orientation="vertical" style={{ width: '100%' }}>
                <Typography.Text type="secondary">{t('accounts.parties.pc.period')}: {instant(Date.parse(pricing.from), lang)} — {instant(Date.parse(pricing.to), lang)}</Typography.Text>
                <Table
                  size="small"
                  rowKey={(row) => `${row.product}|${row.listPrice}|${row.price}|${row.discountRule}`}
                  dataSource={pricing.history}
                  pagination={false}
                  locale={{ emptyText: t('accounts.parties.noData') }}
                  columns={[
                    { title: t('accounts.parties.pc.product'), dataIndex: 'product' },
                    { title: t('accounts.parties.pc.listPrice'), dataIndex: 'listPrice', render: rub },
                    { title: t('accounts.parties.pc.price'), dataIndex: 'price', render: rub },
                    { title: t('accounts.parties.pc.rule'), dataIndex: 'discountRule', render: (value: string | null) => value ?? t('accounts.none') },
                    { title: t('accounts.parties.pc.count'), dataIndex: 'count', align: 'right' },
                    { title: t('accounts.parties.pc.quantity'), key: 'quantity', align: 'right', render: (_: unknown, row: HistoryRow) => lineQuantity(row.quantity, row.unit, lang) },
                    { title: t('accounts.parties.pc.amount'), dataIndex: 'amount', align: 'right', render: (value: number) => money(value, lang) },
                    { title: t('accounts.parties.pc.discount'), dataIndex: 'discount', align: 'right', render: (value: number) => money(value, lang) },
                  ]}
                />
                <Typography.Text strong>{t('accounts.parties.pc.discounts')}</Typography.Text>
                <Space wrap>
                  {pricing.discounts.length === 0 && <Typography.Text type="secondary">{t('accounts.none')}</Typography.Text>}
                  {pricing.discounts.map((rule) => (
                    <Tag key={rule.id} color={rule.targeted ? 'blue' : 'default'}>
                      {rule.name}{rule.percent !== null ? ` −${rule.percent / 100}%` : ''}{rule.perUnit !== null ? ` −${money(rule.perUnit, lang)}` : ''}{rule.targeted ? ` (${t('accounts.parties.pc.targeted')})` : ''}
                    </Tag>
                  ))}
                </Space>
                {pricing.bonus !== null && <Typography.Text>{t('accounts.parties.pc.program')}: {t('accounts.parties.pc.rate')} {pricing.bonus.rate ?? t('accounts.none')}</Typography.Text>}
              </Space>
            ),
          },
        ]}
      />
    </Space>
  );
}
