// Prices (`/prices`): what each product costs now at each site (the network's price, or the site's own
// where it overrides it), the scheduled changes still to come with their instant in the network's time
// zone, and the products. A person with `prices.write` changes a price now (the step in effect is
// replaced) or schedules a change at a future local date and time; a scheduled change can be removed.
// Money is typed in roubles and sent in kopecks. Reads GET /network, /products, /sites, /prices; writes
// PUT and DELETE /prices (docs/api.md "Network management"). The read model follows a write within about
// a second, so after a write the list is read again until it shows the change.

import { useCallback, useEffect, useMemo, useState } from 'react';
import type { HTMLAttributes } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Popconfirm, Radio, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { instant, money } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import { kopecksOf, refreshUntil, roublesRule } from '../components/catalog';
import type { NetworkInfo, Product, Site } from '../components/catalog';

dayjs.extend(utc);
dayjs.extend(timezone);

interface PriceStep {
  product: string;
  site: string | null;
  price: number;
  from: number | null;
  state: 'current' | 'scheduled' | 'superseded';
}

interface PriceForm {
  product: string;
  site: string;
  price: number;
  when: 'now' | 'at';
  at?: string;
}

/** The form's "whole network" choice of site. */
const everySite = '*';

/** The price a product has now at a site (its own step in effect, else the network's), and whose it is. */
function priceAt(steps: readonly PriceStep[], product: string, site: string | null): { price: number; own: boolean } | undefined {
  const own = steps.find((step) => step.product === product && step.site === site && step.state === 'current');
  if (own !== undefined) return { price: own.price, own: true };
  if (site === null) return undefined;
  const network = steps.find((step) => step.product === product && step.site === null && step.state === 'current');
  return network === undefined ? undefined : { price: network.price, own: false };
}

export function Prices(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const writes = me.may('prices.write');
  const [network, setNetwork] = useState<NetworkInfo>();
  const [products, setProducts] = useState<Product[]>([]);
  const [sites, setSites] = useState<Site[]>([]);
  const [steps, setSteps] = useState<PriceStep[]>([]);
  const [failure, setFailure] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<PriceForm>();
  const zone = network?.timezone ?? 'Europe/Moscow';
  const currency = network?.currency ?? 'RUB';
  const when = Form.useWatch('when', form);

  const loadPrices = useCallback(async (): Promise<PriceStep[]> => {
    const answer = await api.get<{ now: number; items: PriceStep[] }>('/prices');
    setSteps(answer.items);
    return answer.items;
  }, []);

  useEffect(() => {
    Promise.all([
      api.get<NetworkInfo>('/network').then(setNetwork),
      api.get<{ items: Product[] }>('/products', { limit: 1000 }).then((answer) => setProducts(answer.items)),
      api.get<{ items: Site[] }>('/sites', { limit: 1000 }).then((answer) => setSites(answer.items)),
      loadPrices(),
    ]).catch((error: unknown) => setFailure(problemText(t, error)));
  }, [loadPrices, t]);

  const nameOf = useMemo(() => new Map(products.map((product) => [product.code, product.name])), [products]);
  const siteName = (site: string | null): string => (site === null ? t('catalog.prices.everySite') : site);
  const scheduled = steps.filter((step) => step.state === 'scheduled').sort((a, b) => (a.from ?? 0) - (b.from ?? 0));

  const submit = async (values: PriceForm): Promise<void> => {
    const site = values.site === everySite ? undefined : values.site;
    const price = kopecksOf(values.price);
    let from: number | undefined;
    if (values.when === 'at') from = dayjs.tz(values.at, zone).valueOf();
    else from = steps.find((step) => step.product === values.product && step.site === (site ?? null) && step.state === 'current')?.from ?? undefined;
    setSaving(true);
    try {
      await api.put('/prices', { product: values.product, price, ...(site !== undefined ? { site } : {}), ...(from !== undefined ? { from } : {}) });
      message.success(values.when === 'at' ? t('catalog.prices.scheduledDone') : t('catalog.prices.changedDone'));
      form.resetFields(['price', 'at']);
      await refreshUntil(loadPrices, (items) => items.some((step) => step.product === values.product && step.site === (site ?? null) && step.price === price && (step.from ?? undefined) === from));
    } catch (error) {
      showFieldIssues(form, error);
      message.error(problemText(t, error));
    } finally {
      setSaving(false);
    }
  };

  const remove = async (step: PriceStep): Promise<void> => {
    try {
      await api.delete(`/prices?${new URLSearchParams({ product: step.product, ...(step.site !== null ? { site: step.site } : {}), ...(step.from !== null ? { from: String(step.from) } : {}) }).toString()}`);
      message.success(t('catalog.prices.removed'));
      await refreshUntil(loadPrices, (items) => !items.some((item) => item.product === step.product && item.site === step.site && item.from === step.from));
    } catch (error) {
      message.error(problemText(t, error));
    }
  };

  const matrixColumns: TableColumnsType<Product> = [
    { title: t('catalog.prices.product'), key: 'product', fixed: 'left', width: 220, render: (_, product) => <span>{product.name} <Typography.Text type="secondary">{product.code}</Typography.Text></span> },
    ...[null, ...sites.map((site) => site.id)].map((site) => ({
      title: siteName(site),
      key: site ?? everySite,
      align: 'right' as const,
      render: (_: unknown, product: Product) => {
        const found = priceAt(steps, product.code, site);
        if (found === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
        const text = money(found.price, i18n.language, currency);
        return (
          <span data-testid="price-cell" data-product={product.code} data-site={site ?? everySite}>
            {site !== null && found.own ? <Typography.Text strong>{text}</Typography.Text> : site !== null ? <Typography.Text type="secondary">{text}</Typography.Text> : text}
          </span>
        );
      },
    })),
  ];

  const scheduledColumns: TableColumnsType<PriceStep> = [
    { title: t('catalog.prices.from'), key: 'from', render: (_, step) => (step.from === null ? '—' : instant(step.from, i18n.language, zone)) },
    { title: t('catalog.prices.product'), key: 'product', render: (_, step) => `${nameOf.get(step.product) ?? step.product} (${step.product})` },
    { title: t('catalog.prices.site'), key: 'site', render: (_, step) => siteName(step.site) },
    { title: t('catalog.prices.newPrice'), key: 'price', align: 'right', render: (_, step) => money(step.price, i18n.language, currency) },
    {
      title: t('catalog.prices.nowPrice'),
      key: 'now',
      align: 'right',
      render: (_, step) => {
        const found = priceAt(steps, step.product, step.site);
        return found === undefined ? '—' : money(found.price, i18n.language, currency);
      },
    },
    ...(writes
      ? [
          {
            title: '',
            key: 'actions',
            render: (_: unknown, step: PriceStep) => (
              <Popconfirm title={t('catalog.prices.removeConfirm')} onConfirm={() => void remove(step)} okText={t('catalog.common.yes')} cancelText={t('catalog.common.no')}>
                <Button size="small" danger data-testid="scheduled-remove">
                  {t('catalog.prices.remove')}
                </Button>
              </Popconfirm>
            ),
          },
        ]
      : []),
  ];

  const productColumns: TableColumnsType<Product> = [
    { title: t('catalog.products.code'), dataIndex: 'code' },
    { title: t('catalog.products.name'), dataIndex: 'name' },
    { title: t('catalog.products.group'), dataIndex: 'group' },
    { title: t('catalog.products.unit'), key: 'unit', render: (_, product) => t(`catalog.units.${product.unit}`, { defaultValue: product.unit }) },
    { title: t('catalog.products.holdMinutes'), key: 'hold', render: (_, product) => product.holdMinutes ?? '—' },
  ];

  const changeForm = writes ? (
    <Card title={t('catalog.prices.change')} size="small" data-testid="price-form">
      <Form form={form} layout="inline" initialValues={{ site: everySite, when: 'now' }} onFinish={(values) => void submit(values)} style={{ rowGap: 8 }}>
        <Form.Item name="product" label={t('catalog.prices.product')} rules={[{ required: true, message: t('validation.required') }]}>
          <Select
            style={{ width: 220 }}
            showSearch
            optionFilterProp="label"
            data-testid="price-product"
            options={products.map((product) => ({ value: product.code, label: `${product.name} (${product.code})` }))}
          />
        </Form.Item>
        <Form.Item name="site" label={t('catalog.prices.site')}>
          <Select style={{ width: 200 }} showSearch optionFilterProp="label" data-testid="price-site" options={[{ value: everySite, label: t('catalog.prices.everySite') }, ...sites.map((site) => ({ value: site.id, label: `${site.id} — ${site.name}` }))]} popupMatchSelectWidth={false} />
        </Form.Item>
        <Form.Item name="price" label={t('catalog.prices.priceRub')} rules={[{ required: true, message: t('validation.required') }, roublesRule(t)]}>
          <InputNumber style={{ width: 140 }} step={0.01} data-testid="price-value" />
        </Form.Item>
        <Form.Item name="when">
          <Radio.Group
            data-testid="price-when"
            options={[
              { value: 'now', label: t('catalog.prices.now') },
              { value: 'at', label: t('catalog.prices.at') },
            ]}
          />
        </Form.Item>
        {when === 'at' && (
          <Form.Item
            name="at"
            label={t('catalog.prices.atLabel', { zone })}
            rules={[
              { required: true, message: t('validation.required') },
              {
                validator: (_rule, value: string | undefined) => {
                  if (value === undefined || value === '') return Promise.resolve();
                  const at = dayjs.tz(value, zone);
                  return !at.isValid() || at.valueOf() <= Date.now() ? Promise.reject(new Error(t('catalog.prices.future'))) : Promise.resolve();
                },
              },
            ]}
          >
            <Input type="datetime-local" style={{ width: 200 }} data-testid="price-at" />
          </Form.Item>
        )}
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={saving} data-testid="price-submit">
            {when === 'at' ? t('catalog.prices.schedule') : t('catalog.prices.apply')}
          </Button>
        </Form.Item>
      </Form>
    </Card>
  ) : (
    <Alert type="info" showIcon title={t('catalog.common.readOnly')} data-testid="read-only" />
  );

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('menu.prices')}
      </Typography.Title>
      {failure !== undefined && <Alert type="error" showIcon title={failure} />}
      {changeForm}
      <Tabs
        items={[
          {
            key: 'current',
            label: t('catalog.prices.current'),
            children: (
              <>
                <Typography.Paragraph type="secondary">{t('catalog.prices.matrixHint')}</Typography.Paragraph>
                <Table rowKey="code" size="small" columns={matrixColumns} dataSource={products} pagination={false} scroll={{ x: true }} data-testid="price-matrix" />
              </>
            ),
          },
          {
            key: 'scheduled',
            label: (
              <span data-testid="tab-scheduled">
                {t('catalog.prices.scheduled')} <Tag>{scheduled.length}</Tag>
              </span>
            ),
            children: (
              <Table
                rowKey={(step) => `${step.product}@${step.site ?? everySite}@${step.from ?? 0}`}
                size="small"
                columns={scheduledColumns}
                dataSource={scheduled}
                pagination={false}
                onRow={() => ({ 'data-testid': 'scheduled-row' }) as HTMLAttributes<HTMLElement>}
                locale={{ emptyText: t('catalog.prices.noneScheduled') }}
              />
            ),
          },
          {
            key: 'products',
            label: <span data-testid="tab-products">{t('catalog.products.title')}</span>,
            children: <Table rowKey="code" size="small" columns={productColumns} dataSource={products} pagination={false} data-testid="products-table" />,
          },
        ]}
      />
    </Space>
  );
}
