// The live feed: every decision the engine commits, newest first, in a virtualised list that stays
// smooth at a thousand operations a second (frames are gathered and rendered at most four times a
// second; only the visible rows exist in the page; the list keeps the newest `feedRowsMax`). A row
// that names an operation opens its card (components/OperationCard.tsx) by the read model's reference.
// bench/browser.ts measures the claim in real Chromium through `window.__tesseraFeedProbe` (below).

import { useCallback, useEffect, useRef, useState } from 'react';
import { Button, Card, Empty, Space, Tag, Typography } from 'antd';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useTranslation } from 'react-i18next';
import type { FeedItem, Frame } from '../stream';
import { useStream } from '../components/useStream';
import { StreamStatus } from '../components/StreamStatus';
import { OperationCard } from '../components/OperationCard';
import { instant, money, quantity } from '../format';

const feedRowsMax = 5_000;
const renderEveryMs = 250;
const rowHeight = 44;

declare global {
  interface Window {
    /**
     * A measuring hook for the bench (bench/browser.ts), defined by the bench's page before the
     * dashboard's scripts run; nobody defines it in normal use. When it is there, every batch the list
     * takes in is handed to it once React has committed the list that shows it (oldest item first).
     */
    __tesseraFeedProbe?: (items: readonly FeedItem[]) => void;
  }
}

const colorOf: Record<string, string> = { authorized: 'blue', completed: 'green', sale: 'green', declined: 'red', refunded: 'orange', reversed: 'default', expired: 'default', topup: 'cyan', 'session.started': 'purple', 'session.stopped': 'purple', alert: 'volcano' };

/** The read model's reference of the operation a feed item is part of (engine/read-model/projections.ts), if any. */
function referenceOf(item: FeedItem): string | undefined {
  const text = (field: string): string | undefined => (typeof item[field] === 'string' ? item[field] : undefined);
  switch (item.type) {
    case 'refunded':
      return text('refundId');
    case 'topup':
      return `topup:${item.position}`;
    case 'declined':
      return text('id');
    case 'session.started':
    case 'session.stopped':
      return text('sessionId');
    default:
      return text('txId');
  }
}

export function Feed({ network }: { network: string }) {
  const { t, i18n } = useTranslation();
  const [rows, setRows] = useState<FeedItem[]>([]);
  const [paused, setPaused] = useState(false);
  const [opened, setOpened] = useState<string | undefined>();
  const incoming = useRef<FeedItem[]>([]);
  const probed = useRef<FeedItem[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  const onFrame = useCallback((frame: Frame) => {
    if (frame.type === 'feed') incoming.current.push(...frame.items);
  }, []);
  const state = useStream(network, ['feed'], onFrame);

  useEffect(() => {
    const timer = setInterval(() => {
      if (pausedRef.current || incoming.current.length === 0) return;
      const taken = incoming.current.splice(0);
      if (window.__tesseraFeedProbe !== undefined) probed.current.push(...taken);
      const fresh = taken.reverse();
      setRows((previous) => [...fresh, ...previous].slice(0, feedRowsMax));
    }, renderEveryMs);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    const probe = window.__tesseraFeedProbe;
    if (probe !== undefined && probed.current.length > 0) probe(probed.current.splice(0));
  }, [rows]);

  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => parent.current, estimateSize: () => rowHeight, overscan: 10 });

  return (
    <Card
      title={t('feed.title')}
      extra={
        <Space>
          <StreamStatus state={state} />
          <Button onClick={() => setPaused(!paused)} data-testid="feed-pause">
            {paused ? t('feed.resume') : t('feed.pause')}
          </Button>
        </Space>
      }
    >
      {rows.length === 0 ? (
        <Empty description={t('feed.empty')} />
      ) : (
        <div ref={parent} style={{ height: 600, overflow: 'auto' }} data-testid="feed-list">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((virtual) => {
              const item = rows[virtual.index];
              if (item === undefined) return null;
              const reference = referenceOf(item);
              return (
                <div key={item.position} data-testid="feed-row" data-type={item.type} onClick={reference === undefined ? undefined : () => setOpened(reference)} style={{ cursor: reference === undefined ? 'default' : 'pointer', position: 'absolute', top: 0, left: 0, right: 0, height: rowHeight, transform: `translateY(${virtual.start}px)`, display: 'flex', alignItems: 'center', gap: 12, borderBottom: '1px solid #f0f0f0', padding: '0 8px' }}>
                  <Typography.Text type="secondary" style={{ width: 150 }}>{instant(item.at, i18n.language)}</Typography.Text>
                  <Tag color={colorOf[item.type] ?? 'default'} style={{ width: 150 }}>{t(`events.${item.type}`, { defaultValue: item.type })}</Tag>
                  <span style={{ width: 110 }}>{item.site ?? ''}</span>
                  <span style={{ width: 130 }}>{item.terminal ?? ''}</span>
                  <span style={{ width: 160, fontFamily: 'monospace' }}>{item.card ?? (typeof item['plate'] === 'string' ? item['plate'] : '')}</span>
                  <span style={{ width: 130, textAlign: 'right' }}>{typeof item.amount === 'number' ? money(item.amount, i18n.language) : ''}</span>
                  <span style={{ width: 90, textAlign: 'right' }}>{typeof item.volume === 'number' && item.volume > 0 ? quantity(item.volume, 'l', i18n.language) : ''}</span>
                  <Typography.Text type="secondary" ellipsis style={{ flex: 1 }}>{item.reason !== undefined ? t(`reasons.${item.reason}`, { defaultValue: item.reason }) : (item.product ?? '')}</Typography.Text>
                </div>
              );
            })}
          </div>
        </div>
      )}
      <OperationCard reference={opened} onClose={() => setOpened(undefined)} />
    </Card>
  );
}
