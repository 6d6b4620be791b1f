// Streamed exports: the rows of a query written as xlsx or CSV while they are read, so that a million
// rows never sit in memory. Rows come from PostgreSQL through a server-side cursor (`cursorRows`,
// pg-cursor) a batch at a time; CSV is made by csv-stringify a batch at a time and written to the
// response with backpressure; xlsx by exceljs's streaming WorkbookWriter, whose output stream feeds
// the response (a write completes when the socket took it) and which is given a new batch only once
// what it made of the last one has gone out. Production stops when the client goes away and at the
// row cap (an xlsx worksheet holds 1,048,576 rows).
//
// Cell values (docs/decisions/0014): money is in minor units — in CSV the integer itself, in xlsx a
// number (minor ÷ 100) formatted `0.00`, exact for every amount of up to 15 digits; quantities
// (millilitres, thousandths of a piece) likewise ÷ 1,000 formatted `0.000` in xlsx; datetimes are UTC,
// ISO 8601 in CSV and an Excel date formatted `yyyy-mm-dd hh:mm:ss` in xlsx. CSV starts with a UTF-8
// byte order mark (Excel reads it as UTF-8 then) and a text cell that would start a formula in a
// spreadsheet (`=`, `+`, `-`, `@`, tab, carriage return) is prefixed with `'`.

import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { constants } from '../../../engine/index.js';
import type { ApiReply, ResponseSink } from './router.js';

export const exportFormats = ['xlsx', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const exportColumnTypes = ['text', 'integer', 'money', 'quantity', 'datetime'] as const;
export type ExportColumnType = (typeof exportColumnTypes)[number];

export interface ExportColumn {
  /** The row's property. */
  key: string;
  /** The column's title (the first row). */
  header: string;
  type: ExportColumnType;
}

const contentTypes: Record<ExportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

/** The row cap of a format. */
export function exportRowsMax(format: ExportFormat): number {
  return format === 'xlsx' ? constants.exportXlsxRowsMax : constants.exportCsvRowsMax;
}

/**
 * A streamed answer: `rows` is called once the answer starts and read until it ends, the cap, or the
 * client goes away (its iterator is then returned, which closes a cursor).
 */
export function exportReply(format: ExportFormat, filename: string, columns: readonly ExportColumn[], rows: () => AsyncIterable<Record<string, unknown>>, options: { rowsMax?: number } = {}): ApiReply<string> {
  const cap = Math.min(options.rowsMax ?? Infinity, exportRowsMax(format));
  return {
    headers: {
      'Content-Type': contentTypes[format],
      'Content-Disposition': contentDisposition(filename, format),
      'X-Export-Rows-Max': String(cap),
    },
    stream: (sink) => (format === 'csv' ? writeCsv(sink, columns, rows, cap) : writeXlsx(sink, columns, rows, cap)),
  };
}

/** `attachment` with a name made of safe characters only (and its extension); the UTF-8 form too. */
export function contentDisposition(filename: string, format: ExportFormat): string {
  const extension = `.${format}`;
  const base = filename.endsWith(extension) ? filename.slice(0, -extension.length) : filename;
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, constants.exportFilenameLengthMax - extension.length) || 'export';
  return `attachment; filename="${safe}${extension}"; filename*=UTF-8''${encodeURIComponent(safe + extension)}`;
}

async function writeCsv(sink: ResponseSink, columns: readonly ExportColumn[], rows: () => AsyncIterable<Record<string, unknown>>, cap: number): Promise<void> {
  await sink.write(stringify([columns.map((column) => column.header)], { bom: true }));
  let batch: string[][] = [];
  let count = 0;
  for await (const row of rows()) {
    if (sink.aborted || count >= cap) break;
    batch.push(columns.map((column) => csvCell(column.type, row[column.key])));
    count += 1;
    if (batch.length >= constants.exportBatchRows) {
      await sink.write(stringify(batch));
      batch = [];
    }
  }
  if (batch.length > 0 && !sink.aborted) await sink.write(stringify(batch));
}

const formulaStart = /^[=+\-@\t\r]/;

function csvCell(type: ExportColumnType, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (type) {
    case 'text': {
      const text = textOf(value);
      return formulaStart.test(text) ? `'${text}` : text;
    }
    case 'integer':
    case 'money':
    case 'quantity':
      return textOf(value);
    case 'datetime':
      return dateOf(value).toISOString();
  }
}

/** A scalar as text; anything else (an object from a jsonb column) as JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? '';
}

function dateOf(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'number' ? value : textOf(value));
}

const numberFormats: Record<ExportColumnType, string> = {
  text: '@',
  integer: '0',
  money: '0.00',
  quantity: '0.000',
  datetime: 'yyyy-mm-dd hh:mm:ss',
};

function xlsxCell(type: ExportColumnType, value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'text':
      return textOf(value);
    case 'integer':
      return Number(value);
    case 'money':
      return Number(value) / 100;
    case 'quantity':
      return Number(value) / 1_000;
    case 'datetime':
      return dateOf(value);
  }
}

/** The workbook's output: each chunk goes to the sink; a write completes when the socket took it. */
class SinkStream extends Writable {
  /** Bytes taken so far (how the exporter sees that exceljs is still producing). */
  taken = 0;
  private idleWaiters: (() => void)[] = [];
  private writing = false;

  constructor(private readonly sink: ResponseSink) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.taken += chunk.byteLength;
    this.writing = true;
    this.sink.write(chunk).then(
      () => {
        this.writing = false;
        for (const resolve of this.idleWaiters.splice(0)) resolve();
        callback();
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Resolves once no write is waiting for the socket. */
  idle(): Promise<void> {
    if (!this.writing && this.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Waits until what exceljs made so far has gone out: no write waits for the socket and two turns of
 * the event loop brought no new bytes (the zip's deflate runs between them). exceljs does not pass
 * backpressure on, so this is what bounds its buffers to about one batch.
 */
async function drained(output: SinkStream, sink: ResponseSink): Promise<void> {
  let quietTurns = 0;
  while (quietTurns < 2 && !sink.aborted) {
    await output.idle();
    const before = output.taken;
    await nextTurn();
    quietTurns = output.taken === before && output.writableLength === 0 ? quietTurns + 1 : 0;
  }
}

/**
 * What the worksheet's XML is written into (the zip's deflate stream), once the zip has taken the
 * sheet: exceljs writes it without waiting, so the exporter waits for its 'drain' itself. An
 * internal of exceljs 4 (`_stream.pipes`); without it only `drained` paces the rows.
 */
interface Drainable {
  readonly writableNeedDrain?: boolean;
  readonly _writableState?: { needDrain?: boolean };
  once(event: 'drain', listener: () => void): unknown;
}

function deflateOf(sheet: ExcelJS.Worksheet): Drainable | undefined {
  const pipes = (sheet as unknown as { _stream?: { pipes?: unknown[] } })._stream?.pipes;
  const pipe = pipes?.[0] as Drainable | undefined;
  return pipe !== undefined && typeof pipe.once === 'function' ? pipe : undefined;
}

const needsDrain = (stream: Drainable): boolean => stream.writableNeedDrain ?? stream._writableState?.needDrain ?? false;

async function writeXlsx(sink: ResponseSink, columns: readonly ExportColumn[], rows: () => AsyncIterable<Record<string, unknown>>, cap: number): Promise<void> {
  const output = new SinkStream(sink);
  const done = finished(output);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Export', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((column) => ({
    key: column.key,
    header: column.header,
    width: column.type === 'datetime' ? 20 : Math.max(12, Math.min(40, column.header.length + 2)),
    style: { numFmt: numberFormats[column.type] },
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  let count = 0;
  for await (const row of rows()) {
    if (sink.aborted || count >= cap) break;
    const values: Record<string, ExcelJS.CellValue> = {};
    for (const column of columns) values[column.key] = xlsxCell(column.type, row[column.key]);
    sheet.addRow(values).commit();
    count += 1;
    if (count % constants.exportBatchRows === 0) {
      const deflate = deflateOf(sheet);
      while (deflate !== undefined && needsDrain(deflate)) await new Promise<void>((resolve) => deflate.once('drain', resolve));
      await drained(output, sink);
    }
  }
  sheet.commit();
  await workbook.commit();
  await done;
}

/**
 * A query's rows read through a server-side cursor, `batchRows` at a time (what sits in memory at
 * once). The connection is held until the rows are read or the caller stops (the iterator's return
 * closes the cursor and gives the connection back). int8 parses as the pool's types say.
 */
export async function* cursorRows(pool: pg.Pool, sql: string, values: readonly unknown[], batchRows: number = constants.exportBatchRows): AsyncGenerator<Record<string, unknown>> {
  const client = await pool.connect();
  let failure: Error | undefined;
  const types = (pool.options as { types?: Cursor.CursorQueryConfig['types'] }).types;
  const cursor = client.query(new Cursor<Record<string, unknown>>(sql, [...values], types !== undefined ? { types } : {}));
  try {
    for (;;) {
      const batch = await cursor.read(batchRows);
      if (batch.length === 0) return;
      yield* batch;
    }
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    await cursor.close().catch((error: unknown) => (failure ??= error instanceof Error ? error : new Error(String(error))));
    // A connection whose cursor failed is not given back to the pool.
    client.release(failure);
  }
}
