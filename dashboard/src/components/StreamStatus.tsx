import { Badge } from 'antd';
import { useTranslation } from 'react-i18next';
import type { StreamState } from '../stream';

/** A dot and a word: is this screen live? */
export function StreamStatus({ state }: { state: StreamState }) {
  const { t } = useTranslation();
  const status = state === 'live' ? 'success' : state === 'connecting' ? 'processing' : 'error';
  return <Badge status={status} text={t(`app.${state === 'live' ? 'live' : state}`)} data-testid="stream-status" data-state={state} />;
}
