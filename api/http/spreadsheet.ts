/**
 * Uploaded spreadsheets (the bureau's XLSX workbooks and CSV exports) read into plain sheets of text cells, with the
 * row numbers a spreadsheet program shows, so every message can point at the row an official sees.
 *
 * The reading is tolerant of what Excel produces in China: CSV in UTF-8 (with or without BOM) or GB18030 ("CSV
 * (逗号分隔)" is saved in GBK), numbers and formulas in XLSX cells, rich text, hyperlinks. It judges nothing about
 * the content: domain/school-data.ts does.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_MEDIA_TYPE = 'text/csv';

export interface SheetRow {
  /** The row number as the spreadsheet shows it (the header is usually row 1). */
  row: number;
  cells: string[];
}

export interface Sheet {
  name: string;
  /** Non-blank rows in order; the first is the header. */
  rows: SheetRow[];
}

/** A file that cannot be read as the format it claims; `row` is where reading stopped, when known. */
export class SpreadsheetReadError extends Error {
  constructor(
    message: string,
    readonly row: number | null,
  ) {
    super(message);
    this.name = 'SpreadsheetReadError';
  }
}

/** UTF-8 when the bytes are valid UTF-8, otherwise GB18030 (a superset of GBK), or the charset the client named. */
export function decodeText(bytes: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset="?([\w-]+)"?/i.exec(contentType ?? '')?.[1];
  if (charset) {
    try {
      return new TextDecoder(charset, { fatal: true }).decode(bytes);
    } catch {
      throw new SpreadsheetReadError(`文件内容不是有效的${charset}编码`, null);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

export function readCsv(bytes: Buffer, contentType: string | undefined, name: string): Sheet {
  const text = decodeText(bytes, contentType);
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: false, relax_column_count: true }) as string[][];
  } catch (err) {
    const e = err as { records?: number; code?: string };
    const at = (e.records ?? 0) + 1;
    const why = e.code === 'CSV_QUOTE_NOT_CLOSED' ? '引号没有闭合' : e.code === 'CSV_INVALID_CLOSING_QUOTE' ? '引号位置不正确' : '无法按CSV格式读取';
    throw new SpreadsheetReadError(`文件第${at}行起${why}，请检查CSV格式（${e.code ?? 'CSV error'}）`, at);
  }
  const rows: SheetRow[] = [];
  records.forEach((cells, i) => {
    if (cells.some((c) => c.trim() !== '')) rows.push({ row: i + 1, cells });
  });
  return { name, rows };
}

/** The text a cell shows: numbers as typed, formulas by their result, dates as YYYY-MM-DD. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((t) => t.text).join('');
  if ('error' in value) return value.error;
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as ExcelJS.CellFormulaValue).result;
    return result === undefined ? '' : cellText(result as ExcelJS.CellValue);
  }
  if ('hyperlink' in value) return value.text;
  return '';
}

export async function readXlsx(bytes: Buffer): Promise<Sheet[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new SpreadsheetReadError(`文件无法按Excel（.xlsx）格式读取，请用Excel另存为“Excel工作簿(*.xlsx)”后重新上传（${(err as Error).message.slice(0, 80)}）`, null);
  }
  const sheets: Sheet[] = [];
  workbook.eachSheet((ws) => {
    const rows: SheetRow[] = [];
    ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      // row.values is 1-based (index 0 is empty).
      const values = Array.isArray(row.values) ? row.values.slice(1) : [];
      const cells = Array.from({ length: values.length }, (_, i) => cellText(values[i] as ExcelJS.CellValue).trim());
      if (cells.some((c) => c !== '')) rows.push({ row: rowNumber, cells });
    });
    sheets.push({ name: ws.name, rows });
  });
  return sheets;
}

/** Which format the body is: by Content-Type, then by the file's first bytes (an XLSX is a zip: "PK\x03\x04"). */
export function spreadsheetFormat(bytes: Buffer, contentType: string | undefined): 'xlsx' | 'csv' {
  if ((contentType ?? '').toLowerCase().startsWith(XLSX_MEDIA_TYPE)) return 'xlsx';
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'xlsx';
  return 'csv';
}
