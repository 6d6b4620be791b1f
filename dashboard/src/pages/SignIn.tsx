// Signing in, in two steps (docs/api.md "Sign-in"): network, e-mail and password, then the 6-digit code
// that was e-mailed (or the authenticator app's). The CSRF token the code step answers is kept for the
// session's writes; the session itself is an HttpOnly cookie the page never sees. Refusals are shown
// in words (wrong password and unknown e-mail read the same, as the server answers them the same).

import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, rememberCsrf } from '../http';
import { problemText } from '../problems';
import { changeLanguage } from '../i18n';
import type { Language } from '../i18n';
import { useSession } from '../session';

interface Attempt {
  attemptToken: string;
  secondFactor: 'email' | 'totp';
  email: string;
}

const defaultNetwork = (): string => new URLSearchParams(location.search).get('network') ?? localStorage.getItem('tessera.network') ?? 'sever';

export function SignIn() {
  const { t, i18n } = useTranslation();
  const { state, refresh } = useSession();
  const [attempt, setAttempt] = useState<Attempt | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const reason = state.status === 'signed-out' ? state.reason : undefined;

  const submitPassword = async (values: { network: string; email: string; password: string }): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const network = values.network.trim();
      const answer = await api.post<{ attemptToken: string; secondFactor: 'email' | 'totp' }>('/auth/sign-in', { network, email: values.email.trim(), password: values.password }, { anonymous: true });
      localStorage.setItem('tessera.network', network);
      setAttempt({ ...answer, email: values.email.trim() });
    } catch (problem) {
      setError(problemText(t, problem));
    } finally {
      setBusy(false);
    }
  };

  const submitCode = async (values: { code: string }): Promise<void> => {
    if (attempt === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.post<{ csrfToken: string }>('/auth/code', { attemptToken: attempt.attemptToken, code: values.code.trim() }, { anonymous: true });
      rememberCsrf(answer.csrfToken);
      await refresh();
    } catch (problem) {
      setError(problemText(t, problem));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f5f5f5', padding: 16 }}>
      <Card style={{ width: 380, maxWidth: '100%' }} data-testid="sign-in">
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {attempt === undefined ? t('signIn.title') : t('signIn.codeTitle')}
          </Typography.Title>
          <Select
            size="small"
            value={i18n.language as Language}
            onChange={(value: Language) => changeLanguage(value)}
            options={[
              { value: 'ru', label: 'RU' },
              { value: 'en', label: 'EN' },
            ]}
            aria-label={t('app.language')}
            data-testid="language"
          />
        </Space>
        {reason !== undefined && attempt === undefined && error === undefined && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={reason === 'ended' ? t('signIn.ended') : t('signIn.signedOut')} />}
        {error !== undefined && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={error} data-testid="sign-in-error" />}
        {attempt === undefined ? (
          <Form layout="vertical" onFinish={(values: { network: string; email: string; password: string }) => void submitPassword(values)} initialValues={{ network: defaultNetwork() }} requiredMark={false}>
            <Form.Item name="network" label={t('signIn.network')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
              <Input autoComplete="organization" data-testid="sign-in-network" />
            </Form.Item>
            <Form.Item name="email" label={t('signIn.email')} rules={[{ required: true, type: 'email', message: t('signIn.emailInvalid') }]}>
              <Input autoComplete="username" inputMode="email" data-testid="sign-in-email" />
            </Form.Item>
            <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, message: t('validation.required') }]}>
              <Input.Password autoComplete="current-password" data-testid="sign-in-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="sign-in-submit">
              {t('signIn.submit')}
            </Button>
          </Form>
        ) : (
          <Form layout="vertical" onFinish={(values: { code: string }) => void submitCode(values)} requiredMark={false}>
            <Typography.Paragraph>{attempt.secondFactor === 'email' ? t('signIn.codeEmail', { email: attempt.email }) : t('signIn.codeTotp')}</Typography.Paragraph>
            <Form.Item name="code" label={t('signIn.code')} rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t('signIn.codeInvalid') }]}>
              <Input autoComplete="one-time-code" inputMode="numeric" maxLength={8} autoFocus data-testid="sign-in-code" />
            </Form.Item>
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Button type="primary" htmlType="submit" block loading={busy} data-testid="sign-in-confirm">
                {t('signIn.confirm')}
              </Button>
              <Button
                type="link"
                block
                onClick={() => {
                  setAttempt(undefined);
                  setError(undefined);
                }}
              >
                {t('signIn.back')}
              </Button>
            </Space>
          </Form>
        )}
      </Card>
    </div>
  );
}
