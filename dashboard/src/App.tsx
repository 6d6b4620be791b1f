// The dashboard's shell: a side menu of screens, the network and the language in the header, the
// screens in the middle. Russian by default, English available; the choice stays in this browser.

import { useState } from 'react';
import { App as AntApp, Button, ConfigProvider, Drawer, Grid, Input, Layout, Menu, Select, Space, Typography } from 'antd';
import { MenuOutlined } from '@ant-design/icons';
import ruRU from 'antd/locale/ru_RU';
import enGB from 'antd/locale/en_GB';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { Language } from './i18n';
import { changeLanguage } from './i18n';
import { Overview } from './pages/Overview';
import { Feed } from './pages/Feed';
import { Attendant } from './pages/Attendant';

function initialNetwork(): string {
  return new URLSearchParams(location.search).get('network') ?? localStorage.getItem('tessera.network') ?? 'sever';
}

function Shell() {
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const [network, setNetwork] = useState(initialNetwork);
  const [menuOpen, setMenuOpen] = useState(false);
  // On a phone (the attendant's screen) the menu is a drawer behind a button, not a side column.
  const wide = Grid.useBreakpoint()['md'] !== false;
  const items = [
    { key: '/', label: <Link to="/">{t('menu.dashboard')}</Link> },
    { key: '/feed', label: <Link to="/feed">{t('menu.feed')}</Link> },
    { key: '/attendant', label: <Link to="/attendant">{t('menu.attendant')}</Link> },
  ];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      {wide && (
        <Layout.Sider theme="light">
          <div style={{ padding: 16 }}>
            <Typography.Title level={4} style={{ margin: 0 }}>{t('app.title')}</Typography.Title>
          </div>
          <Menu mode="inline" selectedKeys={[location.pathname]} items={items} />
        </Layout.Sider>
      )}
      <Drawer open={!wide && menuOpen} onClose={() => setMenuOpen(false)} placement="left" size={260} title={t('app.title')} styles={{ body: { padding: 0 } }}>
        <Menu mode="inline" selectedKeys={[location.pathname]} items={items} onClick={() => setMenuOpen(false)} />
      </Drawer>
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: '0 16px', display: 'flex', alignItems: 'center', justifyContent: wide ? 'flex-end' : 'space-between', gap: 8 }}>
          {!wide && <Button icon={<MenuOutlined />} onClick={() => setMenuOpen(true)} aria-label={t('app.menu')} data-testid="menu" />}
          <Space>
            {wide && <span>{t('app.network')}:</span>}
            <Input
              defaultValue={network}
              onPressEnter={(event) => {
                const value = event.currentTarget.value.trim();
                localStorage.setItem('tessera.network', value);
                setNetwork(value);
              }}
              style={{ width: wide ? 140 : 100 }}
              aria-label={t('app.network')}
              data-testid="network"
            />
            <Select
              value={i18n.language as Language}
              onChange={(value: Language) => changeLanguage(value)}
              options={[
                { value: 'ru', label: 'Русский' },
                { value: 'en', label: 'English' },
              ]}
              style={{ width: wide ? 120 : 100 }}
              aria-label={t('app.language')}
              data-testid="language"
            />
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: wide ? 16 : 8 }}>
          <Routes>
            <Route path="/" element={<Overview network={network} />} />
            <Route path="/feed" element={<Feed network={network} />} />
            <Route path="/attendant" element={<Attendant network={network} />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enGB : ruRU}>
      <AntApp>
        <BrowserRouter>
          <Shell />
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
