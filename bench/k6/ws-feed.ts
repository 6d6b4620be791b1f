// k6: live viewers of the feed. Each VU opens one WebSocket to `/ws`, subscribes to the feed (the
// protocol of gateways/http/streams.ts: the server says `hello`, the client sends
// `{ "type": "subscribe", "streams": ["feed"] }` once, feed frames follow, each with its `items`),
// holds it for SESSION_SECONDS and counts the frames and items it receives.
//
//   k6 run -e TESSERA_URL=http://127.0.0.1:8080 -e TESSERA_NETWORK=demo -e VIEWERS=200 bench/k6/ws-feed.ts
//
// The upgrade is authenticated as the server does it (docs/security.md): TESSERA_API_KEY as
// `Authorization: Bearer …` (a key whose role may watch the dashboard), or TESSERA_SESSION as the
// session cookie (`tessera_session=…`); with neither, only a server started with
// `--dev-open-streams` lets this machine in, by `?network=TESSERA_NETWORK`. Thresholds: ≥ 99 % of
// the sockets upgrade (101) and are subscribed, feed frames arrive, no error frames.

import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import ws from 'k6/ws';

const base = (__ENV['TESSERA_URL'] ?? 'http://127.0.0.1:8080').replace(/^http/, 'ws');
const network = __ENV['TESSERA_NETWORK'] ?? 'demo';
const apiKey = __ENV['TESSERA_API_KEY'];
const session = __ENV['TESSERA_SESSION'];
const viewers = Number(__ENV['VIEWERS'] ?? '50');
const sessionSeconds = Number(__ENV['SESSION_SECONDS'] ?? '60');

const connected = new Rate('feed_connected');
const subscribed = new Rate('feed_subscribed');
const frames = new Counter('feed_frames');
const items = new Counter('feed_items');
const errorFrames = new Counter('feed_error_frames');
const firstFrameMs = new Trend('feed_first_frame_ms', true);

export const options: Options = {
  scenarios: {
    viewers: { executor: 'per-vu-iterations', exec: 'viewer', vus: viewers, iterations: 1, maxDuration: `${sessionSeconds + 30}s` },
  },
  thresholds: {
    feed_connected: ['rate>0.99'],
    feed_subscribed: ['rate>0.99'],
    feed_frames: ['count>0'],
    feed_error_frames: ['count==0'],
  },
};

interface Frame {
  type?: string;
  items?: unknown[];
}

export function viewer(): void {
  const url = `${base}/ws?network=${encodeURIComponent(network)}`;
  const headers: Record<string, string> = {};
  if (apiKey !== undefined && apiKey !== '') headers['Authorization'] = `Bearer ${apiKey}`;
  if (session !== undefined && session !== '') headers['Cookie'] = `tessera_session=${session}`;
  const params = Object.keys(headers).length > 0 ? { headers } : null;
  const opened = Date.now();
  let hello = false;
  let first = true;
  const response = ws.connect(url, params, (socket) => {
    socket.on('message', (data: string) => {
      let frame: Frame;
      try {
        frame = JSON.parse(data) as Frame;
      } catch {
        errorFrames.add(1);
        return;
      }
      if (frame.type === 'hello' && !hello) {
        hello = true;
        socket.send(JSON.stringify({ type: 'subscribe', streams: ['feed'] }));
        return;
      }
      if (frame.type === 'error') errorFrames.add(1);
      if (frame.type !== 'feed') return;
      if (first) {
        first = false;
        firstFrameMs.add(Date.now() - opened);
      }
      frames.add(1);
      items.add(frame.items?.length ?? 0);
    });
    socket.setTimeout(() => socket.close(), sessionSeconds * 1000);
  });
  const upgraded = check(response, { 'socket upgraded (101)': (r) => r.status === 101 });
  connected.add(upgraded);
  subscribed.add(hello);
}
