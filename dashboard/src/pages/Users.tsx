// Users and roles (`/users`): the network's people with their role, sites, second factor and status;
// adding a person (e-mail, name, role, sites for an operator or attendant, the bound record for a
// client, a first password they change later), changing role or sites, disabling and enabling,
// setting a new password. What each role may do is shown from the engine's own permission matrix.
// The server decides (owners only by owners, never the last owner); its refusals are shown in words.

import { useCallback, useEffect, useState } from 'react';
import { App, Button, Drawer, Form, Input, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { permissionMatrix } from '../../../engine/security/permissions';
import type { Action } from '../../../engine/security/permissions';
import { roles } from '../../../engine/security/principal';
import type { Role } from '../../../engine/security/principal';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { useMe } from '../session';
import type { User } from '../session';
import type { ScreenProps } from '../screens';
import { instant } from '../format';
import type { ReachValues } from '../components/ReachFields';
import { ReachFields, reachOf, sitesRoles, useReachLists } from '../components/ReachFields';

interface UserRow extends User {
  authenticator: boolean;
  createdAt: string;
}

interface Editing {
  user?: UserRow;
}

interface UserForm extends ReachValues {
  email: string;
  name?: string;
  password?: string;
}

export function Users(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const [users, setUsers] = useState<UserRow[]>([]);
  const [loading, setLoading] = useState(true);
  const [editing, setEditing] = useState<Editing | undefined>();
  const [passwordFor, setPasswordFor] = useState<UserRow | undefined>();
  const [form] = Form.useForm<UserForm>();
  const [passwordForm] = Form.useForm<{ password: string }>();
  const manage = me.may('users.manage');

  const load = useCallback(() => {
    setLoading(true);
    api.get<{ users: UserRow[] }>('/users').then(
      (answer) => setUsers(answer.users),
      (error: unknown) => void message.error(problemText(t, error)),
    ).finally(() => setLoading(false));
  }, [message, t]);
  useEffect(load, [load]);
  const lists = useReachLists(manage);

  const open = (user?: UserRow): void => {
    form.resetFields();
    if (user !== undefined) form.setFieldsValue({ email: user.email, ...(user.name !== undefined ? { name: user.name } : {}), role: user.role, sites: user.sites, ...(user.owner !== undefined ? { ownerKind: user.owner.kind, ownerId: user.owner.id } : {}) });
    else form.setFieldsValue({ role: 'operator' });
    setEditing(user !== undefined ? { user } : {});
  };

  const save = async (values: UserForm): Promise<void> => {
    const reach = reachOf(values);
    try {
      if (editing?.user === undefined) {
        await api.post('/users', { email: values.email.trim(), ...(values.name ? { name: values.name.trim() } : {}), role: values.role, password: values.password ?? '', ...reach });
        void message.success(t('users.created', { email: values.email.trim() }));
      } else {
        await api.patch(`/users/${encodeURIComponent(editing.user.id)}`, { email: values.email.trim(), ...(values.name ? { name: values.name.trim() } : {}), role: values.role, ...(sitesRoles.includes(values.role) ? { sites: values.sites ?? [] } : {}), ...(values.role === 'client' ? { owner: reach.owner ?? null } : {}) });
        void message.success(t('users.saved'));
      }
      setEditing(undefined);
      load();
    } catch (error) {
      if (!showFieldIssues(form, error)) void message.error(problemText(t, error));
    }
  };

  const setStatus = async (user: UserRow, status: 'active' | 'disabled'): Promise<void> => {
    try {
      await api.patch(`/users/${encodeURIComponent(user.id)}`, { status });
      void message.success(status === 'disabled' ? t('users.disabled') : t('users.enabled'));
      load();
    } catch (error) {
      void message.error(problemText(t, error));
    }
  };

  const resetPassword = async (values: { password: string }): Promise<void> => {
    if (passwordFor === undefined) return;
    try {
      await api.post(`/users/${encodeURIComponent(passwordFor.id)}/password-reset`, { password: values.password });
      void message.success(t('users.passwordSet'));
      setPasswordFor(undefined);
    } catch (error) {
      if (!showFieldIssues(passwordForm, error)) void message.error(problemText(t, error));
    }
  };

  const columns: TableColumnsType<UserRow> = [
    { title: t('users.columns.user'), key: 'user', render: (_, user) => <Space orientation="vertical" size={0}><span>{user.name ?? user.email}</span><Typography.Text type="secondary">{user.email}</Typography.Text></Space> },
    { title: t('users.columns.role'), key: 'role', render: (_, user) => <Tag {...(user.role === 'owner' ? { color: 'gold' } : {})}>{t(`roles.${user.role}`)}</Tag> },
    { title: t('users.columns.reach'), key: 'reach', render: (_, user) => (user.owner !== undefined ? `${t(`users.owner.${user.owner.kind}`)}: ${user.owner.id}` : user.sites.length > 0 ? user.sites.join(', ') : t('users.wholeNetwork')) },
    { title: t('users.columns.factor'), key: 'factor', render: (_, user) => (user.authenticator ? t('users.totp') : t('users.emailCode')) },
    { title: t('users.columns.status'), key: 'status', render: (_, user) => <Tag color={user.status === 'active' ? 'green' : 'red'}>{t(`users.status.${user.status}`)}</Tag> },
    { title: t('users.columns.created'), key: 'created', render: (_, user) => instant(Date.parse(user.createdAt), i18n.language) },
    ...(manage
      ? [
          {
            title: '',
            key: 'actions',
            render: (_: unknown, user: UserRow) =>
              user.id === me.id ? (
                <Typography.Text type="secondary">{t('users.you')}</Typography.Text>
              ) : (
                <Space wrap>
                  <Button size="small" onClick={() => open(user)} data-testid={`user-edit-${user.email}`}>
                    {t('users.edit')}
                  </Button>
                  <Button
                    size="small"
                    onClick={() => {
                      passwordForm.resetFields();
                      setPasswordFor(user);
                    }}
                  >
                    {t('users.resetPassword')}
                  </Button>
                  {user.status === 'active' ? (
                    <Popconfirm title={t('users.confirmDisable', { email: user.email })} onConfirm={() => void setStatus(user, 'disabled')} okText={t('users.disable')} cancelText={t('users.cancel')}>
                      <Button size="small" danger data-testid={`user-disable-${user.email}`}>
                        {t('users.disable')}
                      </Button>
                    </Popconfirm>
                  ) : (
                    <Button size="small" onClick={() => void setStatus(user, 'active')}>
                      {t('users.enable')}
                    </Button>
                  )}
                </Space>
              ),
          },
        ]
      : []),
  ];

  const actionsOf = (forRole: Role): Action[] => (Object.keys(permissionMatrix) as Action[]).filter((action) => (permissionMatrix[action].grants as Partial<Record<Role, string>>)[forRole] !== undefined);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('users.title')}
        </Typography.Title>
        {manage && (
          <Button type="primary" onClick={() => open()} data-testid="user-add">
            {t('users.add')}
          </Button>
        )}
      </Space>
      <Table<UserRow> rowKey="id" size="small" loading={loading} columns={columns} dataSource={users} pagination={{ pageSize: 50, hideOnSinglePage: true }} data-testid="users-table" />
      <Typography.Title level={4}>{t('users.rolesTitle')}</Typography.Title>
      <Table
        size="small"
        rowKey="role"
        pagination={false}
        dataSource={roles.map((entry) => ({ role: entry, actions: actionsOf(entry) }))}
        columns={[
          { title: t('users.columns.role'), key: 'role', width: 160, render: (_, row) => t(`roles.${row.role}`) },
          { title: t('users.columns.may'), key: 'may', render: (_, row) => <Space wrap size={[4, 4]}>{row.actions.map((action) => <Tag key={action} title={permissionMatrix[action].description}>{action}</Tag>)}</Space> },
        ]}
      />
      <Drawer open={editing !== undefined} onClose={() => setEditing(undefined)} title={editing?.user === undefined ? t('users.add') : t('users.edit')} size={460} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void save(values)} requiredMark={false}>
          <Form.Item name="email" label={t('users.fields.email')} rules={[{ required: true, type: 'email', message: t('users.errors.email') }]}>
            <Input data-testid="user-email" />
          </Form.Item>
          <Form.Item name="name" label={t('users.fields.name')} rules={[{ max: 200 }]}>
            <Input data-testid="user-name" />
          </Form.Item>
          <ReachFields form={form} lists={lists} testId="user" />
          {editing?.user === undefined && (
            <Form.Item name="password" label={t('users.fields.password')} extra={t('users.passwordHint')} rules={[{ required: true, min: 10, max: 256, message: t('users.errors.password') }]}>
              <Input.Password autoComplete="new-password" data-testid="user-password" />
            </Form.Item>
          )}
          <Button type="primary" htmlType="submit" block data-testid="user-save">
            {t('users.save')}
          </Button>
        </Form>
      </Drawer>
      <Drawer open={passwordFor !== undefined} onClose={() => setPasswordFor(undefined)} title={t('users.resetPasswordFor', { email: passwordFor?.email ?? '' })} size={420} destroyOnHidden>
        <Form form={passwordForm} layout="vertical" onFinish={(values) => void resetPassword(values)} requiredMark={false}>
          <Form.Item name="password" label={t('users.fields.password')} extra={t('users.resetHint')} rules={[{ required: true, min: 10, max: 256, message: t('users.errors.password') }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block>
            {t('users.resetPassword')}
          </Button>
        </Form>
      </Drawer>
    </Space>
  );
}
