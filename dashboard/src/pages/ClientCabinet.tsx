// The client's own cabinet (`/cabinet`): a signed-in client user is bound to one wash/loyalty client or
// one fleet counterparty (`useMe().owner`) and sees only that record — its balance (credit limit, open
// holds, what is available, bonus points), its identifiers (plates, membership) or its cards (masked),
// the account's operations over a period with an export, and the prices it paid with the discounts
// that apply to it. Every call names the owner's own record; the server answers 404 for any other.

import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Col, DatePicker, Empty, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { periodOfDays } from '../periods';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText } from '../problems';
import { instant, money } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import type { CardRow } from '../components/CardTable';
import { limitsSummary } from '../components/CardTable';
import { Operations } from '../components/cabinet/Operations';
import { PricingConditions } from '../components/cabinet/PricingConditions';

interface Balance {
  account: string;
  name: string;
  balance: number;
  bonus: number;
  creditLimit: number;
  holds: number | null;
  available: number | null;
  changedAt: string | null;
}

/** GET /clients/:id or /counterparties/:id: the record with its cards (a client also has plates). */
interface OwnerRecord {
  id: string;
  name: string;
  segment?: string | null;
  member?: boolean;
  plates?: string[];
  cards: CardRow[];
}

type Owner = { kind: 'client' | 'counterparty'; id: string };

export function ClientCabinet(_props: ScreenProps) {
  const { t } = useTranslation();
  const me = useMe();
  if (me.owner === undefined) return <Alert type="warning" showIcon title={t('cabinet.unbound')} />;
  return <Cabinet owner={me.owner} />;
}

function Cabinet({ owner }: { owner: Owner }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const base = `/${owner.kind === 'client' ? 'clients' : 'counterparties'}/${encodeURIComponent(owner.id)}`;
  const [range, setRange] = useState<[Dayjs, Dayjs] | undefined>();
  const [refreshed, setRefreshed] = useState(0);
  const [balance, setBalance] = useState<Balance | undefined>();
  const [record, setRecord] = useState<OwnerRecord | undefined>();
  const [error, setError] = useState<string | undefined>();

  const period = useMemo(() => (range === undefined ? {} : periodOfDays(range, me.zone)), [range, me.zone]);

  useEffect(() => {
    let current = true;
    setError(undefined);
    Promise.all([api.get<Balance>(`${base}/balance`), api.get<OwnerRecord>(base)])
      .then(([answer, found]) => {
        if (!current) return;
        setBalance(answer);
        setRecord(found);
      })
      .catch((problem: unknown) => current && setError(problemText(t, problem)));
    return () => {
      current = false;
    };
  }, [base, refreshed, t]);

  const cardColumns: TableColumnsType<CardRow> = [
    { title: t('cabinet.cards.masked'), key: 'masked', render: (_, card) => <Typography.Text code>{card.masked}</Typography.Text> },
    { title: t('cabinet.cards.status'), key: 'status', render: (_, card) => <Tag color={card.status === 'active' ? 'green' : 'red'}>{t(`cabinet.cards.${card.status}`)}</Tag> },
    { title: t('cabinet.cards.expires'), key: 'expires', render: (_, card) => card.expires ?? t('cabinet.none') },
    { title: t('cabinet.cards.limits'), key: 'limits', render: (_, card) => limitsSummary(t, card.limits, i18n.language) },
  ];
  // Active cards first: those are the ones the client uses; blocked ones stay visible below them.
  const cards = record === undefined ? [] : [...record.cards].sort((a, b) => (a.status === b.status ? a.masked.localeCompare(b.masked) : a.status === 'active' ? -1 : 1));
  const activeCards = cards.filter((card) => card.status === 'active').length;

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap align="center" style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="cabinet-name">
          {record?.name ?? balance?.name ?? t('cabinet.title')}
        </Typography.Title>
        <Space wrap>
          <Typography.Text type="secondary">{t('cabinet.period')}</Typography.Text>
          <DatePicker.RangePicker value={range ?? null} onChange={(value) => setRange(value?.[0] && value[1] ? [value[0], value[1]] : undefined)} data-testid="cabinet-period" />
          <Button icon={<ReloadOutlined />} onClick={() => setRefreshed((count) => count + 1)} data-testid="cabinet-refresh">
            {t('cabinet.refresh')}
          </Button>
        </Space>
      </Space>
      {range === undefined && <Typography.Text type="secondary">{t('cabinet.periodHint')}</Typography.Text>}
      {error !== undefined && <Alert type="error" showIcon title={error} />}
      <Card title={t('cabinet.balance.title')} loading={balance === undefined && error === undefined} data-testid="cabinet-balance">
        {balance !== undefined && (
          <>
            <Row gutter={[24, 16]}>
              <Col span={5}>
                <Statistic title={t('cabinet.balance.balance')} value={money(balance.balance, i18n.language)} data-testid="balance-balance" />
              </Col>
              <Col span={5}>
                <Statistic title={t('cabinet.balance.creditLimit')} value={money(balance.creditLimit, i18n.language)} data-testid="balance-credit" />
              </Col>
              <Col span={5}>
                <Statistic title={t('cabinet.balance.holds')} value={balance.holds === null ? t('cabinet.none') : money(balance.holds, i18n.language)} data-testid="balance-holds" />
              </Col>
              <Col span={5}>
                <Statistic title={t('cabinet.balance.available')} value={balance.available === null ? t('cabinet.none') : money(balance.available, i18n.language)} data-testid="balance-available" />
              </Col>
              <Col span={4}>
                <Statistic title={t('cabinet.balance.bonus')} value={balance.bonus} data-testid="balance-bonus" />
              </Col>
            </Row>
            <Typography.Text type="secondary">{balance.changedAt === null ? t('cabinet.balance.never') : t('cabinet.balance.changedAt', { at: instant(Date.parse(balance.changedAt), i18n.language) })}</Typography.Text>
          </>
        )}
      </Card>
      {record !== undefined && owner.kind === 'client' && (
        <Card title={t('cabinet.identity.plates')} data-testid="cabinet-identifiers">
          <Space wrap>
            <Tag color={record.member === true ? 'gold' : 'default'}>{record.member === true ? t('cabinet.identity.member') : t('cabinet.identity.guest')}</Tag>
            {(record.plates ?? []).length === 0 ? (
              <Typography.Text type="secondary">{t('cabinet.identity.noPlates')}</Typography.Text>
            ) : (
              (record.plates ?? []).map((plate) => (
                <Tag key={plate} style={{ fontSize: 14, padding: '2px 8px' }} data-testid="cabinet-plate">
                  {plate}
                </Tag>
              ))
            )}
          </Space>
        </Card>
      )}
      {record !== undefined && (owner.kind === 'counterparty' || cards.length > 0) && (
        <Card title={t('cabinet.cards.title')} extra={<Typography.Text type="secondary">{t('cabinet.cards.activeCount', { count: activeCards, total: cards.length })}</Typography.Text>}>
          {cards.length === 0 ? <Empty description={t('cabinet.cards.empty')} /> : <Table<CardRow> rowKey="id" size="small" columns={cardColumns} dataSource={cards} pagination={false} data-testid="cabinet-cards" />}
        </Card>
      )}
      <Operations base={base} period={period} owner={owner} refreshed={refreshed} />
      <PricingConditions base={base} period={period} refreshed={refreshed} />
    </Space>
  );
}
