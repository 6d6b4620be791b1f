// The attendant's screen, phone-sized: the board of open sessions at the wash with live timers and
// the running cost, starting a session for a client identified by plate, QR code (camera) or NFC tag
// (where the browser has Web NFC), stopping it with a comment, and topping up a balance. It acts for
// its wash terminal as the signed-in person (dashboard/src/api.ts); the board comes live from the
// `sessions` stream.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App as AntApp, Button, Card, Form, Input, InputNumber, List, Modal, Radio, Segmented, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { BoardSession, Frame } from '../stream';
import { useStream } from '../components/useStream';
import { StreamStatus } from '../components/StreamStatus';
import { terminalRequest } from '../api';
import { problemText } from '../problems';
import { elapsed, money } from '../format';

interface Tariff {
  code: string;
  name: string;
  perMinute: number;
  perMinuteMember?: number;
  minimumMinutes: number;
}

type Identifier = 'plate' | 'qr' | 'nfc';

/** Plates as the engine reads them: letters and digits, Cyrillic look-alikes as Latin, 2–12 of them. */
const lookAlikes: Record<string, string> = { А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X' };
// Unregistered plates are clients named `guest-<PLATE>` (engine/actors/routing.ts).
const guestPrefix = 'guest-';

export function normalPlate(plate: string): string {
  return [...plate.toUpperCase()].filter((char) => char !== ' ' && char !== '-').map((char) => lookAlikes[char] ?? char).join('');
}
const platePattern = /^[A-Z0-9]{2,12}$/;

export function Attendant({ network }: { network: string }) {
  const { t, i18n } = useTranslation();
  const { message } = AntApp.useApp();
  const [terminal, setTerminal] = useState(() => localStorage.getItem('tessera.kiosk') ?? 'WASH-01-K1');
  const [site, setSite] = useState<string | undefined>();
  const [tariffs, setTariffs] = useState<Tariff[]>([]);
  const [sessions, setSessions] = useState<BoardSession[]>([]);
  const [now, setNow] = useState(Date.now());
  const [problem, setProblem] = useState<string | undefined>();
  const [stopping, setStopping] = useState<BoardSession | undefined>();
  const siteRef = useRef(site);
  siteRef.current = site;

  const describe = useCallback((error: unknown): string => problemText(t, error), [t]);

  // The kiosk's site and tariffs, and the board as it is now.
  useEffect(() => {
    localStorage.setItem('tessera.kiosk', terminal);
    setProblem(undefined);
    terminalRequest(terminal, 'sessions', {}).then(
      (reply) => {
        setSite(String(reply['site']));
        setTariffs(reply['tariffs'] as Tariff[]);
        setSessions(reply['sessions'] as BoardSession[]);
      },
      (error: unknown) => setProblem(describe(error)),
    );
  }, [terminal, describe]);

  const onFrame = useCallback((frame: Frame) => {
    if (frame.type === 'sessions' && frame.site === siteRef.current) setSessions(frame.sessions);
  }, []);
  const state = useStream(network, ['sessions'], onFrame);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);

  const language = i18n.language;
  const tariffOptions = useMemo(() => tariffs.map((tariff) => ({ value: tariff.code, label: t('attendant.tariffLabel', { name: tariff.name, rate: money(tariff.perMinute, language), member: tariff.perMinuteMember !== undefined ? t('attendant.memberRate', { rate: money(tariff.perMinuteMember, language) }) : '' }) })), [tariffs, language, t]);

  const start = async (values: { identifier: Identifier; value: string; tariff: string; comment?: string }): Promise<void> => {
    const client = values.identifier === 'plate' ? { plate: values.value } : values.identifier === 'qr' ? { qr: values.value } : { nfc: values.value };
    try {
      const reply = await terminalRequest(terminal, 'session.start', { client, tariff: values.tariff, ...(values.comment ? { comment: values.comment } : {}) });
      void message.success(`${t('attendant.started')}: ${String((reply['client'] as { name?: string } | undefined)?.name ?? '')}`);
    } catch (error) {
      void message.error(describe(error));
    }
  };

  const stop = async (session: BoardSession, comment: string): Promise<void> => {
    try {
      const reply = await terminalRequest(terminal, 'session.stop', { sessionId: session.sessionId, ...(comment ? { comment } : {}) });
      void message.success(t('attendant.stopped', { minutes: reply['minutes'], amount: money(Number(reply['amount']), language) }));
      const balance = Number(reply['balance']);
      if (balance < 0) void message.warning(t('attendant.balanceNegative', { balance: money(balance, language) }), 8);
      setStopping(undefined);
    } catch (error) {
      void message.error(describe(error));
    }
  };

  const topup = async (values: { plate: string; amount: number; method: 'cash' | 'bank_card' }): Promise<void> => {
    try {
      const reply = await terminalRequest(terminal, 'topup', { client: { plate: values.plate }, amount: Math.round(values.amount * 100), method: values.method });
      void message.success(t('attendant.toppedUp', { balance: money(Number(reply['balance']), language) }));
    } catch (error) {
      void message.error(describe(error));
    }
  };

  return (
    <div style={{ maxWidth: 480, margin: '0 auto' }} data-testid="attendant">
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Text>{t('attendant.terminal')}:</Typography.Text>
        <Input value={terminal} onChange={(event) => setTerminal(event.target.value.trim())} style={{ width: 160 }} data-testid="kiosk" />
        <StreamStatus state={state} />
      </Space>
      {problem !== undefined && <Alert type="error" message={problem} style={{ marginBottom: 12 }} />}

      <Card title={`${t('attendant.board')}${site !== undefined ? ` · ${site}` : ''}`} size="small" style={{ marginBottom: 12 }}>
        <List
          dataSource={sessions}
          locale={{ emptyText: t('attendant.noSessions') }}
          renderItem={(session) => {
            const minutes = Math.max(session.minimumMinutes, Math.ceil(Math.max(0, now - session.startedAt) / 60_000));
            return (
              <List.Item data-testid="board-row" data-session={session.sessionId} actions={[<Button key="stop" danger onClick={() => setStopping(session)} data-testid="stop">{t('attendant.stop')}</Button>]}>
                <List.Item.Meta
                  title={
                    <Space wrap size={[8, 0]}>
                      <span style={{ fontFamily: 'monospace' }}>{session.plate ?? ''}</span>
                      <span>{session.name}</span>
                      {session.member && <Tag color="gold">{t('attendant.member')}</Tag>}
                      {session.client.startsWith(guestPrefix) && <Tag>{t('attendant.guest')}</Tag>}
                    </Space>
                  }
                  description={
                    <Space wrap>
                      <span>{session.tariffName}</span>
                      <span data-testid="elapsed">{t('attendant.elapsed')}: {elapsed(now - session.startedAt)}</span>
                      <span data-testid="cost">{t('attendant.cost')}: {money(minutes * session.rate, language)}</span>
                    </Space>
                  }
                />
              </List.Item>
            );
          }}
        />
      </Card>

      <Card title={t('attendant.start')} size="small" style={{ marginBottom: 12 }}>
        <StartForm tariffs={tariffOptions} onStart={start} />
      </Card>

      <Card title={t('attendant.topup')} size="small">
        <Form layout="vertical" onFinish={(values: { plate: string; amount: number; method: 'cash' | 'bank_card' }) => void topup({ ...values, plate: normalPlate(values.plate) })} initialValues={{ method: 'cash' }}>
          <Form.Item name="plate" label={t('attendant.plate')} rules={[{ required: true, message: t('validation.required') }, { validator: (_rule, value: string | undefined) => (value === undefined || platePattern.test(normalPlate(value)) ? Promise.resolve() : Promise.reject(new Error(t('validation.plate')))) }]}>
            <Input data-testid="topup-plate" autoComplete="off" />
          </Form.Item>
          <Form.Item name="amount" label={t('attendant.amount')} rules={[{ required: true, message: t('validation.required') }, { validator: (_rule, value: number | undefined) => (value === undefined || (value > 0 && Math.round(value * 100) === value * 100) ? Promise.resolve() : Promise.reject(new Error(t('validation.amount')))) }]}>
            <InputNumber min={0.01} step={100} style={{ width: '100%' }} data-testid="topup-amount" />
          </Form.Item>
          <Form.Item name="method" label={t('attendant.method')}>
            <Radio.Group options={[{ value: 'cash', label: t('attendant.cash') }, { value: 'bank_card', label: t('attendant.bankCard') }]} />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="topup-submit">{t('attendant.topup')}</Button>
        </Form>
      </Card>

      <StopDialog session={stopping} onCancel={() => setStopping(undefined)} onStop={(session, comment) => void stop(session, comment)} />
    </div>
  );
}

function StartForm({ tariffs, onStart }: { tariffs: { value: string; label: string }[]; onStart: (values: { identifier: Identifier; value: string; tariff: string; comment?: string }) => Promise<void> }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ identifier: Identifier; value: string; tariff: string; comment?: string }>();
  const identifier = Form.useWatch('identifier', form) ?? 'plate';
  const [scanning, setScanning] = useState(false);
  const nfcAvailable = typeof window !== 'undefined' && 'NDEFReader' in window;

  const readNfc = async (): Promise<void> => {
    const Reader = (window as unknown as { NDEFReader?: new () => { scan(): Promise<void>; onreading: ((event: { serialNumber: string }) => void) | null } }).NDEFReader;
    if (Reader === undefined) return;
    const reader = new Reader();
    await reader.scan();
    reader.onreading = (event) => form.setFieldValue('value', event.serialNumber);
  };

  return (
    <Form form={form} layout="vertical" initialValues={{ identifier: 'plate' }} onFinish={(values) => void onStart({ ...values, value: values.identifier === 'plate' ? normalPlate(values.value) : values.value.trim() }).then(() => form.resetFields(['value', 'comment']))}>
      <Form.Item name="identifier" label={t('attendant.identify')}>
        <Segmented options={[{ value: 'plate', label: t('attendant.plate') }, { value: 'qr', label: t('attendant.qr') }, { value: 'nfc', label: t('attendant.nfc') }]} data-testid="identifier" />
      </Form.Item>
      <Form.Item
        name="value"
        rules={[
          { required: true, message: t('validation.required') },
          { validator: (_rule, value: string | undefined) => (identifier !== 'plate' || value === undefined || platePattern.test(normalPlate(value)) ? Promise.resolve() : Promise.reject(new Error(t('validation.plate')))) },
        ]}
      >
        <Input data-testid="client-value" autoComplete="off" maxLength={64} />
      </Form.Item>
      {identifier === 'qr' && (
        <Button onClick={() => setScanning(true)} style={{ marginBottom: 12 }} data-testid="scan-qr">{t('attendant.scanQr')}</Button>
      )}
      {identifier === 'nfc' && (nfcAvailable ? <Button onClick={() => void readNfc()} style={{ marginBottom: 12 }}>{t('attendant.readNfc')}</Button> : <Typography.Paragraph type="secondary">{t('attendant.noNfc')}</Typography.Paragraph>)}
      <Form.Item name="tariff" label={t('attendant.tariff')} rules={[{ required: true, message: t('validation.required') }]}>
        <Select options={tariffs} data-testid="tariff" />
      </Form.Item>
      <Form.Item name="comment" label={t('attendant.comment')}>
        <Input.TextArea maxLength={1_000} rows={2} />
      </Form.Item>
      <Button type="primary" htmlType="submit" block data-testid="start">{t('attendant.start')}</Button>
      {scanning && <QrScanner onCode={(code) => { form.setFieldValue('value', code); setScanning(false); }} onClose={() => setScanning(false)} />}
    </Form>
  );
}

/** The camera, reading a QR code (ZXing). */
function QrScanner({ onCode, onClose }: { onCode: (code: string) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let controls: { stop(): void } | undefined;
    let cancelled = false;
    void import('@zxing/browser').then(async ({ BrowserQRCodeReader }) => {
      if (cancelled || video.current === null) return;
      try {
        controls = await new BrowserQRCodeReader().decodeFromVideoDevice(undefined, video.current, (result) => {
          if (result !== undefined) onCode(result.getText());
        });
      } catch {
        setFailed(true);
      }
    });
    return () => {
      cancelled = true;
      controls?.stop();
    };
  }, [onCode]);
  return (
    <Modal open onCancel={onClose} footer={null} title={t('attendant.scanQr')}>
      {failed ? <Alert type="warning" message={t('attendant.noCamera')} /> : <video ref={video} style={{ width: '100%' }} muted playsInline />}
    </Modal>
  );
}

function StopDialog({ session, onCancel, onStop }: { session: BoardSession | undefined; onCancel: () => void; onStop: (session: BoardSession, comment: string) => void }) {
  const { t } = useTranslation();
  const [comment, setComment] = useState('');
  useEffect(() => setComment(''), [session?.sessionId]);
  return (
    <Modal open={session !== undefined} title={`${t('attendant.stop')} · ${session?.plate ?? ''}`} onCancel={onCancel} onOk={() => session && onStop(session, comment.trim())} okText={t('attendant.stop')} okButtonProps={{ danger: true, ...({ 'data-testid': 'confirm-stop' } as object) }}>
      <Input.TextArea value={comment} onChange={(event) => setComment(event.target.value)} maxLength={1_000} rows={3} placeholder={t('attendant.comment')} data-testid="stop-comment" />
    </Modal>
  );
}
