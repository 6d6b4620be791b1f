// Reports (`/reports`): sales, payment methods, settlements per account, car-wash sessions and top-ups
// for a period (days are the network's calendar days), grouped as the viewer picks; a chart of the
// main measure, the table with its totals, and the same report as Excel or CSV (the export routes take
// the same query, so the file holds exactly the rows on screen). Reads GET /api/v1/reports/<name>.

import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, DatePicker, Select, Space, Table, Tabs, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { periodOfDays, todayIn } from '../periods';
import { useTranslation } from 'react-i18next';
import { init, use } from 'echarts/core';
import type { EChartsType } from 'echarts/core';
import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api, exportUrl } from '../http';
import { problemText } from '../problems';
import { money, quantity } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';

use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export const reportNames = ['sales', 'payment-methods', 'settlements', 'wash-sessions', 'topups'] as const;
export type ReportName = (typeof reportNames)[number];

/** The groups each report offers (the API's closed sets, engine/read-model/queries/reports.ts). */
const groupsOf: Record<ReportName, readonly string[]> = {
  sales: ['site', 'product', 'day'],
  'payment-methods': ['site', 'day'],
  settlements: [],
  'wash-sessions': ['site', 'tariff', 'day'],
  topups: ['method', 'site', 'day'],
};
const defaultGroup: Record<ReportName, string[]> = { sales: ['product'], 'payment-methods': [], settlements: [], 'wash-sessions': ['tariff'], topups: ['method'] };

type Measure = 'count' | 'money' | 'quantity';
/** Each report's measures, in column order, and how each is shown. */
const measuresOf: Record<ReportName, readonly (readonly [string, Measure])[]> = {
  sales: [['count', 'count'], ['returns', 'count'], ['quantity', 'quantity'], ['amount', 'money'], ['discount', 'money']],
  'payment-methods': [['count', 'count'], ['returns', 'count'], ['amount', 'money']],
  settlements: [['creditLimit', 'money'], ['opening', 'money'], ['debits', 'money'], ['returns', 'money'], ['topups', 'money'], ['otherCredits', 'money'], ['credits', 'money'], ['closing', 'money']],
  'wash-sessions': [['count', 'count'], ['charged', 'count'], ['minutes', 'count'], ['revenue', 'money']],
  topups: [['count', 'count'], ['amount', 'money']],
};
/** The measure the chart draws. */
const chartMeasure: Record<ReportName, string> = { sales: 'amount', 'payment-methods': 'amount', settlements: 'debits', 'wash-sessions': 'revenue', topups: 'amount' };

type Row = Record<string, unknown> & { owner?: { kind: string; id: string }; name?: string };
interface Report {
  rows: Row[];
  totals: Record<string, number>;
  group?: string[];
  timezone: string;
}

/** A group's value as text (sites, products, days and methods are strings; absent ones a dash). */
function cellText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '—';
}

function ReportChart({ option }: { option: Parameters<EChartsType['setOption']>[0] }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);
  useEffect(() => {
    if (element.current === null) return;
    const instance = init(element.current);
    chart.current = instance;
    const resize = (): void => instance.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      instance.dispose();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  return <div ref={element} style={{ width: '100%', height: 280 }} data-testid="report-chart" />;
}

export function Reports(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const language = i18n.language;
  const [name, setName] = useState<ReportName>('sales');
  // Calendar days picked, both included; the query's instants are their midnights in the network's zone.
  const [days, setDays] = useState<[Dayjs, Dayjs]>(() => [todayIn(me.zone).subtract(6, 'day'), todayIn(me.zone)]);
  const [group, setGroup] = useState<string[]>(defaultGroup.sales);
  const [report, setReport] = useState<Report | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [generation, setGeneration] = useState(0);

  const query = useMemo(() => ({ ...periodOfDays(days, me.zone), ...(groupsOf[name].length > 0 ? { group: group.join(',') } : {}) }), [days, me.zone, group, name]);

  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(undefined);
    api.get<Report>(`/reports/${name}`, query).then(
      (answer) => {
        if (current) setReport(answer);
      },
      (problem: unknown) => {
        if (current) {
          setReport(undefined);
          setError(problemText(t, problem));
        }
      },
    ).finally(() => {
      if (current) setLoading(false);
    });
    return () => {
      current = false;
    };
  }, [name, query, t, generation]);

  const show = (value: unknown, measure: Measure): string => {
    const number = typeof value === 'number' ? value : 0;
    if (measure === 'money') return money(number, language);
    if (measure === 'quantity') return quantity(number, undefined, language);
    return new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-GB').format(number);
  };
  const keyOf = (row: Row): string => (name === 'settlements' ? String(row['account']) : (report?.group ?? []).map((key) => cellText(row[key])).join(' · ') || t('reports.all'));

  const columns: TableColumnsType<Row> = [
    ...(name === 'settlements'
      ? [
          { title: t('reports.columns.name'), key: 'name', render: (_: unknown, row: Row) => <span>{String(row.name ?? row['account'])}</span> },
          { title: t('reports.columns.owner'), key: 'owner', render: (_: unknown, row: Row) => (row.owner !== undefined ? t(`reports.owners.${row.owner.kind}`) : '') },
        ]
      : (report?.group ?? []).length === 0
        ? [{ title: '', key: 'label', render: () => t('reports.all') }]
        : (report?.group ?? []).map((key) => ({ title: t(`reports.groups.${key}`), key, dataIndex: key, render: (value: unknown) => cellText(value) }))),
    ...measuresOf[name].map(([key, measure]) => ({ title: t(`reports.measures.${name}.${key}`), key, dataIndex: key, align: 'right' as const, render: (value: unknown) => show(value, measure) })),
  ];

  const option = useMemo(() => {
    const rows = report?.rows ?? [];
    const measure = chartMeasure[name];
    const labels = rows.map(keyOf);
    const values = rows.map((row) => Number(row[measure] ?? 0) / 100);
    const title = t(`reports.measures.${name}.${measure}`);
    if (name === 'payment-methods' || (report?.group ?? []).length === 0 || labels.length <= 1)
      return { tooltip: { trigger: 'item' as const }, legend: { bottom: 0 }, series: [{ type: 'pie' as const, name: title, radius: ['35%', '65%'], data: labels.map((label, index) => ({ name: label, value: values[index] ?? 0 })) }] };
    return { tooltip: { trigger: 'axis' as const }, grid: { left: 60, right: 16, top: 16, bottom: 60 }, xAxis: { type: 'category' as const, data: labels, axisLabel: { rotate: labels.length > 6 ? 30 : 0 } }, yAxis: { type: 'value' as const }, series: [{ type: 'bar' as const, name: title, data: values }] };
  }, [report, name, t]);

  const canExport = me.may('reports.export');
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('reports.title')}
      </Typography.Title>
      <Tabs
        activeKey={name}
        onChange={(key) => {
          const next = key as ReportName;
          setName(next);
          setGroup(defaultGroup[next]);
        }}
        items={reportNames.map((key) => ({ key, label: <span data-testid={`report-tab-${key}`}>{t(`reports.names.${key}`)}</span> }))}
      />
      <Space wrap>
        <DatePicker.RangePicker
          value={days}
          allowClear={false}
          onChange={(range) => {
            const [from, to] = range ?? [];
            if (from && to) setDays([from, to]);
          }}
          disabledDate={(day) => day.isAfter(todayIn(me.zone).add(1, 'day'))}
          data-testid="report-period"
        />
        {groupsOf[name].length > 0 && (
          <Select
            mode="multiple"
            style={{ minWidth: 260 }}
            value={group}
            onChange={setGroup}
            placeholder={t('reports.groupBy')}
            options={groupsOf[name].map((key) => ({ value: key, label: t(`reports.groups.${key}`) }))}
            data-testid="report-group"
          />
        )}
        <Button onClick={() => setGeneration((value) => value + 1)} data-testid="report-refresh">
          {t('reports.refresh')}
        </Button>
        {canExport && (
          <>
            <Button icon={<DownloadOutlined />} href={exportUrl(`/exports/reports/${name}.xlsx`, query)} data-testid="report-export-xlsx">
              Excel
            </Button>
            <Button icon={<DownloadOutlined />} href={exportUrl(`/exports/reports/${name}.csv`, query)} data-testid="report-export-csv">
              CSV
            </Button>
          </>
        )}
      </Space>
      {error !== undefined && <Alert type="error" showIcon title={error} />}
      {report !== undefined && report.rows.length > 0 && (
        <Card size="small">
          <ReportChart option={option} />
        </Card>
      )}
      <Table<Row>
        size="small"
        loading={loading}
        rowKey={(row) => keyOf(row)}
        columns={columns}
        dataSource={report?.rows ?? []}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        data-testid="report-table"
        locale={{ emptyText: t('reports.empty') }}
        summary={() =>
          report === undefined || report.rows.length === 0 ? null : (
            <Table.Summary.Row data-testid="report-totals">
              {columns.map((column, index) => {
                const key = String(column.key);
                const measure = measuresOf[name].find(([measureKey]) => measureKey === key)?.[1];
                return (
                  <Table.Summary.Cell key={key} index={index} align={measure !== undefined ? 'right' : 'left'}>
                    {index === 0 ? <strong>{t('reports.total')}</strong> : measure !== undefined ? <strong data-testid={`total-${key}`}>{show(report.totals[key], measure)}</strong> : null}
                  </Table.Summary.Cell>
                );
              })}
            </Table.Summary.Row>
          )
        }
      />
      {report !== undefined && <Typography.Text type="secondary">{t('reports.timezone', { zone: report.timezone })}</Typography.Text>}
    </Space>
  );
}
