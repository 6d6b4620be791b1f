// Cards as the API answers them (GET /api/v1/cards, and the cards of a counterparty or client): the
// masked number, status, owner, a one-line summary of limits and restrictions, and — when the viewer's
// role may — blocking and unblocking with a confirmation. Shared by the cards screen and the
// counterparty and client drawers, so a card reads the same everywhere.

import { App as AntApp, Button, Popconfirm, Space, Table, Tag } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText } from '../problems';
import { useMe } from '../session';
import { money, quantity } from '../format';

export const limitPeriods = ['transaction', 'day', 'week', 'month'] as const;
export type LimitPeriod = (typeof limitPeriods)[number];

export interface Limit {
  period: LimitPeriod;
  /** kopecks */
  amount?: number;
  /** millilitres */
  volume?: number;
  products?: string[];
}

export interface Restrictions {
  sites?: string[];
  products?: string[];
  hours?: string;
  weekdays?: number[];
}

export interface CardRow {
  id: string;
  masked: string;
  counterparty: string | null;
  client: string | null;
  status: 'active' | 'blocked';
  expires: string | null;
  limits: Limit[];
  restrictions: Restrictions;
}

/** "день: 200 л (fuel); месяц: 30 000,00 ₽". */
export function limitsSummary(t: TFunction, limits: readonly Limit[], language: string): string {
  if (limits.length === 0) return t('accounts.cards.noLimits');
  return limits
    .map((limit) => {
      const caps = [limit.amount !== undefined ? money(limit.amount, language) : undefined, limit.volume !== undefined ? quantity(limit.volume, 'l', language) : undefined].filter((cap) => cap !== undefined);
      return `${t(`accounts.limits.periodShort.${limit.period}`)}: ${caps.join(' / ')}${limit.products !== undefined ? ` (${limit.products.join(', ')})` : ''}`;
    })
    .join('; ');
}

export function restrictionsSummary(t: TFunction, restrictions: Restrictions): string {
  const parts: string[] = [];
  if (restrictions.sites !== undefined) parts.push(t('accounts.restrictions.summarySites', { list: restrictions.sites.join(', ') }));
  if (restrictions.products !== undefined) parts.push(t('accounts.restrictions.summaryProducts', { list: restrictions.products.join(', ') }));
  if (restrictions.hours !== undefined) parts.push(t('accounts.restrictions.summaryHours', { hours: restrictions.hours }));
  if (restrictions.weekdays !== undefined) {
    const days = t('accounts.restrictions.days', { returnObjects: true }) as string[];
    parts.push(restrictions.weekdays.map((day) => days[day - 1] ?? String(day)).join(', '));
  }
  return parts.length === 0 ? t('accounts.cards.noRestrictions') : parts.join('; ');
}

/** Block or unblock: the engine's answer is the card's new status (the read model follows within a second). */
export function BlockButton({ card, onChanged }: { card: CardRow; onChanged: (status: CardRow['status']) => void }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const me = useMe();
  const blocking = card.status === 'active';
  if (!me.may(blocking ? 'cards.block' : 'cards.write')) return null;
  const change = async (): Promise<void> => {
    try {
      const after = await api.post<{ status: CardRow['status'] }>(`/cards/${encodeURIComponent(card.id)}/${blocking ? 'block' : 'unblock'}`);
      onChanged(after.status);
      void message.success(t(blocking ? 'accounts.cards.blockedDone' : 'accounts.cards.unblockedDone', { masked: card.masked }));
    } catch (error) {
      void message.error(problemText(t, error));
    }
  };
  return (
    <Popconfirm
      title={t(blocking ? 'accounts.cards.blockConfirm' : 'accounts.cards.unblockConfirm', { masked: card.masked })}
      onConfirm={() => void change()}
      okText={t(blocking ? 'accounts.cards.block' : 'accounts.cards.unblock')}
      cancelText={t('accounts.cancel')}
      okButtonProps={{ danger: blocking, 'data-testid': 'confirm-status' }}
    >
      <Button size="small" danger={blocking} data-testid={blocking ? 'card-block' : 'card-unblock'}>
        {t(blocking ? 'accounts.cards.block' : 'accounts.cards.unblock')}
      </Button>
    </Popconfirm>
  );
}

export function StatusTag({ status }: { status: CardRow['status'] }) {
  const { t } = useTranslation();
  return <Tag color={status === 'active' ? 'green' : 'red'} data-testid="card-status">{t(`accounts.cards.${status}`)}</Tag>;
}

export function CardTable({ cards, loading, onChanged, onOpen }: { cards: CardRow[]; loading?: boolean; onChanged: (id: string, status: CardRow['status']) => void; onOpen?: (card: CardRow) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <Table<CardRow>
      rowKey="id"
      size="small"
      loading={loading === true}
      dataSource={cards}
      pagination={false}
      onRow={(card) => ({ 'data-testid': 'card-row', 'data-masked': card.masked, 'data-status': card.status }) as object}
      columns={[
        { title: t('accounts.cards.masked'), dataIndex: 'masked', render: (masked: string) => <span style={{ fontFamily: 'monospace' }}>{masked}</span> },
        { title: t('accounts.cards.status'), dataIndex: 'status', render: (status: CardRow['status']) => <StatusTag status={status} /> },
        { title: t('accounts.cards.owner'), key: 'owner', render: (_, card) => card.counterparty ?? (card.client !== null ? `${t('accounts.cards.client')} ${card.client}` : t('accounts.none')) },
        { title: t('accounts.cards.expires'), dataIndex: 'expires', render: (expires: string | null) => expires ?? t('accounts.none') },
        { title: t('accounts.cards.limits'), key: 'limits', render: (_, card) => <span data-testid="card-limits">{limitsSummary(t, card.limits, i18n.language)}</span> },
        { title: t('accounts.cards.restrictions'), key: 'restrictions', render: (_, card) => restrictionsSummary(t, card.restrictions) },
        {
          title: '',
          key: 'actions',
          render: (_, card) => (
            <Space>
              <BlockButton card={card} onChanged={(status) => onChanged(card.id, status)} />
              {onOpen !== undefined && <Button size="small" onClick={() => onOpen(card)} data-testid="card-open">{t('accounts.cards.open')}</Button>}
            </Space>
          ),
        },
      ]}
    />
  );
}
