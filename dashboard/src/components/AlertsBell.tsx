// The header's bell: how many alerts the viewer may see are not resolved yet, live (the `alerts`
// stream; the count is read again at most every second while alerts arrive), and a link to /alerts.

import { useCallback, useEffect, useRef, useState } from 'react';
import { Badge, Button } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import type { Frame } from '../stream';
import { useStream } from './useStream';

const reloadDelayMs = 1_000;

export function AlertsBell({ network }: { network: string }) {
  const { t } = useTranslation();
  const [count, setCount] = useState<number | undefined>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const load = useCallback(() => {
    api
      .get<{ unresolved: number }>('/alerts', { limit: 1 })
      .then((page) => setCount(page.unresolved))
      .catch(() => setCount(undefined));
  }, []);
  useEffect(() => {
    load();
    return () => clearTimeout(timer.current);
  }, [load]);
  const onFrame = useCallback(
    (frame: Frame) => {
      // An alert's event, or a reset (too far behind to replay): read the list again.
      if ((frame.type !== 'alerts' && frame.type !== 'reset') || timer.current !== undefined) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        load();
      }, reloadDelayMs);
    },
    [load],
  );
  useStream(network, ['alerts'], onFrame);
  const label = t('alerts.bell', { count: count ?? 0 });
  return (
    <Link to="/alerts" aria-label={label} title={label} data-testid="alerts-bell" data-count={count ?? ''}>
      <Badge count={count ?? 0} size="small" overflowCount={999}>
        <Button type="text" icon={<BellOutlined />} />
      </Badge>
    </Link>
  );
}
