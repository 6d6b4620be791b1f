// A TCP proxy for fault tests: clients connect to 127.0.0.1:<port> and are piped to a target (a TCP
// address or a Unix socket). `block()` cuts every open connection and refuses new ones until
// `unblock()` — PostgreSQL "going away" without touching the server.

import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

export type ProxyTarget = { host: string; port: number } | { path: string };

export interface TcpProxy {
  readonly port: number;
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: ProxyTarget): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let blocked = false;
  const server: Server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    block: () => {
      blocked = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    unblock: () => {
      blocked = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
