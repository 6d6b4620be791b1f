// The dashboard's build: a single-page app in dashboard/dist, served by the engine's uWebSockets.js
// gateway at `/` (gateways/http/static.ts). In development (`npm run dashboard:dev`) Vite proxies the
// API and the streams to an engine on 127.0.0.1:8080.

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export const config = defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2_000 },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});

// Vite discovers its configuration through the default export of this file.
// eslint-disable-next-line import-x/no-default-export
export default config;
