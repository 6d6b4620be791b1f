// The alerts stream as a signal: `onChange` runs (at most once per `delayMs`, as alert frames come in
// bursts) whenever an alert is raised, acknowledged, resolved or delivered, or the stream was reset
// (too far behind to replay). For screens that read the alert book again rather than apply events.

import { useCallback, useEffect, useRef } from 'react';
import type { Frame, StreamState } from '../stream';
import { useStream } from './useStream';

export function useAlertChanges(network: string, delayMs: number, onChange: () => void): StreamState {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => () => clearTimeout(timer.current), []);
  const onFrame = useCallback(
    (frame: Frame) => {
      if ((frame.type !== 'alerts' && frame.type !== 'reset') || timer.current !== undefined) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        changed.current();
      }, delayMs);
    },
    [delayMs],
  );
  return useStream(network, ['alerts'], onFrame);
}
