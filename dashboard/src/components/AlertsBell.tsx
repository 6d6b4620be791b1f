// The header's bell: how many alerts the viewer may see are not resolved yet, live (the `alerts`
// stream; the count is read again at most every second while alerts arrive), and a link to /alerts.

import { useCallback, useEffect, useState } from 'react';
import { Badge, Button } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { useAlertChanges } from './useAlertChanges';

const reloadDelayMs = 1_000;

export function AlertsBell({ network }: { network: string }) {
  const { t } = useTranslation();
  const [count, setCount] = useState<number | undefined>();
  const load = useCallback(() => {
    api
      .get<{ unresolved: number }>('/alerts', { limit: 1 })
      .then((page) => setCount(page.unresolved))
      .catch(() => setCount(undefined));
  }, []);
  useEffect(load, [load]);
  useAlertChanges(network, reloadDelayMs, load);
  const label = t('alerts.bell', { count: count ?? 0 });
  return (
    <Link to="/alerts" aria-label={label} title={label} data-testid="alerts-bell" data-count={count ?? ''}>
      <Badge count={count ?? 0} size="small" overflowCount={999}>
        <Button type="text" icon={<BellOutlined />} />
      </Badge>
    </Link>
  );
}
