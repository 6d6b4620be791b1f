// Today at a glance, live: fuel, shop, car wash, top-ups and declines of the network since local
// midnight, from the `kpis` stream (updated every second while something happens).

import { useCallback, useState } from 'react';
import { Card, Col, Row, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Figures, Frame } from '../stream';
import { useStream } from '../components/useStream';
import { StreamStatus } from '../components/StreamStatus';
import { money, quantity } from '../format';
import { Feed } from './Feed';

export function Overview({ network }: { network: string }) {
  const { t, i18n } = useTranslation();
  const [figures, setFigures] = useState<Figures | undefined>();
  const onFrame = useCallback(
    (frame: Frame) => {
      if (frame.type === 'kpis' && frame.scope === network) setFigures(frame);
    },
    [network],
  );
  const state = useStream(network, ['kpis'], onFrame);
  const language = i18n.language;
  const cards = figures === undefined ? [] : [
    { key: 'fuel', title: t('kpi.fuel'), value: money(figures.fuel.amount, language), note: `${figures.fuel.count} ${t('kpi.operations')} · ${quantity(figures.fuel.volume, 'l', language)}` },
    { key: 'sales', title: t('kpi.sales'), value: money(figures.sales.amount, language), note: `${figures.sales.count} ${t('kpi.operations')}` },
    { key: 'wash', title: t('kpi.wash'), value: money(figures.wash.amount, language), note: `${figures.wash.sessions} ${t('kpi.sessions')} · ${figures.wash.minutes} ${t('kpi.minutes')}` },
    { key: 'topups', title: t('kpi.topups'), value: money(figures.topups.amount, language), note: `${figures.topups.count} ${t('kpi.operations')}` },
    { key: 'declines', title: t('kpi.declines'), value: String(figures.declines), note: '' },
  ];
  return (
    <div>
      <div style={{ marginBottom: 12 }}>
        <StreamStatus state={state} />
      </div>
      <Row gutter={[16, 16]}>
        {cards.map((card) => (
          <Col key={card.key} xs={24} sm={12} lg={8} xl={4}>
            <Card data-testid={`kpi-${card.key}`}>
              <Statistic title={card.title} value={card.value} />
              <div style={{ color: '#888' }}>{card.note}</div>
            </Card>
          </Col>
        ))}
      </Row>
      <div style={{ marginTop: 16 }}>
        <Feed network={network} />
      </div>
    </div>
  );
}
