// Streamed exports against a real uWS server on a free port: the xlsx opened back with exceljs's
// reader and the CSV parsed have every row with exact values; the row cap; a client that goes away
// stops the production (the cursor is closed and its connection given back); the file name is made
// safe; rows read through a server-side cursor on the PostgreSQL server and on PGlite.

import ExcelJS from 'exceljs';
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from '../../../engine/index.js';
import type { Principal } from '../../../engine/index.js';
import type { PostgresForTests, ReadModelDatabase } from '../../../engine/testing/index.js';
import { postgresBackendsForTests, openReadModelDatabase } from '../../../engine/testing/index.js';
import type { ExportColumn, ExportFormat } from './export.js';
import { contentDisposition, cursorRows, exportFormats, exportReply } from './export.js';
import type { Route } from './index.js';
import { mountApi, route } from './index.js';

const owner: Principal = { kind: 'apikey', id: 'key-1', network: 'n1', role: 'owner', sites: 'all' };
const key = { authorization: 'Bearer good' };

const columns: readonly ExportColumn[] = [
  { key: 'n', header: 'Number', type: 'integer' },
  { key: 'name', header: 'Name', type: 'text' },
  { key: 'amount', header: 'Amount', type: 'money' },
  { key: 'volume', header: 'Volume, l', type: 'quantity' },
  { key: 'at', header: 'At (UTC)', type: 'datetime' },
];

const start = Date.UTC(2026, 10, 23, 9, 0);

/** Row n of the generated data (the same in memory and from SQL). */
function expected(n: number): { n: number; name: string | null; amount: number; volume: number | null; at: Date } {
  return {
    n,
    name: n % 7 === 0 ? null : n % 11 === 0 ? `=cmd ${n}` : `Товар, "${n}"`,
    amount: n % 3 === 0 ? -n * 101 : n * 12_345_678_901 + 99,
    volume: n % 5 === 0 ? null : n * 1_001,
    at: new Date(start + n * 1_000),
  };
}

let produced = 0;
/** Generators the exporter returned (stopped reading) or read to the end. */
let closed = 0;
async function* generated(count: number): AsyncGenerator<Record<string, unknown>> {
  try {
    for (let n = 1; n <= count; n += 1) {
      produced = n;
      yield expected(n);
      if (n % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    closed += 1;
  }
}

function exportRoute(format: ExportFormat): Route {
  return route({
    method: 'get',
    path: `/api/v1/exports/generated.${format}`,
    summary: 'Generated rows',
    tag: 'exports',
    action: 'reports.export',
    query: z.object({ count: z.coerce.number().int().min(0), cap: z.coerce.number().int().min(1).optional(), name: z.string().default('generated') }),
    produces: [format === 'csv' ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    response: z.string(),
    handle: ({ query }) => Promise.resolve(exportReply(format, query.name, columns, () => generated(query.count), query.cap !== undefined ? { rowsMax: query.cap } : {})),
  });
}

let sqlPool: ReadModelDatabase | undefined;
const sqlColumns: readonly ExportColumn[] = [
  { key: 'n', header: 'Number', type: 'integer' },
  { key: 'amount', header: 'Amount', type: 'money' },
  { key: 'at', header: 'At', type: 'datetime' },
];
const sqlRoute = route({
  method: 'get',
  path: '/api/v1/exports/series.csv',
  summary: 'generate_series through a cursor',
  tag: 'exports',
  action: 'reports.export',
  query: z.object({ count: z.coerce.number().int().min(0) }),
  produces: ['text/csv'],
  response: z.string(),
  handle: ({ query }) => {
    const pool = sqlPool?.pool;
    if (pool === undefined) throw new Error('no pool');
    return Promise.resolve(
      exportReply('csv', 'series', sqlColumns, () =>
        cursorRows(pool, `SELECT n, n::bigint * 10000000000 AS amount, to_timestamp($2::bigint / 1000.0 + n) AS at FROM generate_series(1, $1::int) AS n ORDER BY n`, [query.count, start], 500),
      ),
    );
  },
});

let socket: us_listen_socket;
let base = '';

beforeAll(async () => {
  const app = uWS.App();
  mountApi(app, [...exportFormats.map(exportRoute), sqlRoute], { authenticators: [(request) => (request.headers['authorization'] === 'Bearer good' ? owner : undefined)] });
  socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('no port')))));
  base = `http://127.0.0.1:${uWS.us_socket_local_port(socket)}`;
});

afterAll(() => uWS.us_listen_socket_close(socket));

async function readXlsx(response: Response): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await response.arrayBuffer());
  const sheet = workbook.worksheets[0];
  if (sheet === undefined) throw new Error('no worksheet');
  return sheet;
}

/** RFC 4180 records (quoted fields with doubled quotes, CRLF or LF line ends); the BOM first. */
async function csvRecords(response: Response): Promise<string[][]> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 1; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else {
      field += char;
    }
  }
  expect(field).toBe('');
  expect(record).toEqual([]);
  return records;
}

describe('streamed exports', () => {
  it('writes xlsx that exceljs reads back with every row and exact values', async () => {
    const count = 12_345;
    const response = await fetch(`${base}/api/v1/exports/generated.xlsx?count=${count}&name=${encodeURIComponent('Отчёт "май"/../x')}`, { headers: key });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="x.xlsx"; filename*=UTF-8''x.xlsx`);
    const sheet = await readXlsx(response);
    expect(sheet.rowCount).toBe(count + 1);
    expect(sheet.getRow(1).values).toEqual([undefined, 'Number', 'Name', 'Amount', 'Volume, l', 'At (UTC)']);
    for (let n = 1; n <= count; n += 1) {
      const row = sheet.getRow(n + 1);
      const want = expected(n);
      expect(row.getCell(1).value).toBe(n);
      expect(row.getCell(2).value).toBe(want.name);
      const amount = row.getCell(3).value as number;
      // The cell is minor ÷ 100; back to minor units it is the same integer.
      expect(Math.round(amount * 100)).toBe(want.amount);
      expect(String(amount)).toBe((want.amount / 100).toString());
      const volume = row.getCell(4).value;
      expect(volume === null ? null : Math.round((volume as number) * 1_000)).toBe(want.volume);
      expect((row.getCell(5).value as Date).getTime()).toBe(want.at.getTime());
    }
    expect(sheet.getRow(2).getCell(3).numFmt).toBe('0.00');
    expect(sheet.getRow(2).getCell(4).numFmt).toBe('0.000');
    expect(sheet.getRow(2).getCell(5).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
  });

  it('writes CSV (BOM, header, quoting, integers in minor units, ISO instants, formulas defused)', async () => {
    const count = 5_432;
    const response = await fetch(`${base}/api/v1/exports/generated.csv?count=${count}`, { headers: key });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="generated.csv"; filename*=UTF-8''generated.csv`);
    const records = await csvRecords(response);
    expect(records).toHaveLength(count + 1);
    expect(records[0]).toEqual(['Number', 'Name', 'Amount', 'Volume, l', 'At (UTC)']);
    for (let n = 1; n <= count; n += 1) {
      const want = expected(n);
      const name = want.name === null ? '' : want.name.startsWith('=') ? `'${want.name}` : want.name;
      expect(records[n]).toEqual([String(n), name, String(want.amount), want.volume === null ? '' : String(want.volume), want.at.toISOString()]);
    }
  });

  it.each(exportFormats)('stops at the row cap (%s)', async (format) => {
    const response = await fetch(`${base}/api/v1/exports/generated.${format}?count=3000&cap=1000`, { headers: key });
    expect(response.status).toBe(200);
    if (format === 'csv') expect(await csvRecords(response)).toHaveLength(1_001);
    else expect((await readXlsx(response)).rowCount).toBe(1_001);
    expect(produced).toBeLessThanOrEqual(1_001);
  });

  it.each(exportFormats)('stops producing when the client goes away (%s)', async (format) => {
    const count = 2_000_000;
    const controller = new AbortController();
    const response = await fetch(`${base}/api/v1/exports/generated.${format}?count=${count}`, { headers: key, signal: controller.signal });
    const closedBefore = closed;
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    // The producer notices the abort at its next write and stops reading rows; the server keeps serving.
    await vi.waitFor(() => expect(closed).toBe(closedBefore + 1), { timeout: 20_000, interval: 50 });
    expect(produced).toBeLessThan(count);
    expect((await fetch(`${base}/api/v1/exports/generated.csv?count=1`, { headers: key })).status).toBe(200);
  });

  it('makes a safe file name', () => {
    expect(contentDisposition('sales 2026-11.xlsx', 'xlsx')).toBe(`attachment; filename="sales_2026-11.xlsx"; filename*=UTF-8''sales_2026-11.xlsx`);
    expect(contentDisposition('..\\..\r\n"evil', 'csv')).toBe(`attachment; filename="evil.csv"; filename*=UTF-8''evil.csv`);
    expect(contentDisposition('', 'csv')).toBe(`attachment; filename="export.csv"; filename*=UTF-8''export.csv`);
    expect(contentDisposition('x'.repeat(500), 'csv')).toHaveLength(`attachment; filename=""; filename*=UTF-8''`.length + 2 * 100);
  });
});

const { backends, stopServer } = await postgresBackendsForTests();
afterAll(stopServer);

describe.each(backends)('rows through a server-side cursor on $name', ({ start: startPostgres }) => {
  let postgres: PostgresForTests;

  beforeAll(async () => {
    postgres = await startPostgres();
    sqlPool = openReadModelDatabase({ databaseUrl: postgres.url, embeddedDataDir: '', connectionsMax: 1 });
  });
  afterAll(async () => {
    await sqlPool?.close();
    await postgres.stop();
  });

  it('reads every row in batches (int8 exact, timestamptz as dates)', async () => {
    const pool = sqlPool?.pool;
    if (pool === undefined) throw new Error('no pool');
    const seen: Record<string, unknown>[] = [];
    for await (const row of cursorRows(pool, 'SELECT n, n::bigint * 10000000000 AS amount FROM generate_series(1, $1::int) AS n ORDER BY n', [2_500], 400)) seen.push(row);
    expect(seen).toHaveLength(2_500);
    expect(seen[2_499]).toEqual({ n: 2_500, amount: 25_000_000_000_000 });
    // The one connection is back in the pool.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('gives the connection back when the reader stops early', async () => {
    const pool = sqlPool?.pool;
    if (pool === undefined) throw new Error('no pool');
    let taken = 0;
    for await (const _row of cursorRows(pool, 'SELECT n FROM generate_series(1, 1000000) AS n', [], 100)) {
      taken += 1;
      if (taken === 250) break;
    }
    expect(taken).toBe(250);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('streams a query as CSV through the API', async () => {
    const response = await fetch(`${base}/api/v1/exports/series.csv?count=3210`, { headers: key });
    expect(response.status).toBe(200);
    const records = await csvRecords(response);
    expect(records).toHaveLength(3_211);
    expect(records[1]).toEqual(['1', '10000000000', new Date(start + 1_000).toISOString()]);
    expect(records[3_210]).toEqual(['3210', '32100000000000', new Date(start + 3_210_000).toISOString()]);
  });
});
