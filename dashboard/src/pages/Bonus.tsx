// The bonus programme (`/bonus`): the base earning rate, the products that earn points, whether points
// may pay for a purchase, the rates of their own for some products and the spend tiers. A person with
// `network.configure` (the right PUT /bonus asks for: owner and administrator) edits the base rate, the
// products and the payment with points in a drawer (percents typed, basis points sent, checked before
// sending); the product rates and tiers are kept as they are. Reads GET /bonus and /products.

import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Drawer, Empty, Form, InputNumber, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../http';
import { problemText, showFieldIssues } from '../problems';
import { money } from '../format';
import { useMe } from '../session';
import type { ScreenProps } from '../screens';
import { productChoices, refreshUntil } from '../components/catalog';
import type { Product } from '../components/catalog';

interface Program {
  rate: number;
  products?: string[];
  redeem: boolean;
  rates?: { products: string[]; rate: number }[];
  tiers?: { spend: number; rate: number }[];
  tierPeriod?: 'day' | 'week' | 'month';
}

interface BonusForm {
  rate: number;
  products?: string[];
  redeem: boolean;
}

export function Bonus(_props: ScreenProps) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const me = useMe();
  const writes = me.may('network.configure');
  const [program, setProgram] = useState<Program | null>();
  const [products, setProducts] = useState<Product[]>([]);
  const [failure, setFailure] = useState<string>();
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<BonusForm>();

  const load = useCallback(async (): Promise<Program | null> => {
    const answer = await api.get<{ bonus: Program | null }>('/bonus');
    setProgram(answer.bonus);
    return answer.bonus;
  }, []);

  useEffect(() => {
    Promise.all([load(), api.get<{ items: Product[] }>('/products', { limit: 1000 }).then((answer) => setProducts(answer.items))]).catch((error: unknown) => setFailure(problemText(t, error)));
  }, [load, t]);

  const percent = (basisPoints: number): string => `${(basisPoints / 100).toLocaleString(i18n.language)} %`;
  const tags = (values: string[] | undefined) => (values === undefined ? <Tag>{t('promo.everyProduct')}</Tag> : values.map((value) => <Tag key={value} color="blue">{value}</Tag>));

  const open = (): void => {
    form.resetFields();
    form.setFieldsValue(program === null || program === undefined ? { rate: 1, redeem: false, products: [] } : { rate: program.rate / 100, redeem: program.redeem, products: program.products ?? [] });
    setEditing(true);
  };

  const save = async (values: BonusForm): Promise<void> => {
    const rate = Math.round(values.rate * 100);
    const body: Program = { ...(program ?? {}), rate, redeem: values.redeem };
    if (values.products !== undefined && values.products.length > 0) body.products = values.products;
    else delete body.products;
    setSaving(true);
    try {
      await api.put('/bonus', body);
      message.success(t('promo.bonusSaved'));
      setEditing(false);
      await refreshUntil(load, (answer) => answer?.rate === rate && answer.redeem === values.redeem);
    } catch (error) {
      showFieldIssues(form, error);
      message.error(problemText(t, error));
    } finally {
      setSaving(false);
    }
  };

  const productOptions = productChoices(t, products);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('menu.bonus')}
        </Typography.Title>
        {writes && program !== undefined && (
          <Button type="primary" onClick={open} data-testid="bonus-edit">
            {t('catalog.common.edit')}
          </Button>
        )}
      </Space>
      {!writes && <Alert type="info" showIcon title={t('promo.bonusReadOnly')} data-testid="read-only" />}
      {failure !== undefined && <Alert type="error" showIcon title={failure} />}
      {program === null && <Empty description={t('promo.noProgram')} />}
      {program !== null && program !== undefined && (
        <Card data-testid="bonus-program">
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('promo.rate')}>
              <span data-testid="bonus-rate">{percent(program.rate)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('promo.earnOn')}>{tags(program.products)}</Descriptions.Item>
            <Descriptions.Item label={t('promo.redeem')}>
              <span data-testid="bonus-redeem">{program.redeem ? t('promo.redeemYes') : t('promo.redeemNo')}</span>
            </Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5}>{t('promo.rates')}</Typography.Title>
          <Table
            size="small"
            pagination={false}
            rowKey={(row) => row.products.join(',')}
            dataSource={program.rates ?? []}
            columns={[
              { title: t('promo.products'), key: 'products', render: (_, row) => tags(row.products) },
              { title: t('promo.rate'), key: 'rate', align: 'right', render: (_, row) => percent(row.rate) },
            ]}
            data-testid="bonus-rates"
          />
          <Typography.Title level={5}>{program.tierPeriod === undefined ? t('promo.tiers') : t('promo.tiersIn', { period: t(`promo.periods.${program.tierPeriod}`) })}</Typography.Title>
          <Table
            size="small"
            pagination={false}
            rowKey="spend"
            dataSource={program.tiers ?? []}
            columns={[
              { title: t('promo.spend'), key: 'spend', align: 'right', render: (_, row) => t('promo.spendFrom', { amount: money(row.spend, i18n.language) }) },
              { title: t('promo.rate'), key: 'rate', align: 'right', render: (_, row) => percent(row.rate) },
            ]}
            data-testid="bonus-tiers"
          />
        </Card>
      )}
      <Drawer open={editing} onClose={() => setEditing(false)} size={420} title={t('promo.bonusEdit')} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void save(values)}>
          <Form.Item name="rate" label={t('promo.ratePercent')} rules={[{ required: true, message: t('validation.required') }, { type: 'number', min: 0, max: 100, message: t('promo.rateInvalid') }]}>
            <InputNumber style={{ width: '100%' }} step={0.5} precision={2} data-testid="bonus-rate-input" />
          </Form.Item>
          <Form.Item name="products" label={t('promo.earnOn')} extra={t('promo.productsHint')}>
            <Select mode="multiple" options={productOptions} optionFilterProp="label" />
          </Form.Item>
          <Form.Item name="redeem" label={t('promo.redeem')} valuePropName="checked">
            <Switch data-testid="bonus-redeem-input" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={saving} data-testid="bonus-save">
            {t('catalog.common.save')}
          </Button>
        </Form>
      </Drawer>
    </Space>
  );
}
