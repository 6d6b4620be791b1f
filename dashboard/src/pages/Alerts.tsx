// Alerts (`/alerts`): what the engine's rules raised — unusual operations and thresholds crossed —
// newest first, live: the `alerts` stream carries every alert raised, acknowledged or resolved, and
// the list reads itself again (at most every half second) when one arrives. Filtered by status,
// severity and rule; a row opens the rule's meaning, the engine's message, the values it compared and
// the deliveries. With `alerts.manage` a person acknowledges an alert ("being handled") and resolves it
// with an optional note; both name the person and are answered once on disk, so every other open
// dashboard sees the change within a second. An operator sees the alerts of its own sites.

import { useCallback, useState } from 'react';
import { Alert, App, Button, Descriptions, Form, Input, Modal, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AlertRuleId, AlertSeverity, AlertStatus } from '../../../engine/alerts/alert-kinds';
import type { AlertAnswer } from '../../../gateways/http/api/routes/alerts';
import { alertRuleIds, alertSeverities } from '../../../engine/alerts/alert-kinds';
import { api } from '../http';
import { instant, money, quantity } from '../format';
import { problemText } from '../problems';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import { useAlertChanges } from '../components/useAlertChanges';
import { StreamStatus } from '../components/StreamStatus';
import { usePages } from '../components/usePages';

/** An alert as `GET /api/v1/alerts` answers it (the route's own type). */
export type AlertItem = AlertAnswer;

interface AlertPage {
  items: AlertItem[];
  unresolved: number;
  next?: number;
}

const severityColor: Record<AlertSeverity, string> = { info: 'blue', warning: 'orange', critical: 'red' };
const statusColor: Record<AlertStatus, string> = { open: 'red', acknowledged: 'gold', resolved: 'green' };
const pageSize = 100;
/** Trigger values in minor units of money (the other numbers are counts, minutes, percents, metres…). */
const moneyValues: ReadonlySet<string> = new Set(['balance', 'before', 'available', 'creditLimit', 'creditUsed', 'refunds', 'sales']);
const noteLengthMax = 1_000;
/** Alert frames come in bursts; the list is read again at most this often. */
const reloadDelayMs = 500;

type StatusFilter = 'unresolved' | 'resolved' | 'all';

/** Who or what an alert is about, as one line: the masked card, the account's owner, the terminal… */
export function subjectText(subject: AlertItem['subject']): string {
  switch (subject.kind) {
    case 'card':
      return subject.card ?? subject.id;
    case 'account':
      return subject.name ?? subject.account ?? subject.id;
    case 'terminal':
      return subject.terminal ?? subject.id;
    case 'cashier':
      return `${subject.cashier ?? subject.id}${subject.terminal !== undefined ? ` · ${subject.terminal}` : ''}`;
    case 'session':
      return [subject.plate, subject.client, subject.terminal].filter((part) => part !== undefined).join(' · ') || subject.id;
  }
}

export function Alerts({ network }: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const manage = me.may('alerts.manage');
  const [status, setStatus] = useState<StatusFilter>('unresolved');
  const [severity, setSeverity] = useState<AlertSeverity | undefined>();
  const [rule, setRule] = useState<AlertRuleId | undefined>();
  const [unresolved, setUnresolved] = useState<number | undefined>();
  const [refreshed, setRefreshed] = useState(0);
  const [resolving, setResolving] = useState<AlertItem | undefined>();
  const [busy, setBusy] = useState<number | undefined>();
  const [form] = Form.useForm<{ note?: string }>();

  const fetchPage = useCallback(
    (before: number | undefined) =>
      api.get<AlertPage>('/alerts', { status, severity, rule, before, limit: pageSize }).then((page) => {
        setUnresolved(page.unresolved);
        return { items: page.items, next: page.next };
      }),
    [status, severity, rule],
  );
  const { items, next, loading, error, more } = usePages(fetchPage, refreshed);

  const state = useAlertChanges(network, reloadDelayMs, () => setRefreshed((count) => count + 1));

  const act = async (alert: AlertItem, kind: 'acknowledge' | 'resolve', note?: string): Promise<boolean> => {
    setBusy(alert.number);
    try {
      await api.post<AlertItem>(`/alerts/${alert.number}/${kind}`, kind === 'resolve' && note !== undefined && note.trim() !== '' ? { note: note.trim() } : {});
      void message.success(t(`alerts.done.${kind === 'acknowledge' ? 'acknowledged' : 'resolved'}`, { number: alert.number }));
      return true;
    } catch (problem) {
      void message.error(problemText(t, problem));
      return false;
    } finally {
      // Done or refused (resolved elsewhere meanwhile): the list as it is now.
      setBusy(undefined);
      setRefreshed((count) => count + 1);
    }
  };

  const submitResolution = async (): Promise<void> => {
    if (resolving === undefined) return;
    const { note } = await form.validateFields();
    if (await act(resolving, 'resolve', note)) {
      setResolving(undefined);
      form.resetFields();
    }
  };

  const at = (text: string): string => instant(Date.parse(text), i18n.language);
  /** A value a rule compared, in the viewer's words: money in roubles, volume in litres, instants, reason codes. */
  const valueText = (name: string, value: number | string, values: AlertItem['trigger']['values']): string => {
    if (typeof value === 'string') return name === 'reasons' ? value.split(',').map((code) => t(`reasons.${code}`, { defaultValue: code })).join(', ') : value;
    // A card limit's cap and use are money or volume, as its `kind` says.
    const measuredLimit = (name === 'limit' || name === 'used') && values['period'] !== undefined;
    if (moneyValues.has(name) || (measuredLimit && values['kind'] === 'amount')) return money(value, i18n.language);
    if (name === 'volume' || (measuredLimit && values['kind'] === 'volume')) return quantity(value, 'l', i18n.language);
    if (name === 'startedAt' || name === 'lastAt') return instant(value, i18n.language);
    return new Intl.NumberFormat(i18n.language === 'ru' ? 'ru-RU' : 'en-GB').format(value);
  };
  const columns: TableColumnsType<AlertItem> = [
    { title: t('alerts.columns.number'), dataIndex: 'number', key: 'number', width: 64 },
    { title: t('alerts.columns.raisedAt'), key: 'raisedAt', width: 170, render: (_, alert) => at(alert.raisedAt) },
    { title: t('alerts.columns.severity'), key: 'severity', width: 110, render: (_, alert) => <Tag color={severityColor[alert.severity]}>{t(`alerts.severities.${alert.severity}`)}</Tag> },
    { title: t('alerts.columns.rule'), key: 'rule', render: (_, alert) => t(`alerts.rules.${alert.rule}`) },
    {
      title: t('alerts.columns.subject'),
      key: 'subject',
      render: (_, alert) => (
        <span>
          <Typography.Text type="secondary">{t(`alerts.subjects.${alert.subject.kind}`)}</Typography.Text> {subjectText(alert.subject)}
        </span>
      ),
    },
    { title: t('alerts.columns.site'), key: 'site', render: (_, alert) => alert.subject.site ?? '' },
    {
      title: t('alerts.columns.status'),
      key: 'status',
      render: (_, alert) => (
        <Space orientation="vertical" size={0}>
          <Tag color={statusColor[alert.status]} data-testid={`alert-status-${alert.number}`} data-status={alert.status}>
            {t(`alerts.statuses.${alert.status}`)}
          </Tag>
          {alert.resolved !== undefined ? (
            <Typography.Text type="secondary">{t('alerts.resolvedBy', { by: alert.resolved.by, at: at(alert.resolved.at) })}</Typography.Text>
          ) : alert.acknowledged !== undefined ? (
            <Typography.Text type="secondary">{t('alerts.acknowledgedBy', { by: alert.acknowledged.by, at: at(alert.acknowledged.at) })}</Typography.Text>
          ) : null}
        </Space>
      ),
    },
    ...(manage
      ? [
          {
            title: t('alerts.columns.actions'),
            key: 'actions',
            render: (_: unknown, alert: AlertItem) =>
              alert.status === 'resolved' ? null : (
                <Space>
                  {alert.status === 'open' && (
                    <Button size="small" loading={busy === alert.number} onClick={() => void act(alert, 'acknowledge')} data-testid={`acknowledge-${alert.number}`}>
                      {t('alerts.acknowledge')}
                    </Button>
                  )}
                  <Button size="small" type="primary" onClick={() => setResolving(alert)} data-testid={`resolve-${alert.number}`}>
                    {t('alerts.resolve')}
                  </Button>
                </Space>
              ),
          },
        ]
      : []),
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('alerts.title')}
        </Typography.Title>
        <Space>
          {unresolved !== undefined && (
            <Tag color={unresolved > 0 ? 'red' : 'green'} data-testid="alerts-unresolved" data-count={unresolved}>
              {t('alerts.unresolved', { count: unresolved })}
            </Tag>
          )}
          <StreamStatus state={state} />
        </Space>
      </Space>
      <Space wrap>
        <Segmented<StatusFilter>
          value={status}
          onChange={setStatus}
          options={[
            { value: 'unresolved', label: t('alerts.filters.unresolved') },
            { value: 'resolved', label: t('alerts.statuses.resolved') },
            { value: 'all', label: t('alerts.filters.all') },
          ]}
          data-testid="alerts-status"
        />
        <Select<AlertSeverity> allowClear placeholder={t('alerts.filters.severity')} style={{ width: 160 }} value={severity ?? null} onChange={(value?: AlertSeverity) => setSeverity(value)} options={alertSeverities.map((value) => ({ value, label: t(`alerts.severities.${value}`) }))} data-testid="alerts-severity" />
        <Select<AlertRuleId> allowClear placeholder={t('alerts.filters.rule')} style={{ width: 240 }} value={rule ?? null} onChange={(value?: AlertRuleId) => setRule(value)} options={alertRuleIds.map((value) => ({ value, label: t(`alerts.rules.${value}`) }))} data-testid="alerts-rule" />
      </Space>
      {error !== undefined && <Alert type="error" showIcon title={error} />}
      <Table<AlertItem>
        rowKey="number"
        size="small"
        loading={loading && items.length === 0}
        columns={columns}
        dataSource={items}
        pagination={false}
        locale={{ emptyText: t('alerts.empty') }}
        data-testid="alerts-table"
        rowClassName={(alert) => `alert-row alert-${alert.number}`}
        expandable={{
          expandedRowRender: (alert) => (
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t('alerts.columns.rule')}>{t(`alerts.ruleHints.${alert.rule}`)}</Descriptions.Item>
              <Descriptions.Item label={t('alerts.columns.details')}>
                <span data-testid={`alert-values-${alert.number}`}>
                  {Object.entries(alert.trigger.values)
                    .map(([name, value]) => `${t(`alerts.values.${name}`, { defaultValue: name })}: ${valueText(name, value, alert.trigger.values)}`)
                    .join(' · ')}
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('alerts.message')}>{alert.message}</Descriptions.Item>
              {alert.resolved?.note !== undefined && <Descriptions.Item label={t('alerts.statuses.resolved')}>{alert.resolved.note}</Descriptions.Item>}
              {alert.deliveries.length > 0 && (
                <Descriptions.Item label={t('alerts.deliveries')}>
                  {alert.deliveries.map((delivery) => `${delivery.channel}: ${t(`alerts.deliveryStatuses.${delivery.status}`)}${delivery.error !== undefined ? ` (${delivery.error})` : ''}`).join(' · ')}
                </Descriptions.Item>
              )}
            </Descriptions>
          ),
        }}
      />
      {next !== undefined && (
        <Button onClick={more} loading={loading}>
          {t('alerts.more')}
        </Button>
      )}
      <Modal
        open={resolving !== undefined}
        title={resolving !== undefined ? t('alerts.resolveTitle', { number: resolving.number }) : ''}
        okText={t('alerts.resolve')}
        onOk={() => void submitResolution()}
        confirmLoading={resolving !== undefined && busy === resolving.number}
        onCancel={() => {
          setResolving(undefined);
          form.resetFields();
        }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical">
          <Form.Item name="note" label={t('alerts.note')} rules={[{ max: noteLengthMax, message: t('alerts.noteTooLong') }]}>
            <Input.TextArea rows={3} maxLength={noteLengthMax + 1} data-testid="resolve-note" />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
