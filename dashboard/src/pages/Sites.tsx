// Sites and terminals (`/sites`): the network's stations, shops and car washes with their opening
// hours and location, and under each its terminals — pumps, tills, wash bays and kiosks — with their
// state and when each was last heard from (live, from the `terminals` stream: a terminal shows once it
// has sent something since the page opened). A person with `network.configure` blocks or unblocks a
// terminal (a blocked one is declined TERMINAL_BLOCKED); the engine decides, the list follows.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, App, Badge, Button, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText } from '../problems';
import { instant } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import type { Frame } from '../stream';
import { useStream } from '../components/useStream';
import { StreamStatus } from '../components/StreamStatus';

interface SiteRow {
  id: string;
  name: string;
  kind: string;
  lat: number | null;
  lon: number | null;
  openingHours: string | null;
}

interface TerminalRow {
  id: string;
  site: string;
  kind: string;
  status: string;
  requiresShift: boolean;
}

/** A terminal counts as online when it was heard from this recently. */
const onlineWithinMs = 10 * 60_000;

export function Sites({ network }: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const language = i18n.language;
  const [sites, setSites] = useState<SiteRow[]>([]);
  const [terminals, setTerminals] = useState<TerminalRow[]>([]);
  const [seen, setSeen] = useState<Map<string, number>>(new Map());
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const configure = me.may('network.configure');

  const load = useCallback(async () => {
    try {
      const [siteList, terminalList] = await Promise.all([api.get<{ items: SiteRow[] }>('/sites', { limit: 1000 }), api.get<{ items: TerminalRow[] }>('/terminals', { limit: 1000 })]);
      setSites(siteList.items);
      setTerminals(terminalList.items);
    } catch (problem) {
      setError(problemText(t, problem));
    } finally {
      setLoading(false);
    }
  }, [t]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const onFrame = useCallback((frame: Frame) => {
    if (frame.type !== 'terminals') return;
    setSeen((previous) => {
      const next = new Map(previous);
      for (const terminal of frame.terminals) next.set(terminal.id, Math.max(terminal.lastSeenAt, next.get(terminal.id) ?? 0));
      return next;
    });
  }, []);
  const state = useStream(network, ['terminals'], onFrame);

  const setStatus = async (terminal: TerminalRow, status: 'active' | 'blocked'): Promise<void> => {
    try {
      await api.patch(`/terminals/${encodeURIComponent(terminal.id)}`, { status });
      void message.success(status === 'blocked' ? t('sites.blocked', { id: terminal.id }) : t('sites.unblocked', { id: terminal.id }));
      setTerminals((previous) => previous.map((entry) => (entry.id === terminal.id ? { ...entry, status } : entry)));
    } catch (problem) {
      void message.error(problemText(t, problem));
    }
  };

  const bySite = useMemo(() => {
    const groups = new Map<string, TerminalRow[]>();
    for (const terminal of terminals) groups.set(terminal.site, [...(groups.get(terminal.site) ?? []), terminal]);
    return groups;
  }, [terminals]);
  const online = (id: string): boolean => now - (seen.get(id) ?? 0) < onlineWithinMs;
  const onlineCount = terminals.filter((terminal) => online(terminal.id)).length;

  const terminalColumns: TableColumnsType<TerminalRow> = [
    { title: t('sites.columns.terminal'), key: 'id', render: (_, terminal) => <span data-testid={`terminal-${terminal.id}`}>{terminal.id}</span> },
    { title: t('sites.columns.kind'), key: 'kind', render: (_, terminal) => t(`sites.terminalKinds.${terminal.kind}`, { defaultValue: terminal.kind }) },
    { title: t('sites.columns.status'), key: 'status', render: (_, terminal) => <Tag color={terminal.status === 'blocked' ? 'red' : 'green'}>{t(`sites.statuses.${terminal.status}`, { defaultValue: terminal.status })}</Tag> },
    { title: t('sites.columns.shift'), key: 'shift', render: (_, terminal) => (terminal.requiresShift ? t('sites.shiftNeeded') : '') },
    {
      title: t('sites.columns.seen'),
      key: 'seen',
      render: (_, terminal) => {
        const at = seen.get(terminal.id);
        return at === undefined ? <Typography.Text type="secondary">{t('sites.notHeard')}</Typography.Text> : <Badge status={online(terminal.id) ? 'success' : 'default'} text={instant(at, language)} />;
      },
    },
    ...(configure
      ? [
          {
            title: '',
            key: 'actions',
            render: (_: unknown, terminal: TerminalRow) =>
              terminal.status === 'blocked' ? (
                <Button size="small" onClick={() => void setStatus(terminal, 'active')} data-testid={`unblock-${terminal.id}`}>
                  {t('sites.unblock')}
                </Button>
              ) : (
                <Popconfirm title={t('sites.confirmBlock', { id: terminal.id })} onConfirm={() => void setStatus(terminal, 'blocked')} okText={t('sites.block')} cancelText={t('sites.cancel')}>
                  <Button size="small" danger data-testid={`block-${terminal.id}`}>
                    {t('sites.block')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]
      : []),
  ];

  const columns: TableColumnsType<SiteRow> = [
    { title: t('sites.columns.site'), key: 'site', render: (_, site) => <Space orientation="vertical" size={0}><strong>{site.id}</strong><span>{site.name}</span></Space> },
    { title: t('sites.columns.kind'), key: 'kind', render: (_, site) => t(`sites.siteKinds.${site.kind}`, { defaultValue: site.kind }) },
    { title: t('sites.columns.hours'), key: 'hours', render: (_, site) => site.openingHours ?? t('sites.always') },
    { title: t('sites.columns.location'), key: 'location', render: (_, site) => (site.lat !== null && site.lon !== null ? `${(site.lat / 1e6).toFixed(4)}, ${(site.lon / 1e6).toFixed(4)}` : '—') },
    { title: t('sites.columns.terminals'), key: 'terminals', render: (_, site) => { const list = bySite.get(site.id) ?? []; return `${list.filter((terminal) => online(terminal.id)).length} / ${list.length}`; } },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('sites.title')}
        </Typography.Title>
        <Space>
          <span data-testid="terminals-online">{t('sites.online', { online: onlineCount, total: terminals.length })}</span>
          <StreamStatus state={state} />
        </Space>
      </Space>
      {error !== undefined && <Alert type="error" showIcon title={error} />}
      <Table<SiteRow>
        rowKey="id"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={sites}
        pagination={false}
        data-testid="sites-table"
        expandable={{ defaultExpandAllRows: false, expandedRowRender: (site) => <Table<TerminalRow> rowKey="id" size="small" pagination={false} columns={terminalColumns} dataSource={bySite.get(site.id) ?? []} /> }}
      />
    </Space>
  );
}
