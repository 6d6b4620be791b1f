// Discount rules (`/discounts`): each rule with what it applies to (products, sites, segments,
// counterparties, client groups, club members only), its kind (a percent, roubles off per unit or a
// fixed price per unit), its purchase threshold, its validity and its hours. A person with
// `prices.write` creates or edits a rule in a drawer (roubles typed, kopecks sent; percents typed,
// basis points sent; all checked before sending) and deletes one after a confirmation; the others see
// the list only. Reads GET /network, /discounts, /products, /sites; writes PUT and DELETE
// /discounts/:id with the whole rule (the list answers every field, so nothing is lost).

import { useCallback, useEffect, useState } from 'react';
import type { HTMLAttributes } from 'react';
import { Alert, App, Button, Drawer, Form, Input, InputNumber, Popconfirm, Radio, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { instant, money, quantity } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import { kopecksOf, productChoices, refreshUntil, roublesRule } from '../components/catalog';
import type { NetworkInfo, Product, Site } from '../components/catalog';

dayjs.extend(utc);
dayjs.extend(timezone);

const kinds = ['percent', 'perUnit', 'fixedPrice'] as const;
type Kind = (typeof kinds)[number];
const periods = ['day', 'week', 'month'] as const;

interface Threshold {
  period: (typeof periods)[number];
  volume?: number;
  amount?: number;
}

interface Discount {
  id: string;
  name: string;
  percent: number | null;
  perUnit: number | null;
  fixedPrice: number | null;
  products: string[] | null;
  segments: string[] | null;
  counterparties: string[] | null;
  clientGroups: string[] | null;
  members: boolean | null;
  sites: string[] | null;
  hours: string | null;
  from: number | null;
  to: number | null;
  threshold: Threshold | null;
}

interface DiscountForm {
  id: string;
  name: string;
  kind: Kind;
  value: number;
  products?: string[];
  sites?: string[];
  segments?: string[];
  counterparties?: string[];
  clientGroups?: string[];
  members?: boolean;
  period?: Threshold['period'] | 'none';
  measure?: 'volume' | 'amount';
  threshold?: number | null;
  from?: string | undefined;
  to?: string | undefined;
  hours?: string | undefined;
}

const kindOf = (rule: Discount): Kind => (rule.percent !== null ? 'percent' : rule.perUnit !== null ? 'perUnit' : 'fixedPrice');
const hoursPattern = /^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$/;
const listed = (values: string[] | undefined): string[] | undefined => (values !== undefined && values.length > 0 ? values : undefined);

export function Discounts(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const writes = me.may('prices.write');
  const [rules, setRules] = useState<Discount[]>([]);
  const [products, setProducts] = useState<Product[]>([]);
  const [sites, setSites] = useState<Site[]>([]);
  const [network, setNetwork] = useState<NetworkInfo>();
  const [failure, setFailure] = useState<string>();
  const [editing, setEditing] = useState<Discount | 'new'>();
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<DiscountForm>();
  const kind = Form.useWatch('kind', form);
  const period = Form.useWatch('period', form);
  const measure = Form.useWatch('measure', form);
  const zone = network?.timezone ?? 'Europe/Moscow';
  const local = (at: number | null): string | undefined => (at === null ? undefined : dayjs(at).tz(zone).format('YYYY-MM-DDTHH:mm'));

  const load = useCallback(async (): Promise<Discount[]> => {
    const answer = await api.get<{ items: Discount[] }>('/discounts', { limit: 1000 });
    setRules(answer.items);
    return answer.items;
  }, []);

  useEffect(() => {
    Promise.all([
      load(),
      api.get<NetworkInfo>('/network').then(setNetwork),
      api.get<{ items: Product[] }>('/products', { limit: 1000 }).then((answer) => setProducts(answer.items)),
      api.get<{ items: Site[] }>('/sites', { limit: 1000 }).then((answer) => setSites(answer.items)),
    ]).catch((error: unknown) => setFailure(problemText(t, error)));
  }, [load, t]);

  const open = (rule: Discount | 'new'): void => {
    setEditing(rule);
    form.resetFields();
    if (rule === 'new') {
      form.setFieldsValue({ kind: 'percent', period: 'none', measure: 'volume', members: false });
      return;
    }
    const ruleKind = kindOf(rule);
    const value = ruleKind === 'percent' ? (rule.percent ?? 0) / 100 : ((ruleKind === 'perUnit' ? rule.perUnit : rule.fixedPrice) ?? 0) / 100;
    form.setFieldsValue({
      id: rule.id,
      name: rule.name,
      kind: ruleKind,
      value,
      products: rule.products ?? [],
      sites: rule.sites ?? [],
      segments: rule.segments ?? [],
      counterparties: rule.counterparties ?? [],
      clientGroups: rule.clientGroups ?? [],
      members: rule.members === true,
      period: rule.threshold?.period ?? 'none',
      measure: rule.threshold?.amount !== undefined ? 'amount' : 'volume',
      threshold: rule.threshold === null ? null : rule.threshold.amount !== undefined ? rule.threshold.amount / 100 : (rule.threshold.volume ?? 0) / 1000,
      from: local(rule.from),
      to: local(rule.to),
      hours: rule.hours ?? undefined,
    });
  };

  const save = async (values: DiscountForm): Promise<void> => {
    const amount = values.kind === 'percent' ? Math.round(values.value * 100) : kopecksOf(values.value);
    const threshold =
      values.period !== undefined && values.period !== 'none' && values.threshold !== null && values.threshold !== undefined
        ? { period: values.period, ...(values.measure === 'amount' ? { amount: kopecksOf(values.threshold) } : { volume: Math.round(values.threshold * 1000) }) }
        : undefined;
    const body = {
      name: values.name.trim(),
      [values.kind]: amount,
      products: listed(values.products),
      sites: listed(values.sites),
      segments: listed(values.segments),
      counterparties: listed(values.counterparties),
      clientGroups: listed(values.clientGroups),
      members: values.members === true ? true : undefined,
      threshold,
      hours: values.hours !== undefined && values.hours !== '' ? values.hours : undefined,
      from: values.from !== undefined && values.from !== '' ? dayjs.tz(values.from, zone).valueOf() : undefined,
      to: values.to !== undefined && values.to !== '' ? dayjs.tz(values.to, zone).valueOf() : undefined,
    };
    setSaving(true);
    try {
      await api.put(`/discounts/${encodeURIComponent(values.id)}`, JSON.parse(JSON.stringify(body)) as Record<string, unknown>);
      message.success(t('promo.saved'));
      setEditing(undefined);
      await refreshUntil(load, (items) => items.some((item) => item.id === values.id && item.name === body.name && item[values.kind] === amount));
    } catch (error) {
      showFieldIssues(form, error);
      message.error(problemText(t, error));
    } finally {
      setSaving(false);
    }
  };

  const remove = async (rule: Discount): Promise<void> => {
    try {
      await api.delete(`/discounts/${encodeURIComponent(rule.id)}`);
      message.success(t('promo.removed'));
      await refreshUntil(load, (items) => !items.some((item) => item.id === rule.id));
    } catch (error) {
      message.error(problemText(t, error));
    }
  };

  const tags = (values: string[] | null, color: string) => (values ?? []).map((value) => <Tag key={value} color={color}>{value}</Tag>);
  const valueOf = (rule: Discount): string => {
    const ruleKind = kindOf(rule);
    switch (ruleKind) {
      case 'percent':
        return `−${((rule.percent ?? 0) / 100).toLocaleString(i18n.language)} %`;
      case 'perUnit':
        return t('promo.perUnitShown', { amount: money(rule.perUnit ?? 0, i18n.language) });
      case 'fixedPrice':
        return t('promo.fixedShown', { amount: money(rule.fixedPrice ?? 0, i18n.language) });
    }
  };
  const thresholdOf = (threshold: Threshold | null): string =>
    threshold === null
      ? '—'
      : t('promo.thresholdShown', {
          amount: threshold.amount !== undefined ? money(threshold.amount, i18n.language) : quantity(threshold.volume ?? 0, 'l', i18n.language),
          period: t(`promo.periods.${threshold.period}`),
        });
  const columns: TableColumnsType<Discount> = [
    { title: t('promo.name'), key: 'name', render: (_, rule) => <><div>{rule.name}</div><Typography.Text type="secondary">{rule.id}</Typography.Text></> },
    { title: t('promo.value'), key: 'value', align: 'right', render: (_, rule) => <span data-testid="discount-value">{valueOf(rule)}</span> },
    {
      title: t('promo.appliesTo'),
      key: 'applies',
      render: (_, rule) => (
        <Space size={[0, 4]} wrap>
          {rule.products === null ? <Tag>{t('promo.everyProduct')}</Tag> : tags(rule.products, 'blue')}
          {tags(rule.sites, 'geekblue')}
          {tags(rule.segments, 'purple')}
          {tags(rule.counterparties, 'cyan')}
          {tags(rule.clientGroups, 'magenta')}
          {rule.members === true && <Tag color="gold">{t('promo.membersOnly')}</Tag>}
        </Space>
      ),
    },
    { title: t('promo.threshold'), key: 'threshold', render: (_, rule) => thresholdOf(rule.threshold) },
    {
      title: t('promo.valid'),
      key: 'valid',
      render: (_, rule) =>
        rule.from === null && rule.to === null ? t('promo.always') : `${rule.from === null ? '…' : instant(rule.from, i18n.language, zone)} — ${rule.to === null ? '…' : instant(rule.to, i18n.language, zone)}`,
    },
    { title: t('promo.hours'), key: 'hours', render: (_, rule) => rule.hours ?? t('promo.allDay') },
    ...(writes
      ? [
          {
            title: '',
            key: 'actions',
            render: (_: unknown, rule: Discount) => (
              <Space>
                <Button size="small" onClick={() => open(rule)} data-testid="discount-edit">
                  {t('catalog.common.edit')}
                </Button>
                <Popconfirm title={t('promo.removeConfirm')} onConfirm={() => void remove(rule)} okText={t('catalog.common.yes')} cancelText={t('catalog.common.no')}>
                  <Button size="small" danger data-testid="discount-remove">
                    {t('promo.remove')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]
      : []),
  ];

  const productOptions = productChoices(t, products);
  const valueRules =
    kind === 'percent'
      ? [{ required: true, message: t('validation.required') }, { type: 'number' as const, min: 0.01, max: 100, message: t('promo.percentInvalid') }]
      : [{ required: true, message: t('validation.required') }, roublesRule(t)];
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('menu.discounts')}
        </Typography.Title>
        {writes && (
          <Button type="primary" onClick={() => open('new')} data-testid="discount-new">
            {t('promo.new')}
          </Button>
        )}
      </Space>
      {!writes && <Alert type="info" showIcon title={t('promo.readOnly')} data-testid="read-only" />}
      {failure !== undefined && <Alert type="error" showIcon title={failure} />}
      <Typography.Text type="secondary">{t('promo.hint')}</Typography.Text>
      <Table rowKey="id" size="small" columns={columns} dataSource={rules} pagination={false} onRow={(rule) => ({ 'data-testid': 'discount-row', 'data-id': rule.id }) as HTMLAttributes<HTMLElement>} />
      <Drawer open={editing !== undefined} onClose={() => setEditing(undefined)} size={520} title={editing === 'new' ? t('promo.new') : t('promo.edit')} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void save(values)} data-testid="discount-form">
          <Form.Item name="id" label={t('promo.id')} rules={[{ required: true, message: t('validation.required') }, { pattern: /^[A-Za-z0-9_-]{1,64}$/, message: t('catalog.common.identifier') }]}>
            <Input disabled={editing !== 'new'} data-testid="discount-id" />
          </Form.Item>
          <Form.Item name="name" label={t('promo.name')} rules={[{ required: true, whitespace: true, message: t('validation.required') }, { max: 200 }]}>
            <Input data-testid="discount-name" />
          </Form.Item>
          <Form.Item name="kind" label={t('promo.kind')}>
            <Radio.Group data-testid="discount-kind" options={kinds.map((value) => ({ value, label: t(`promo.kinds.${value}`) }))} />
          </Form.Item>
          <Form.Item name="value" label={t(`promo.valueLabel.${kind ?? 'percent'}`)} rules={valueRules}>
            <InputNumber style={{ width: '100%' }} step={kind === 'percent' ? 0.5 : 0.01} data-testid="discount-value-input" />
          </Form.Item>
          <Form.Item name="products" label={t('promo.products')} extra={t('promo.productsHint')}>
            <Select mode="multiple" options={productOptions} optionFilterProp="label" data-testid="discount-products" />
          </Form.Item>
          <Form.Item name="sites" label={t('promo.sites')} extra={t('promo.sitesHint')}>
            <Select mode="multiple" options={sites.map((site) => ({ value: site.id, label: `${site.id} — ${site.name}` }))} optionFilterProp="label" />
          </Form.Item>
          <Form.Item name="segments" label={t('promo.segments')}>
            <Select mode="tags" />
          </Form.Item>
          <Form.Item name="counterparties" label={t('promo.counterparties')}>
            <Select mode="tags" />
          </Form.Item>
          <Form.Item name="clientGroups" label={t('promo.clientGroups')}>
            <Select mode="tags" />
          </Form.Item>
          <Form.Item name="members" label={t('promo.membersOnly')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Space align="start">
            <Form.Item name="period" label={t('promo.threshold')}>
              <Select style={{ width: 140 }} options={[{ value: 'none', label: t('promo.noThreshold') }, ...periods.map((value) => ({ value, label: t(`promo.periods.${value}`) }))]} />
            </Form.Item>
            {period !== undefined && period !== 'none' && (
              <>
                <Form.Item name="measure" label={t('promo.measure')}>
                  <Select style={{ width: 120 }} options={[{ value: 'volume', label: t('promo.litres') }, { value: 'amount', label: '₽' }]} />
                </Form.Item>
                <Form.Item name="threshold" label={t('promo.thresholdValue')} rules={[{ required: true, message: t('validation.required') }, measure === 'amount' ? roublesRule(t) : { type: 'number', min: 0.001, max: 1_000_000, message: t('promo.litresInvalid') }]}>
                  <InputNumber style={{ width: 140 }} />
                </Form.Item>
              </>
            )}
          </Space>
          <Space align="start">
            <Form.Item name="from" label={t('promo.from', { zone })}>
              <Input type="datetime-local" style={{ width: 200 }} />
            </Form.Item>
            <Form.Item
              name="to"
              label={t('promo.to', { zone })}
              dependencies={['from']}
              rules={[
                ({ getFieldValue }) => ({
                  validator: (_rule, value: string | undefined) => {
                    const from = getFieldValue('from') as string | undefined;
                    return value !== undefined && value !== '' && from !== undefined && from !== '' && !dayjs.tz(from, zone).isBefore(dayjs.tz(value, zone)) ? Promise.reject(new Error(t('promo.toBeforeFrom'))) : Promise.resolve();
                  },
                }),
              ]}
            >
              <Input type="datetime-local" style={{ width: 200 }} />
            </Form.Item>
          </Space>
          <Form.Item name="hours" label={t('promo.hours')} rules={[{ pattern: hoursPattern, message: t('promo.hoursInvalid') }]}>
            <Input placeholder="23:00-06:00" style={{ width: 200 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={saving} data-testid="discount-save">
            {t('catalog.common.save')}
          </Button>
        </Form>
      </Drawer>
    </Space>
  );
}
