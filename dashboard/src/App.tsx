// The dashboard's shell: the sign-in page until someone is signed in; then a side menu of the screens
// the viewer's role may open (screens.tsx), grouped, with who is signed in, the language and sign-out
// in the header. Russian by default, English available; the choice stays in this browser. On a phone
// (the attendant's screen) the menu is a drawer behind a button.

import { Suspense, useState } from 'react';
import { App as AntApp, Button, ConfigProvider, Drawer, Grid, Layout, Menu, Select, Space, Spin, Tag, Typography } from 'antd';
import type { MenuProps } from 'antd';
import { LogoutOutlined, MenuOutlined } from '@ant-design/icons';
import ruRU from 'antd/locale/ru_RU';
import enGB from 'antd/locale/en_GB';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { Language } from './i18n';
import { changeLanguage } from './i18n';
import { SessionProvider, useMe, useSession } from './session';
import { homeOf, menuGroups, screensFor } from './screens';
import { SignIn } from './pages/SignIn';
import { AlertsBell } from './components/AlertsBell';

function Shell() {
  const { t, i18n } = useTranslation();
  const { signOut } = useSession();
  const me = useMe();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const wide = Grid.useBreakpoint()['md'] !== false;
  const available = screensFor(me.role);
  const items: MenuProps['items'] = menuGroups
    .map((group) => ({ group, entries: available.filter((screen) => screen.group === group) }))
    .filter(({ entries }) => entries.length > 0)
    .map(({ group, entries }) => ({
      type: 'group' as const,
      key: `group-${group}`,
      label: t(`menu.groups.${group}`),
      children: entries.map((screen) => ({ key: screen.path, label: <Link to={screen.path} data-testid={`menu-${screen.key}`}>{t(`menu.${screen.key}`)}</Link> })),
    }));
  const menu = <Menu mode="inline" selectedKeys={[location.pathname]} items={items} onClick={() => setMenuOpen(false)} />;
  const who = me.user?.name ?? me.user?.email ?? me.id;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      {wide && (
        <Layout.Sider theme="light" width={240} style={{ overflow: 'auto', height: '100vh', position: 'sticky', top: 0 }}>
          <div style={{ padding: 16 }}>
            <Typography.Title level={4} style={{ margin: 0 }}>
              {t('app.title')}
            </Typography.Title>
            <Typography.Text type="secondary">{me.network}</Typography.Text>
          </div>
          {menu}
        </Layout.Sider>
      )}
      <Drawer open={!wide && menuOpen} onClose={() => setMenuOpen(false)} placement="left" size={260} title={t('app.title')} styles={{ body: { padding: 0 } }}>
        {menu}
      </Drawer>
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: '0 16px', display: 'flex', alignItems: 'center', justifyContent: wide ? 'flex-end' : 'space-between', gap: 8 }}>
          {!wide && <Button icon={<MenuOutlined />} onClick={() => setMenuOpen(true)} aria-label={t('app.menu')} data-testid="menu" />}
          <Space>
            {me.role !== 'client' && me.may('dashboard.read') && <AlertsBell network={me.network} />}
            {wide && (
              <span data-testid="who">
                {who} <Tag>{t(`roles.${me.role}`)}</Tag>
              </span>
            )}
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
            <Button icon={<LogoutOutlined />} onClick={() => void signOut()} data-testid="sign-out" aria-label={t('app.signOut')}>
              {wide ? t('app.signOut') : null}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: wide ? 16 : 8 }}>
          <Suspense fallback={<Spin style={{ display: 'block', margin: 48 }} />}>
            <Routes>
              {available.map((screen) => (
                <Route key={screen.path} path={screen.path} element={<screen.component network={me.network} />} />
              ))}
              <Route path="/" element={<Navigate to={homeOf(me.role)} replace />} />
              <Route path="*" element={<Navigate to={homeOf(me.role)} replace />} />
            </Routes>
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

function Gate() {
  const { state } = useSession();
  if (state.status === 'loading') return <Spin style={{ display: 'block', margin: 96 }} />;
  if (state.status === 'signed-out') return <SignIn />;
  return <Shell />;
}

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enGB : ruRU}>
      <AntApp>
        <BrowserRouter>
          <SessionProvider>
            <Gate />
          </SessionProvider>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
