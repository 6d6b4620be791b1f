// Overview (`/overview`): today at a glance, live — fuel, shop, car wash, top-ups and declines since
// local midnight from the `kpis` stream; sales of today, this week and this month and the revenue of
// the last 30 days by day and by payment method from the reports (`/reports/sales`,
// `/reports/payment-methods`, reloaded every minute); how many sites and terminals were heard from
// lately (the `terminals` stream against `GET /terminals`); and the live feed below.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, Card, Col, Row, Statistic } from 'antd';
import dayjs from 'dayjs';
import type { Dayjs } from 'dayjs';
import { dayStartIn, mondayOf, todayIn } from '../periods';
import { useTranslation } from 'react-i18next';
import type { Figures, Frame } from '../stream';
import { useStream } from '../components/useStream';
import { StreamStatus } from '../components/StreamStatus';
import { Chart } from '../components/Chart';
import type { ChartOption } from '../components/Chart';
import { api } from '../http';
import { problemText } from '../problems';
import { useMe } from '../session';
import { money, quantity } from '../format';
import { Feed } from './Feed';

/** A terminal heard from within this window counts as online. */
const onlineWindowMs = 10 * 60_000;
/** How often the period figures and charts are read again. */
const reportsRefreshMs = 60_000;
const chartDays = 30;
const terminalPageRows = 1_000;

interface Totals {
  count: number;
  amount: number;
}
interface SalesReport {
  rows: { day?: string | null; amount: number }[];
  totals: Totals & { returns: number; quantity: number; discount: number };
}
interface MethodsReport {
  rows: { method?: string | null; amount: number }[];
}
interface Terminal {
  id: string;
  site: string;
  kind: string;
  status: string;
}
interface Periods {
  today: Totals;
  week: Totals;
  month: Totals;
  days: { day: string; amount: number }[];
  methods: { method: string; amount: number }[];
}

const periodKeys = ['today', 'week', 'month'] as const;

/** The period figures of the network's today, this week (from Monday) and this month, in its own time zone. */
async function loadPeriods(zone: string): Promise<Periods> {
  const today = todayIn(zone);
  const to = dayStartIn(today.add(1, 'day'), zone).toISOString();
  const sales = (from: Dayjs, group?: string) => api.get<SalesReport>('/reports/sales', { from: dayStartIn(from, zone).toISOString(), to, group });
  const first = today.subtract(chartDays - 1, 'day');
  const [todays, week, month, days, methods] = await Promise.all([
    sales(today),
    sales(mondayOf(today)),
    sales(today.startOf('month')),
    sales(first, 'day'),
    api.get<MethodsReport>('/reports/payment-methods', { from: dayStartIn(first, zone).toISOString(), to }),
  ]);
  const byDay = new Map(days.rows.map((row) => [row.day ?? '', row.amount]));
  return {
    today: todays.totals,
    week: week.totals,
    month: month.totals,
    days: Array.from({ length: chartDays }, (_, index) => {
      const day = first.add(index, 'day').format('YYYY-MM-DD');
      return { day, amount: byDay.get(day) ?? 0 };
    }),
    methods: methods.rows.filter((row) => row.amount !== 0).map((row) => ({ method: row.method ?? '', amount: row.amount })),
  };
}

async function loadTerminals(): Promise<Terminal[]> {
  const all: Terminal[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api.get<{ items: Terminal[]; next?: string }>('/terminals', { limit: terminalPageRows, after });
    all.push(...page.items);
    if (page.next === undefined) return all;
    after = page.next;
  }
}

export function Overview({ network }: { network: string }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const language = i18n.language;
  const reportsAllowed = me.may('reports.read');
  const [figures, setFigures] = useState<Figures | undefined>();
  const [seen, setSeen] = useState<ReadonlyMap<string, number>>(new Map());
  const [terminals, setTerminals] = useState<Terminal[] | undefined>();
  const [periods, setPeriods] = useState<Periods | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(() => Date.now());

  const onFrame = useCallback(
    (frame: Frame) => {
      if (frame.type === 'kpis' && frame.scope === network) setFigures(frame);
      if (frame.type === 'terminals')
        setSeen((previous) => {
          const next = new Map(previous);
          for (const terminal of frame.terminals) next.set(terminal.id, Math.max(terminal.lastSeenAt, next.get(terminal.id) ?? 0));
          return next;
        });
    },
    [network],
  );
  const state = useStream(network, ['kpis', 'terminals'], onFrame);

  useEffect(() => {
    let current = true;
    const read = (): void => {
      setNow(Date.now());
      if (reportsAllowed)
        loadPeriods(me.zone).then(
          (answer) => current && setPeriods(answer),
          (problem: unknown) => current && setError(problemText(t, problem)),
        );
    };
    read();
    const timer = setInterval(read, reportsRefreshMs);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [reportsAllowed, t, me.zone]);

  useEffect(() => {
    let current = true;
    loadTerminals().then(
      (answer) => current && setTerminals(answer),
      (problem: unknown) => current && setError(problemText(t, problem)),
    );
    return () => {
      current = false;
    };
  }, [t]);

  const cards = figures === undefined ? [] : [
    { key: 'fuel', title: t('kpi.fuel'), value: money(figures.fuel.amount, language), note: `${figures.fuel.count} ${t('kpi.operations')} · ${quantity(figures.fuel.volume, 'l', language)}` },
    { key: 'sales', title: t('kpi.sales'), value: money(figures.sales.amount, language), note: `${figures.sales.count} ${t('kpi.operations')}` },
    { key: 'wash', title: t('kpi.wash'), value: money(figures.wash.amount, language), note: `${figures.wash.sessions} ${t('kpi.sessions')} · ${figures.wash.minutes} ${t('kpi.minutes')}` },
    { key: 'topups', title: t('kpi.topups'), value: money(figures.topups.amount, language), note: `${figures.topups.count} ${t('kpi.operations')}` },
    { key: 'declines', title: t('kpi.declines'), value: String(figures.declines), note: '' },
  ];

  const online = useMemo(() => {
    if (terminals === undefined) return undefined;
    const active = terminals.filter((terminal) => terminal.status === 'active');
    const heard = active.filter((terminal) => now - (seen.get(terminal.id) ?? 0) <= onlineWindowMs);
    return { terminals: heard.length, terminalsAll: active.length, sites: new Set(heard.map((terminal) => terminal.site)).size, sitesAll: new Set(active.map((terminal) => terminal.site)).size };
  }, [terminals, seen, now]);

  const dayChart = useMemo<ChartOption | undefined>(
    () =>
      periods === undefined ? undefined : {
        tooltip: { trigger: 'axis', valueFormatter: (value) => money(Number(value) * 100, language) },
        grid: { left: 64, right: 16, top: 16, bottom: 32 },
        xAxis: { type: 'category', data: periods.days.map((entry) => dayjs(entry.day).format('DD.MM')) },
        yAxis: { type: 'value' },
        series: [{ type: 'bar', name: t('overview.revenue'), data: periods.days.map((entry) => entry.amount / 100), itemStyle: { color: '#1677ff' } }],
      },
    [periods, language, t],
  );
  const methodChart = useMemo<ChartOption | undefined>(
    () =>
      periods === undefined ? undefined : {
        tooltip: { trigger: 'item', valueFormatter: (value) => money(Number(value) * 100, language) },
        legend: { bottom: 0 },
        series: [{ type: 'pie', radius: ['40%', '70%'], top: 0, bottom: 32, data: periods.methods.map((entry) => ({ name: t(`transactions.methods.${entry.method}`, { defaultValue: entry.method }), value: entry.amount / 100 })) }],
      },
    [periods, language, t],
  );

  return (
    <div>
      <div style={{ marginBottom: 12 }}>
        <StreamStatus state={state} />
      </div>
      {error !== undefined && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Row gutter={[16, 16]}>
        {cards.map((card) => (
          <Col key={card.key} xs={24} sm={12} lg={8} xl={4}>
            <Card data-testid={`kpi-${card.key}`}>
              <Statistic title={card.title} value={card.value} />
              <div style={{ color: '#888' }}>{card.note}</div>
            </Card>
          </Col>
        ))}
        {online !== undefined && (
          <Col xs={24} sm={12} lg={8} xl={4}>
            <Card data-testid="online">
              <Statistic title={t('overview.terminalsOnline')} value={`${online.terminals} / ${online.terminalsAll}`} />
              <div style={{ color: '#888' }}>{t('overview.sitesOnline', { count: online.sites, all: online.sitesAll })}</div>
            </Card>
          </Col>
        )}
      </Row>
      {periods !== undefined && (
        <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
          {periodKeys.map((key) => (
            <Col key={key} xs={24} md={8}>
              <Card data-testid={`period-${key}`}>
                <Statistic title={t(`overview.periods.${key}`)} value={money(periods[key].amount, language)} />
                <div style={{ color: '#888' }}>{`${periods[key].count} ${t('overview.lines')}`}</div>
              </Card>
            </Col>
          ))}
          <Col xs={24} lg={16}>
            <Card title={t('overview.byDay', { days: chartDays })}>{dayChart !== undefined && <Chart option={dayChart} data-testid="chart-days" />}</Card>
          </Col>
          <Col xs={24} lg={8}>
            <Card title={t('overview.byMethod', { days: chartDays })}>{methodChart !== undefined && <Chart option={methodChart} data-testid="chart-methods" />}</Card>
          </Col>
        </Row>
      )}
      <div style={{ marginTop: 16 }}>
        <Feed network={network} />
      </div>
    </div>
  );
}
