// The operation card: one operation of the feed opened from the transactions list
// (`GET /api/v1/transactions/:id`) — a shop receipt with its lines, payments, returns and shift; a
// fuel transaction with its hold and returns; a car-wash charge with its session and comments; a
// top-up; a decline with its reason in words. Every value is text.

import { useEffect, useState } from 'react';
import { Alert, Descriptions, Drawer, Empty, Spin, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { OperationView } from '../../../engine/read-model/queries/feed';
import type { CardLine, CardPayment, CardReturn, OperationCard as Card } from '../../../engine/read-model/queries/operation-card';
import { api } from '../http';
import { problemText } from '../problems';
import { instant, money, quantity } from '../format';

/** A row of the feed as the API answers it (engine/read-model/queries/feed.ts). */
export type Operation = OperationView;

type Line = CardLine;
type Payment = CardPayment;
type Return = CardReturn;

function Lines({ lines }: { lines: Line[] }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  return (
    <Table<Line>
      size="small"
      rowKey="line"
      pagination={false}
      dataSource={lines}
      data-testid="receipt-lines"
      columns={[
        { title: t('transactions.card.product'), key: 'product', render: (_, line) => <span>{line.product}{line.discountRule !== null ? <Tag style={{ marginLeft: 6 }}>{line.discountRule}</Tag> : null}</span> },
        { title: t('transactions.card.qty'), key: 'qty', align: 'right', render: (_, line) => quantity(line.qty, undefined, language) },
        { title: t('transactions.card.price'), key: 'price', align: 'right', render: (_, line) => (line.price !== null ? money(line.price, language) : '—') },
        { title: t('transactions.card.discount'), key: 'discount', align: 'right', render: (_, line) => (line.discount !== 0 ? money(line.discount, language) : '') },
        { title: t('transactions.card.amount'), key: 'amount', align: 'right', render: (_, line) => money(line.amount, language) },
      ]}
    />
  );
}

function Payments({ payments }: { payments: Payment[] }) {
  const { t, i18n } = useTranslation();
  return (
    <Descriptions size="small" column={1} data-testid="receipt-payments">
      {payments.map((payment, index) => (
        <Descriptions.Item key={`${payment.method}-${index}`} label={t(`transactions.methods.${payment.method}`, { defaultValue: payment.method })}>
          {money(payment.amount, i18n.language)}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

function Returns({ returns }: { returns: Return[] }) {
  const { t, i18n } = useTranslation();
  if (returns.length === 0) return null;
  return (
    <>
      <Typography.Title level={5}>{t('transactions.card.returns')}</Typography.Title>
      {returns.map((entry) => (
        <div key={entry.refundId} style={{ marginBottom: 12 }}>
          <Typography.Text>
            {instant(Date.parse(entry.at), i18n.language)} · {entry.terminal} · {money(entry.amount, i18n.language)}
          </Typography.Text>
          {entry.lines.length > 0 && <Lines lines={entry.lines} />}
        </div>
      ))}
    </>
  );
}

export function OperationCard({ reference, onClose }: { reference: string | undefined; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const [card, setCard] = useState<Card | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setCard(undefined);
    setError(undefined);
    if (reference === undefined) return;
    let current = true;
    api.get<Card>(`/transactions/${encodeURIComponent(reference)}`).then(
      (answer) => current && setCard(answer),
      (problem: unknown) => current && setError(problemText(t, problem)),
    );
    return () => {
      current = false;
    };
  }, [reference, t]);

  const body = (): React.ReactNode => {
    if (error !== undefined) return <Alert type="error" showIcon title={error} />;
    if (card === undefined) return <Spin />;
    const { operation, details } = card;
    const head = (
      <Descriptions size="small" column={1} bordered style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('transactions.columns.at')}>{instant(Date.parse(operation.at), language)}</Descriptions.Item>
        <Descriptions.Item label={t('transactions.columns.site')}>{`${operation.site ?? '—'} · ${operation.terminal ?? '—'}`}</Descriptions.Item>
        {operation.card !== null && <Descriptions.Item label={t('transactions.columns.card')}>{operation.card}</Descriptions.Item>}
        {(operation.counterparty ?? operation.client) !== null && <Descriptions.Item label={t('transactions.columns.party')}>{operation.counterparty ?? operation.client}</Descriptions.Item>}
        <Descriptions.Item label={t('transactions.columns.reference')}>{operation.txId ?? operation.reference}</Descriptions.Item>
        {operation.result === 'approved' && <Descriptions.Item label={t('transactions.columns.amount')}>{money(operation.amount, language)}</Descriptions.Item>}
        {operation.bonus !== 0 && <Descriptions.Item label={t('transactions.card.bonus')}>{operation.bonus}</Descriptions.Item>}
      </Descriptions>
    );
    switch (details.kind) {
      case 'sale':
        return (
          <>
            {head}
            {details.shift !== null && <Typography.Paragraph type="secondary">{t('transactions.card.shift', { number: details.shift.number, cashier: details.shift.cashier ?? '—' })}</Typography.Paragraph>}
            <Lines lines={details.lines} />
            <Typography.Title level={5}>{t('transactions.card.payments')}</Typography.Title>
            <Payments payments={details.payments} />
            {details.messages.map((text) => (
              <Alert key={text} type="info" title={text} style={{ marginTop: 8 }} />
            ))}
            <Returns returns={details.returns} />
          </>
        );
      case 'fuel':
        return (
          <>
            {head}
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('transactions.card.product')}>{`${details.product} · ${quantity(details.volume, 'l', language)}`}</Descriptions.Item>
              <Descriptions.Item label={t('transactions.card.price')}>{`${money(details.price, language)}${details.listPrice !== details.price ? ` (${money(details.listPrice, language)})` : ''}`}</Descriptions.Item>
              {details.discount !== 0 && <Descriptions.Item label={t('transactions.card.discount')}>{`${money(details.discount, language)}${details.discountRule !== null ? ` · ${details.discountRule}` : ''}`}</Descriptions.Item>}
              {details.hold !== null && <Descriptions.Item label={t('transactions.card.hold')}>{`${money(details.hold.amount, language)} · ${details.hold.status}`}</Descriptions.Item>}
            </Descriptions>
            <Returns returns={details.returns} />
          </>
        );
      case 'refund':
        return (
          <>
            {head}
            <Typography.Paragraph>{t('transactions.card.returnOf', { tx: details.returned.txId })}</Typography.Paragraph>
            <Lines lines={details.refund.lines} />
            <Payments payments={details.refund.payments} />
          </>
        );
      case 'wash':
        return (
          <>
            {head}
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('transactions.card.session')}>{`№${details.number} · ${details.tariffName}`}</Descriptions.Item>
              <Descriptions.Item label={t('transactions.card.client')}>{`${details.clientName}${details.plate !== null ? ` · ${details.plate}` : ''}${details.member ? ` · ${t('transactions.card.member')}` : ''}`}</Descriptions.Item>
              <Descriptions.Item label={t('transactions.card.minutes')}>{details.minutes ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('transactions.card.rate')}>{money(details.rate, language)}</Descriptions.Item>
            </Descriptions>
            {details.comments.map((comment) => (
              <Typography.Paragraph key={comment.at} type="secondary">{`${instant(Date.parse(comment.at), language)}: ${comment.text}`}</Typography.Paragraph>
            ))}
          </>
        );
      case 'topup':
        return (
          <>
            {head}
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t('transactions.card.method')}>{t(`transactions.methods.${details.method}`, { defaultValue: details.method })}</Descriptions.Item>
              {details.balanceAfter !== null && <Descriptions.Item label={t('transactions.card.balanceAfter')}>{money(details.balanceAfter, language)}</Descriptions.Item>}
            </Descriptions>
          </>
        );
      case 'decline':
        return (
          <>
            {head}
            <Alert type="warning" showIcon title={t(`reasons.${details.reason}`, { defaultValue: details.reason })} description={`${details.operation}${details.product !== null ? ` · ${details.product}` : ''}`} data-testid="decline-reason" />
          </>
        );
      default:
        return <Empty />;
    }
  };

  return (
    <Drawer open={reference !== undefined} onClose={onClose} size={640} title={card !== undefined ? t(`transactions.kinds.${card.operation.kind}`) : t('transactions.card.title')} destroyOnHidden data-testid="operation-card">
      {body()}
    </Drawer>
  );
}
