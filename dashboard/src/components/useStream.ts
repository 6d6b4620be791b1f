// A React hook over the stream client: the connection state, and frames handed to a handler that the
// caller batches into its own state.

import { useEffect, useRef, useState } from 'react';
import type { Frame, StreamName, StreamState } from '../stream';
import { openStream } from '../stream';

export function useStream(network: string, streams: readonly StreamName[], onFrame: (frame: Frame) => void): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handler = useRef(onFrame);
  handler.current = onFrame;
  const key = streams.join(',');
  useEffect(() => {
    const client = openStream({ network, streams: key.split(',') as StreamName[], onFrame: (frame) => handler.current(frame), onState: setState });
    return () => client.close();
  }, [network, key]);
  return state;
}
