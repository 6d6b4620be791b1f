// Wash tariffs (`/tariffs`): each tariff with its price per minute, the club members' price, the
// minimum and maximum minutes and the sites that offer it (none named: every site). A person with
// `network.configure` creates a tariff or edits one in a drawer; roubles typed, kopecks sent, checked
// before sending; the others see the list only. Reads GET /tariffs and /sites; writes PUT
// /tariffs/:code with the whole tariff (the list answers every field, so nothing is lost).

import { useCallback, useEffect, useState } from 'react';
import type { HTMLAttributes } from 'react';
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { money } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import { kopecksOf, refreshUntil, roublesRule } from '../components/catalog';
import type { Site } from '../components/catalog';

interface Tariff {
  code: string;
  name: string;
  perMinute: number;
  perMinuteMember: number | null;
  minimumMinutes: number | null;
  maximumMinutes: number | null;
  sites: string[] | null;
}

interface TariffForm {
  code: string;
  name: string;
  perMinute: number;
  perMinuteMember?: number | null;
  minimumMinutes?: number | null;
  maximumMinutes?: number | null;
  sites?: string[];
}

export function Tariffs(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const writes = me.may('network.configure');
  const [tariffs, setTariffs] = useState<Tariff[]>([]);
  const [sites, setSites] = useState<Site[]>([]);
  const [failure, setFailure] = useState<string>();
  const [editing, setEditing] = useState<Tariff | 'new'>();
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<TariffForm>();

  const load = useCallback(async (): Promise<Tariff[]> => {
    const answer = await api.get<{ items: Tariff[] }>('/tariffs', { limit: 1000 });
    setTariffs(answer.items);
    return answer.items;
  }, []);

  useEffect(() => {
    Promise.all([load(), api.get<{ items: Site[] }>('/sites', { limit: 1000 }).then((answer) => setSites(answer.items))]).catch((error: unknown) => setFailure(problemText(t, error)));
  }, [load, t]);

  const open = (tariff: Tariff | 'new'): void => {
    setEditing(tariff);
    form.resetFields();
    if (tariff !== 'new')
      form.setFieldsValue({
        code: tariff.code,
        name: tariff.name,
        perMinute: tariff.perMinute / 100,
        perMinuteMember: tariff.perMinuteMember === null ? null : tariff.perMinuteMember / 100,
        minimumMinutes: tariff.minimumMinutes,
        maximumMinutes: tariff.maximumMinutes,
        sites: tariff.sites ?? [],
      });
  };

  const save = async (values: TariffForm): Promise<void> => {
    const body = {
      name: values.name.trim(),
      perMinute: kopecksOf(values.perMinute),
      ...(values.perMinuteMember !== null && values.perMinuteMember !== undefined ? { perMinuteMember: kopecksOf(values.perMinuteMember) } : {}),
      ...(values.minimumMinutes !== null && values.minimumMinutes !== undefined ? { minimumMinutes: values.minimumMinutes } : {}),
      ...(values.maximumMinutes !== null && values.maximumMinutes !== undefined ? { maximumMinutes: values.maximumMinutes } : {}),
      ...(values.sites !== undefined && values.sites.length > 0 ? { sites: values.sites } : {}),
    };
    setSaving(true);
    try {
      await api.put(`/tariffs/${encodeURIComponent(values.code)}`, body);
      message.success(t('catalog.tariffs.saved'));
      setEditing(undefined);
      await refreshUntil(load, (items) => items.some((item) => item.code === values.code && item.name === body.name && item.perMinute === body.perMinute));
    } catch (error) {
      showFieldIssues(form, error);
      message.error(problemText(t, error));
    } finally {
      setSaving(false);
    }
  };

  const rub = (kopecks: number | null): string => (kopecks === null ? '—' : money(kopecks, i18n.language));
  const columns: TableColumnsType<Tariff> = [
    { title: t('catalog.tariffs.code'), dataIndex: 'code' },
    { title: t('catalog.tariffs.name'), dataIndex: 'name' },
    { title: t('catalog.tariffs.perMinute'), key: 'perMinute', align: 'right', render: (_, tariff) => <span data-testid="tariff-per-minute">{rub(tariff.perMinute)}</span> },
    { title: t('catalog.tariffs.perMinuteMember'), key: 'member', align: 'right', render: (_, tariff) => rub(tariff.perMinuteMember) },
    { title: t('catalog.tariffs.minimum'), key: 'minimum', align: 'right', render: (_, tariff) => tariff.minimumMinutes ?? '—' },
    { title: t('catalog.tariffs.maximum'), key: 'maximum', align: 'right', render: (_, tariff) => tariff.maximumMinutes ?? t('catalog.tariffs.maximumDefault') },
    { title: t('catalog.tariffs.sites'), key: 'sites', render: (_, tariff) => (tariff.sites === null ? t('catalog.tariffs.everySite') : tariff.sites.map((site) => <Tag key={site}>{site}</Tag>)) },
    ...(writes
      ? [
          {
            title: '',
            key: 'edit',
            render: (_: unknown, tariff: Tariff) => (
              <Button size="small" onClick={() => open(tariff)} data-testid="tariff-edit">
                {t('catalog.common.edit')}
              </Button>
            ),
          },
        ]
      : []),
  ];

  const minutesRule = { type: 'integer' as const, min: 0, max: 24 * 60, message: t('catalog.tariffs.minutesInvalid') };
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('menu.tariffs')}
        </Typography.Title>
        {writes && (
          <Button type="primary" onClick={() => open('new')} data-testid="tariff-new">
            {t('catalog.tariffs.new')}
          </Button>
        )}
      </Space>
      {failure !== undefined && <Alert type="error" showIcon title={failure} />}
      <Table rowKey="code" size="small" columns={columns} dataSource={tariffs} pagination={false} onRow={(tariff) => ({ 'data-testid': 'tariff-row', 'data-code': tariff.code }) as HTMLAttributes<HTMLElement>} />
      <Drawer open={editing !== undefined} onClose={() => setEditing(undefined)} size={420} title={editing === 'new' ? t('catalog.tariffs.new') : t('catalog.tariffs.edit')} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void save(values)}>
          <Form.Item name="code" label={t('catalog.tariffs.code')} rules={[{ required: true, message: t('validation.required') }, { pattern: /^[A-Za-z0-9_-]{1,64}$/, message: t('catalog.common.identifier') }]}>
            <Input disabled={editing !== 'new'} data-testid="tariff-code" />
          </Form.Item>
          <Form.Item name="name" label={t('catalog.tariffs.name')} rules={[{ required: true, whitespace: true, message: t('validation.required') }, { max: 200 }]}>
            <Input data-testid="tariff-name" />
          </Form.Item>
          <Form.Item name="perMinute" label={t('catalog.tariffs.perMinuteRub')} rules={[{ required: true, message: t('validation.required') }, roublesRule(t)]}>
            <InputNumber style={{ width: '100%' }} step={0.01} data-testid="tariff-per-minute-input" />
          </Form.Item>
          <Form.Item name="perMinuteMember" label={t('catalog.tariffs.perMinuteMemberRub')} rules={[roublesRule(t)]}>
            <InputNumber style={{ width: '100%' }} step={0.01} data-testid="tariff-member-input" />
          </Form.Item>
          <Space>
            <Form.Item name="minimumMinutes" label={t('catalog.tariffs.minimum')} rules={[minutesRule]}>
              <InputNumber precision={0} />
            </Form.Item>
            <Form.Item
              name="maximumMinutes"
              label={t('catalog.tariffs.maximum')}
              dependencies={['minimumMinutes']}
              rules={[
                { ...minutesRule, min: 1 },
                ({ getFieldValue }) => ({
                  validator: (_rule, value: number | null | undefined) => {
                    const minimum = getFieldValue('minimumMinutes') as number | null | undefined;
                    return value !== null && value !== undefined && minimum !== null && minimum !== undefined && value < minimum ? Promise.reject(new Error(t('catalog.tariffs.maximumBelow'))) : Promise.resolve();
                  },
                }),
              ]}
            >
              <InputNumber precision={0} />
            </Form.Item>
          </Space>
          <Form.Item name="sites" label={t('catalog.tariffs.sites')} extra={t('catalog.tariffs.sitesHint')}>
            <Select mode="multiple" options={sites.filter((site) => site.kind === 'wash').map((site) => ({ value: site.id, label: `${site.id} — ${site.name}` }))} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={saving} data-testid="tariff-save">
            {t('catalog.common.save')}
          </Button>
        </Form>
      </Drawer>
    </Space>
  );
}
