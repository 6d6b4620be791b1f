// Screen "Cards": the network's cards (masked numbers only), filtered by status or the number's last
// digits, found by the full number through POST /cards/lookup (the number travels in a body, never in
// a URL), blocked and unblocked with a confirmation, and — for a role that may write cards — the
// limits editor (amounts in roubles sent as kopecks, volumes in litres sent as millilitres) and the
// restrictions editor (sites, products, hours, weekdays). Forms check before sending; a refusal of the
// API is shown in words, on the field it names when it names one.

import { useCallback, useEffect, useState } from 'react';
import { Alert, App as AntApp, Button, Card, Checkbox, Descriptions, Drawer, Form, Input, InputNumber, Select, Space, Tabs, Typography } from 'antd';
import type { FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { constants } from '../../../engine/constants';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { useMe } from '../session';
import { BlockButton, CardTable, StatusTag, limitPeriods, limitsSummary, restrictionsSummary } from '../components/CardTable';
import type { CardRow, Limit, LimitPeriod, Restrictions } from '../components/CardTable';

interface Page<T> {
  items: T[];
  next?: string;
}

interface LimitInput {
  period: LimitPeriod;
  amount?: number | null;
  volume?: number | null;
  products?: string[];
}

interface RestrictionsInput {
  sites?: string[];
  products?: string[];
  hours?: string;
  weekdays?: number[];
}

/** Does `value` have at most `places` decimals (as the person typed it)? */
function decimalsAtMost(value: number, places: number): boolean {
  const scaled = value * 10 ** places;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/** A rule for a limit's amount or volume: not negative, not finer than the unit the engine counts. */
function capRule(t: TFunction, places: number, other: 'amount' | 'volume', form: FormInstance, index: number) {
  return {
    validator: (_: unknown, value: number | null | undefined): Promise<void> => {
      const otherValue = form.getFieldValue(['limits', index, other]) as number | null | undefined;
      if (value === undefined || value === null) return otherValue === undefined || otherValue === null ? Promise.reject(new Error(t('accounts.limits.amountOrVolume'))) : Promise.resolve();
      if (value < 0) return Promise.reject(new Error(t('accounts.limits.negative')));
      if (!decimalsAtMost(value, places)) return Promise.reject(new Error(t(places === 2 ? 'accounts.limits.decimalsAmount' : 'accounts.limits.decimalsVolume')));
      return Promise.resolve();
    },
  };
}

function limitsBody(values: LimitInput[]): Limit[] {
  return values.map((input) => {
    const limit: Limit = { period: input.period };
    if (input.amount !== undefined && input.amount !== null) limit.amount = Math.round(input.amount * 100);
    if (input.volume !== undefined && input.volume !== null) limit.volume = Math.round(input.volume * 1000);
    if (input.products !== undefined && input.products.length > 0) limit.products = input.products;
    return limit;
  });
}

function LimitsEditor({ card, products, onSaved }: { card: CardRow; products: string[]; onSaved: (card: CardRow) => void }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ limits: LimitInput[] }>();
  const [problem, setProblem] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    form.setFieldsValue({
      limits: card.limits.map((limit) => ({ period: limit.period, amount: limit.amount !== undefined ? limit.amount / 100 : null, volume: limit.volume !== undefined ? limit.volume / 1000 : null, products: limit.products ?? [] })),
    });
  }, [card, form]);
  const save = async (values: { limits?: LimitInput[] }): Promise<void> => {
    setProblem(undefined);
    setSaving(true);
    try {
      const after = await api.put<CardRow>(`/cards/${encodeURIComponent(card.id)}/limits`, { limits: limitsBody(values.limits ?? []) });
      onSaved({ ...card, status: after.status, limits: after.limits, restrictions: after.restrictions });
      void message.success(t('accounts.saved'));
    } catch (error) {
      showFieldIssues(form, error);
      setProblem(problemText(t, error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={(values) => void save(values)} data-testid="limits-editor">
      <Typography.Paragraph type="secondary">{t('accounts.limits.hint')}</Typography.Paragraph>
      <Form.List
        name="limits"
        rules={[{ validator: (_, value: unknown[] | undefined) => ((value?.length ?? 0) > constants.limitsPerCardMax ? Promise.reject(new Error(t('accounts.limits.tooMany', { count: constants.limitsPerCardMax }))) : Promise.resolve()) }]}
      >
        {(fields, { add, remove }, { errors }) => (
          <>
            {fields.map((field) => (
              <Card key={field.key} size="small" style={{ marginBottom: 8 }} data-testid="limit-row">
                <Space align="start" wrap>
                  <Form.Item name={[field.name, 'period']} label={t('accounts.limits.period')} rules={[{ required: true, message: t('validation.required') }]}>
                    <Select style={{ width: 150 }} data-testid={`limit-period-${field.name}`} options={limitPeriods.map((period) => ({ value: period, label: t(`accounts.limits.periods.${period}`) }))} />
                  </Form.Item>
                  <Form.Item name={[field.name, 'amount']} label={t('accounts.limits.amount')} dependencies={[['limits', field.name, 'volume']]} rules={[capRule(t, 2, 'volume', form, field.name)]}>
                    <InputNumber style={{ width: 140 }} data-testid={`limit-amount-${field.name}`} />
                  </Form.Item>
                  <Form.Item name={[field.name, 'volume']} label={t('accounts.limits.volume')} dependencies={[['limits', field.name, 'amount']]} rules={[capRule(t, 3, 'amount', form, field.name)]}>
                    <InputNumber style={{ width: 120 }} data-testid={`limit-volume-${field.name}`} />
                  </Form.Item>
                  <Form.Item name={[field.name, 'products']} label={t('accounts.limits.products')}>
                    <Select mode="tags" style={{ width: 220 }} options={products.map((product) => ({ value: product, label: product }))} />
                  </Form.Item>
                  <Form.Item label=" ">
                    <Button onClick={() => remove(field.name)} data-testid={`limit-remove-${field.name}`}>{t('accounts.limits.remove')}</Button>
                  </Form.Item>
                </Space>
              </Card>
            ))}
            <Form.ErrorList errors={errors} />
            <Button type="dashed" onClick={() => add({ period: 'day', amount: null, volume: null, products: [] })} data-testid="limit-add">{t('accounts.limits.add')}</Button>
          </>
        )}
      </Form.List>
      {problem !== undefined && <Alert type="error" title={problem} style={{ marginTop: 12 }} data-testid="limits-problem" />}
      <Button type="primary" htmlType="submit" loading={saving} style={{ marginTop: 12 }} data-testid="limits-save">{t('accounts.save')}</Button>
    </Form>
  );
}

function RestrictionsEditor({ card, products, sites, onSaved }: { card: CardRow; products: string[]; sites: { id: string; name: string }[]; onSaved: (card: CardRow) => void }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<RestrictionsInput>();
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    form.setFieldsValue({ sites: card.restrictions.sites ?? [], products: card.restrictions.products ?? [], hours: card.restrictions.hours ?? '', weekdays: card.restrictions.weekdays ?? [] });
  }, [card, form]);
  const days = t('accounts.restrictions.days', { returnObjects: true }) as string[];
  const save = async (values: RestrictionsInput): Promise<void> => {
    setProblem(undefined);
    const body: Restrictions = {};
    if (values.sites !== undefined && values.sites.length > 0) body.sites = values.sites;
    if (values.products !== undefined && values.products.length > 0) body.products = values.products;
    if (values.hours !== undefined && values.hours.trim() !== '') body.hours = values.hours.trim();
    if (values.weekdays !== undefined && values.weekdays.length > 0) body.weekdays = [...values.weekdays].sort();
    try {
      const after = await api.put<CardRow>(`/cards/${encodeURIComponent(card.id)}/restrictions`, body);
      onSaved({ ...card, status: after.status, limits: after.limits, restrictions: after.restrictions });
      void message.success(t('accounts.saved'));
    } catch (error) {
      showFieldIssues(form, error);
      setProblem(problemText(t, error));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={(values) => void save(values)} data-testid="restrictions-editor">
      <Form.Item name="sites" label={t('accounts.restrictions.sites')}>
        <Select mode="multiple" options={sites.map((site) => ({ value: site.id, label: `${site.id} — ${site.name}` }))} data-testid="restriction-sites" />
      </Form.Item>
      <Form.Item name="products" label={t('accounts.restrictions.products')}>
        <Select mode="tags" options={products.map((product) => ({ value: product, label: product }))} data-testid="restriction-products" />
      </Form.Item>
      <Form.Item name="hours" label={t('accounts.restrictions.hours')} rules={[{ pattern: /^([01][0-9]|2[0-4]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$/, message: t('accounts.restrictions.hoursInvalid') }]}>
        <Input placeholder="06:00-22:00" style={{ width: 160 }} data-testid="restriction-hours" />
      </Form.Item>
      <Form.Item name="weekdays" label={t('accounts.restrictions.weekdays')}>
        <Checkbox.Group options={days.map((day, index) => ({ value: index + 1, label: day }))} />
      </Form.Item>
      {problem !== undefined && <Alert type="error" title={problem} style={{ marginBottom: 12 }} data-testid="restrictions-problem" />}
      <Button type="primary" htmlType="submit" data-testid="restrictions-save">{t('accounts.save')}</Button>
    </Form>
  );
}

function CardDrawer({ card, onClose, onChanged }: { card: CardRow | undefined; onClose: () => void; onChanged: (card: CardRow) => void }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const [products, setProducts] = useState<string[]>([]);
  const [sites, setSites] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    if (card === undefined || !me.may('cards.write')) return;
    // The products and sites to pick from; a product group (e.g. "fuel") names every product in it.
    api.get<Page<{ code: string; group: string }>>('/products', { limit: constants.managementPageRowsMax }).then(
      (answer) => setProducts([...new Set([...answer.items.map((product) => product.group), ...answer.items.map((product) => product.code)])]),
      () => setProducts([]),
    );
    api.get<Page<{ id: string; name: string }>>('/sites', { limit: constants.managementPageRowsMax }).then((answer) => setSites(answer.items), () => setSites([]));
  }, [card, me]);
  return (
    <Drawer open={card !== undefined} onClose={onClose} size={960} title={card?.masked} data-testid="card-drawer" destroyOnHidden>
      {card !== undefined && (
        <>
          <Descriptions size="small" column={2} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('accounts.cards.status')}>
              <Space>
                <StatusTag status={card.status} />
                <BlockButton card={card} onChanged={(status) => onChanged({ ...card, status })} />
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('accounts.cards.owner')}>{card.counterparty ?? card.client ?? t('accounts.none')}</Descriptions.Item>
            <Descriptions.Item label={t('accounts.cards.expires')}>{card.expires ?? t('accounts.none')}</Descriptions.Item>
            <Descriptions.Item label={t('accounts.cards.limits')}>{limitsSummary(t, card.limits, i18n.language)}</Descriptions.Item>
            <Descriptions.Item label={t('accounts.cards.restrictions')} span={2}>{restrictionsSummary(t, card.restrictions)}</Descriptions.Item>
          </Descriptions>
          {me.may('cards.write') ? (
            <Tabs
              items={[
                { key: 'limits', label: t('accounts.limits.title'), children: <LimitsEditor card={card} products={products} onSaved={onChanged} /> },
                { key: 'restrictions', label: <span data-testid="tab-restrictions">{t('accounts.restrictions.title')}</span>, children: <RestrictionsEditor card={card} products={products} sites={sites} onSaved={onChanged} /> },
              ]}
            />
          ) : (
            <Alert type="info" title={t('accounts.cards.readOnly')} />
          )}
        </>
      )}
    </Drawer>
  );
}

export function Cards(_props: { network: string }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const [cards, setCards] = useState<CardRow[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [status, setStatus] = useState<CardRow['status'] | undefined>();
  const [end, setEnd] = useState('');
  const [open, setOpen] = useState<CardRow | undefined>();
  const [lookupForm] = Form.useForm<{ number: string }>();

  const load = useCallback(
    async (after?: string) => {
      setLoading(true);
      setProblem(undefined);
      try {
        const answer = await api.get<Page<CardRow>>('/cards', { status, masked: end.trim() === '' ? undefined : end.trim(), after });
        setCards((previous) => (after === undefined ? answer.items : [...previous, ...answer.items]));
        setNext(answer.next);
      } catch (error) {
        setProblem(problemText(t, error));
      } finally {
        setLoading(false);
      }
    },
    [status, end, t],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const changed = (card: CardRow): void => {
    setCards((previous) => previous.map((row) => (row.id === card.id ? card : row)));
    setOpen((previous) => (previous?.id === card.id ? card : previous));
  };

  const lookup = async (values: { number: string }): Promise<void> => {
    try {
      const found = await api.post<{ id: string }>('/cards/lookup', { number: values.number.trim() });
      lookupForm.resetFields();
      setOpen(await api.get<CardRow>(`/cards/${encodeURIComponent(found.id)}`));
    } catch (error) {
      if (!showFieldIssues(lookupForm, error)) void message.error(problemText(t, error));
    }
  };

  return (
    <div data-testid="cards-screen">
      <Typography.Title level={4}>{t('accounts.cards.title')}</Typography.Title>
      <Space wrap style={{ marginBottom: 12 }} align="start">
        <Select<CardRow['status'] | 'all'>
          style={{ width: 180 }}
          value={status ?? 'all'}
          onChange={(value) => setStatus(value === 'all' ? undefined : value)}
          options={[{ value: 'all', label: t('accounts.cards.allStatuses') }, { value: 'active', label: t('accounts.cards.active') }, { value: 'blocked', label: t('accounts.cards.blocked') }]}
          data-testid="cards-status"
        />
        <Input.Search allowClear placeholder={t('accounts.cards.endSearch')} style={{ width: 240 }} onSearch={(value) => setEnd(value)} data-testid="cards-end" />
        <Form form={lookupForm} layout="inline" onFinish={(values) => void lookup(values)}>
          <Form.Item name="number" rules={[{ required: true, message: t('validation.required') }, { pattern: new RegExp(`^[A-Za-z0-9_-]{${constants.cardNumberLengthMin},${constants.cardNumberLengthMax}}$`), message: t('accounts.cards.lookupInvalid') }]}>
            <Input placeholder={t('accounts.cards.lookupNumber')} autoComplete="off" style={{ width: 240 }} data-testid="lookup-number" />
          </Form.Item>
          <Button htmlType="submit" data-testid="lookup-submit">{t('accounts.cards.lookupSubmit')}</Button>
        </Form>
        <Button onClick={() => void load()}>{t('accounts.refresh')}</Button>
      </Space>
      {problem !== undefined && <Alert type="error" title={problem} style={{ marginBottom: 12 }} />}
      <CardTable cards={cards} loading={loading} onChanged={(id, changedStatus) => { const card = cards.find((row) => row.id === id); if (card !== undefined) changed({ ...card, status: changedStatus }); }} onOpen={setOpen} />
      {next !== undefined && <Button style={{ marginTop: 12 }} onClick={() => void load(next)} data-testid="cards-more">{t('accounts.more')}</Button>}
      <CardDrawer card={open} onClose={() => setOpen(undefined)} onChanged={changed} />
    </div>
  );
}
