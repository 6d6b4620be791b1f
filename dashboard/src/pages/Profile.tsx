// The signed-in person's own profile (`/profile`, every role): who they are, a new password (the
// current one is asked; other sessions end, this one stays), and the authenticator app as the second
// factor instead of e-mailed codes — enrol (the secret to type into the app, and the otpauth link),
// confirm with the app's first code, or remove it with the password.

import { useState } from 'react';
import { App, Alert, Button, Card, Descriptions, Form, Input, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { useMe, useSession } from '../session';
import type { ScreenProps } from '../screens';

export function Profile(_props: ScreenProps) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const { refresh } = useSession();
  const [passwordForm] = Form.useForm<{ currentPassword: string; newPassword: string; repeat: string }>();
  const [codeForm] = Form.useForm<{ code: string }>();
  const [removeForm] = Form.useForm<{ password: string }>();
  const [enrolment, setEnrolment] = useState<{ otpauthUri: string; secret: string } | undefined>();
  const [passwordError, setPasswordError] = useState<string | undefined>();
  const user = me.user;
  const authenticator = (user as { authenticator?: boolean } | undefined)?.authenticator === true;

  const changePassword = async (values: { currentPassword: string; newPassword: string }): Promise<void> => {
    setPasswordError(undefined);
    try {
      await api.post('/profile/password', { currentPassword: values.currentPassword, newPassword: values.newPassword });
      passwordForm.resetFields();
      void message.success(t('profile.passwordChanged'));
    } catch (error) {
      if (!showFieldIssues(passwordForm, error)) setPasswordError(problemText(t, error));
    }
  };
  const enrol = async (): Promise<void> => {
    try {
      setEnrolment(await api.post<{ otpauthUri: string; secret: string }>('/profile/authenticator'));
    } catch (error) {
      void message.error(problemText(t, error));
    }
  };
  const confirm = async (values: { code: string }): Promise<void> => {
    try {
      await api.post('/profile/authenticator/confirm', { code: values.code.trim() });
      setEnrolment(undefined);
      void message.success(t('profile.totpOn'));
      await refresh();
    } catch (error) {
      void message.error(problemText(t, error));
    }
  };
  const remove = async (values: { password: string }): Promise<void> => {
    try {
      await api.post('/profile/authenticator/remove', { password: values.password });
      removeForm.resetFields();
      void message.success(t('profile.totpOff'));
      await refresh();
    } catch (error) {
      void message.error(problemText(t, error));
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%', maxWidth: 720 }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('profile.title')}
      </Typography.Title>
      <Card size="small">
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('profile.name')}>{user?.name ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('profile.email')}>{user?.email ?? me.id}</Descriptions.Item>
          <Descriptions.Item label={t('profile.role')}>
            <Tag>{t(`roles.${me.role}`)}</Tag>
          </Descriptions.Item>
          <Descriptions.Item label={t('profile.reach')}>{me.owner !== undefined ? me.owner.id : me.sites === 'all' ? t('profile.wholeNetwork', { network: me.network }) : me.sites.join(', ')}</Descriptions.Item>
          <Descriptions.Item label={t('profile.factor')}>{authenticator ? t('profile.totp') : t('profile.emailCode')}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card size="small" title={t('profile.passwordTitle')}>
        {passwordError !== undefined && <Alert type="error" showIcon title={passwordError} style={{ marginBottom: 12 }} data-testid="password-error" />}
        <Form form={passwordForm} layout="vertical" onFinish={(values) => void changePassword(values)} requiredMark={false} style={{ maxWidth: 400 }}>
          <Form.Item name="currentPassword" label={t('profile.currentPassword')} rules={[{ required: true, message: t('validation.required') }]}>
            <Input.Password autoComplete="current-password" data-testid="current-password" />
          </Form.Item>
          <Form.Item name="newPassword" label={t('profile.newPassword')} extra={t('profile.passwordHint')} rules={[{ required: true, min: 10, max: 256, message: t('profile.passwordLength') }]}>
            <Input.Password autoComplete="new-password" data-testid="new-password" />
          </Form.Item>
          <Form.Item
            name="repeat"
            label={t('profile.repeatPassword')}
            dependencies={['newPassword']}
            rules={[{ required: true, message: t('validation.required') }, ({ getFieldValue }) => ({ validator: (_, value) => (value === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error(t('profile.passwordsDiffer')))) })]}
          >
            <Input.Password autoComplete="new-password" data-testid="repeat-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="change-password">
            {t('profile.changePassword')}
          </Button>
        </Form>
      </Card>
      {me.kind === 'user' && (
        <Card size="small" title={t('profile.totpTitle')}>
          {!authenticator && enrolment === undefined && (
            <Space orientation="vertical">
              <Typography.Text>{t('profile.totpExplain')}</Typography.Text>
              <Button onClick={() => void enrol()} data-testid="totp-enrol">
                {t('profile.totpEnrol')}
              </Button>
            </Space>
          )}
          {enrolment !== undefined && (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Typography.Text>{t('profile.totpSecret')}</Typography.Text>
              <Typography.Text code copyable data-testid="totp-secret">
                {enrolment.secret}
              </Typography.Text>
              <Typography.Link href={enrolment.otpauthUri}>{t('profile.totpLink')}</Typography.Link>
              <Form form={codeForm} layout="inline" onFinish={(values) => void confirm(values)}>
                <Form.Item name="code" rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t('signIn.codeInvalid') }]}>
                  <Input inputMode="numeric" maxLength={8} placeholder="123456" data-testid="totp-code" />
                </Form.Item>
                <Button type="primary" htmlType="submit">
                  {t('profile.totpConfirm')}
                </Button>
              </Form>
            </Space>
          )}
          {authenticator && (
            <Form form={removeForm} layout="inline" onFinish={(values) => void remove(values)}>
              <Form.Item name="password" rules={[{ required: true, message: t('validation.required') }]}>
                <Input.Password placeholder={t('profile.currentPassword')} autoComplete="current-password" />
              </Form.Item>
              <Button danger htmlType="submit">
                {t('profile.totpRemove')}
              </Button>
            </Form>
          )}
        </Card>
      )}
    </Space>
  );
}
