// API keys (`/apikeys`, `apikeys.manage`): the network's keys for programs — purpose, role and reach,
// who issued them and when, revoked or not (GET /api/v1/apikeys; never a secret); issuing one with a
// role, its sites or bound record (POST; an owner key only by an owner), whose token is shown once,
// right after, to copy; and revoking one (DELETE), refused from the program's next request on.

import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Drawer, Form, Input, Modal, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../engine/security/principal';
import { actionKey, api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { instant } from '../format';
import type { ScreenProps } from '../screens';
import type { ReachValues } from '../components/ReachFields';
import { ReachFields, reachOf, useReachLists } from '../components/ReachFields';

interface ApiKey {
  id: string;
  role: Role;
  sites: string[];
  owner?: { kind: 'counterparty' | 'client'; id: string };
  label?: string;
  createdAt: number;
  createdBy: { kind: 'user' | 'apikey' | 'system'; id: string };
  revokedAt?: number;
}

interface KeyForm extends ReachValues {
  label?: string;
}

const labelLengthMax = 200;

export function ApiKeys(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [loading, setLoading] = useState(true);
  const [issuing, setIssuing] = useState(false);
  const [token, setToken] = useState<string | undefined>();
  const [form] = Form.useForm<KeyForm>();
  const lists = useReachLists(true);

  const load = useCallback(() => {
    setLoading(true);
    api
      .get<{ keys: ApiKey[] }>('/apikeys')
      .then(
        (answer) => setKeys([...answer.keys].sort((a, b) => b.createdAt - a.createdAt)),
        (error: unknown) => void message.error(problemText(t, error)),
      )
      .finally(() => setLoading(false));
  }, [message, t]);
  useEffect(load, [load]);

  const issue = async (values: KeyForm): Promise<void> => {
    try {
      const label = values.label?.trim();
      const created = await api.post<{ key: ApiKey; token: string }>('/apikeys', { role: values.role, ...reachOf(values), ...(label ? { label } : {}) }, { idempotencyKey: actionKey() });
      setIssuing(false);
      setToken(created.token);
      load();
    } catch (error) {
      if (!showFieldIssues(form, error)) void message.error(problemText(t, error));
    }
  };

  const revoke = async (key: ApiKey): Promise<void> => {
    try {
      await api.delete(`/apikeys/${encodeURIComponent(key.id)}`);
      void message.success(t('apikeys.revokedDone', { id: key.id }));
      load();
    } catch (error) {
      void message.error(problemText(t, error));
    }
  };

  const columns: TableColumnsType<ApiKey> = [
    { title: t('apikeys.label'), key: 'label', render: (_, key) => <Space orientation="vertical" size={0}><span>{key.label ?? '—'}</span><Typography.Text type="secondary" code>{key.id}</Typography.Text></Space> },
    { title: t('apikeys.role'), key: 'role', render: (_, key) => <Tag {...(key.role === 'owner' ? { color: 'gold' } : {})}>{t(`roles.${key.role}`)}</Tag> },
    { title: t('apikeys.reach'), key: 'reach', render: (_, key) => (key.owner !== undefined ? `${t(`users.owner.${key.owner.kind}`)}: ${key.owner.id}` : key.sites.length > 0 ? key.sites.join(', ') : t('users.wholeNetwork')) },
    { title: t('apikeys.created'), key: 'created', render: (_, key) => instant(key.createdAt, i18n.language) },
    { title: t('apikeys.createdBy'), key: 'by', render: (_, key) => <Typography.Text type="secondary">{key.createdBy.id}</Typography.Text> },
    {
      title: t('apikeys.status'),
      key: 'status',
      render: (_, key) => (key.revokedAt === undefined ? <Tag color="green">{t('apikeys.active')}</Tag> : <Tag>{t('apikeys.revoked', { at: instant(key.revokedAt, i18n.language) })}</Tag>),
    },
    {
      title: '',
      key: 'actions',
      render: (_, key) =>
        key.revokedAt === undefined && (
          <Popconfirm title={t('apikeys.confirmRevoke', { id: key.id })} onConfirm={() => void revoke(key)} okText={t('apikeys.revoke')} cancelText={t('apikeys.cancel')} okButtonProps={{ danger: true }}>
            <Button size="small" danger data-testid={`apikey-revoke-${key.id}`}>
              {t('apikeys.revoke')}
            </Button>
          </Popconfirm>
        ),
    },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('apikeys.title')}
        </Typography.Title>
        <Button
          type="primary"
          onClick={() => {
            form.resetFields();
            form.setFieldsValue({ role: 'accountant' });
            setIssuing(true);
          }}
          data-testid="apikey-add"
        >
          {t('apikeys.add')}
        </Button>
      </Space>
      <Table<ApiKey> rowKey="id" size="small" loading={loading} columns={columns} dataSource={keys} pagination={{ pageSize: 50, hideOnSinglePage: true }} data-testid="apikeys-table" />
      <Drawer open={issuing} onClose={() => setIssuing(false)} title={t('apikeys.add')} size={460} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void issue(values)} requiredMark={false}>
          <Form.Item name="label" label={t('apikeys.label')} extra={t('apikeys.labelHint')} rules={[{ max: labelLengthMax }]}>
            <Input data-testid="apikey-label" maxLength={labelLengthMax} />
          </Form.Item>
          <ReachFields form={form} lists={lists} testId="apikey" />
          <Button type="primary" htmlType="submit" block data-testid="apikey-issue">
            {t('apikeys.issue')}
          </Button>
        </Form>
      </Drawer>
      <Modal open={token !== undefined} title={t('apikeys.tokenTitle')} onCancel={() => setToken(undefined)} closable={false} maskClosable={false} destroyOnHidden footer={<Button type="primary" onClick={() => setToken(undefined)} data-testid="apikey-token-close">{t('apikeys.close')}</Button>}>
        <Alert type="warning" title={t('apikeys.tokenOnce')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: token ?? '' }} code data-testid="apikey-token" style={{ wordBreak: 'break-all' }}>
          {token}
        </Typography.Paragraph>
        <Typography.Text type="secondary">{t('apikeys.tokenUse')}</Typography.Text>
      </Modal>
    </Space>
  );
}
