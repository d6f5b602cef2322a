/**
 * The departments' registry exports ("数据共享为主、人工核查为辅", seed 004): the CSV format each verifying department
 * loads, how a row becomes a stored record, which record an application matches, and what a match confirms.
 *
 * Pure: no I/O and no clock (`checkDate` is a parameter). The keyed hash that turns identifiers into match keys is a
 * parameter too (`hmac: (s: string) => string`); db/repositories/registries.ts supplies HMAC-SHA256 with the server's
 * personal-data key. Registry records are therefore never keyed by a plain ID number, and what a record keeps is only
 * what its confirmation needs, a masked ID number and the row number; never the full ID number.
 *
 * Uses csv-parse, which needs Node's Buffer: call it from activities and the API, not from workflow code.
 *
 * The formats (header row = spreadsheet row 1, columns in any order, extra columns ignored):
 *   police  (居住证)            permit_number, id_number, issue_date, valid_until, community
 *   hrss    (社保)              id_number, employer_credit_code, insurance_months, employed
 *   housing (不动产/租赁备案)   id_number, kind, certificate_or_contract_number, registered
 *   market  (营业执照)          credit_code, holder_id_number, status
 */
import { clipText } from './text';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { ID_NUMBER_ERRORS_ZH, type ApplicationForm } from './application';
import { isIsoDate, isRealDate, maskIdNumber, normalizeIdNumber, validateCreditCode, validateIdNumber, type IsoDate } from './personal-data';
import { shanghaiDate } from './working-days';

// ---------------------------------------------------------------------------------------------------------------
// Departments and formats
// ---------------------------------------------------------------------------------------------------------------

export const REGISTRY_DEPARTMENTS = ['police', 'hrss', 'housing', 'market'] as const;
export type RegistryDepartment = (typeof REGISTRY_DEPARTMENTS)[number];

export function isRegistryDepartment(code: string): code is RegistryDepartment {
  return (REGISTRY_DEPARTMENTS as readonly string[]).includes(code);
}

export const REGISTRY_NAMES_ZH: Record<RegistryDepartment, string> = {
  police: '公安居住证登记库',
  hrss: '人社社会保险参保库',
  housing: '住建不动产登记和租赁备案库',
  market: '市场监管营业执照登记库',
};

/** The columns each export must have, in the order a template lists them. */
export const REGISTRY_COLUMNS = {
  police: ['permit_number', 'id_number', 'issue_date', 'valid_until', 'community'],
  hrss: ['id_number', 'employer_credit_code', 'insurance_months', 'employed'],
  housing: ['id_number', 'kind', 'certificate_or_contract_number', 'registered'],
  market: ['credit_code', 'holder_id_number', 'status'],
} as const satisfies Record<RegistryDepartment, readonly string[]>;

/** What each column is called in the messages an officer reads. */
export const REGISTRY_COLUMN_NAMES_ZH: Record<string, string> = {
  permit_number: '居住证号码',
  id_number: '身份证号',
  issue_date: '签发日期',
  valid_until: '有效期至',
  community: '登记社区',
  employer_credit_code: '参保单位统一社会信用代码',
  insurance_months: '社保缴费月数',
  employed: '是否在职',
  kind: '房屋类型',
  certificate_or_contract_number: '不动产权证书号或租赁合同编号',
  registered: '是否已登记备案',
  credit_code: '统一社会信用代码',
  holder_id_number: '经营者身份证号',
  status: '登记状态',
};

/**
 * Which part of the eligibility findings (domain/eligibility.ts VerificationFindings) a department's confirmation
 * fills: `facts` are exactly that part's fields, so `{ ...facts, evidence: findings }` is the finding.
 */
export const REGISTRY_FINDINGS_FIELD = {
  police: 'residencePermit',
  hrss: 'employment',
  housing: 'housing',
  market: 'businessLicence',
} as const satisfies Record<RegistryDepartment, string>;

/** 营业执照 statuses that mean the licence is in force; anything else (吊销、注销、迁出、停业…) does not. */
export const VALID_LICENCE_STATUSES = ['存续', '在业'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Cells: every value arrives as text; each schema says in Chinese what is wrong
// ---------------------------------------------------------------------------------------------------------------

/** Short echo of a non-personal value in a message, so the officer can find it in the file. */
const echo = (s: string) => clipText(s, 21);

function textCell(label: string, min: number, max: number) {
  return z
    .string()
    .trim()
    .superRefine((s, ctx) => {
      const n = [...s].length;
      if (n === 0) ctx.addIssue({ code: 'custom', message: `请填写${label}` });
      else if (n < min) ctx.addIssue({ code: 'custom', message: `${label}至少${min}个字符` });
      else if (n > max) ctx.addIssue({ code: 'custom', message: `${label}不能超过${max}个字符` });
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
      else if (/[\u0000-\u001f\u007f]/.test(s)) ctx.addIssue({ code: 'custom', message: `${label}含有无法显示的字符` });
    });
}

/** Birth dates in the future are not checked: a registry is not a form, and the check needs a clock. */
const NO_FUTURE_CHECK: IsoDate = '9999-12-31';

function idNumberCell(label: string) {
  return z
    .string()
    .trim()
    .toUpperCase()
    .superRefine((id, ctx) => {
      if (id === '') {
        ctx.addIssue({ code: 'custom', message: `请填写${label}` });
        return;
      }
      // The value is personal data: the message never repeats it.
      const r = validateIdNumber(id, NO_FUTURE_CHECK);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: `${label}有误：${ID_NUMBER_ERRORS_ZH[r.reason]}` });
    });
}

function creditCodeCell(label: string, optional: boolean) {
  return z
    .string()
    .trim()
    .toUpperCase()
    .superRefine((code, ctx) => {
      if (code === '') {
        if (!optional) ctx.addIssue({ code: 'custom', message: `请填写${label}` });
        return;
      }
      const r = validateCreditCode(code);
      if (!r.ok) {
        ctx.addIssue({
          code: 'custom',
          message: r.reason === 'checksum' ? `${label}校验位错误` : `${label}应为18位数字或大写字母（不含I、O、S、V、Z）`,
        });
      }
    })
    .transform((code) => (code === '' ? null : code));
}

/** 'YYYY-MM-DD'; spreadsheets also write 2024/3/1 or 2024.3.1, which are read as the same day. */
export function registryDate(s: string): IsoDate | null {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(y, mo, d)) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function dateCell(label: string) {
  return z
    .string()
    .trim()
    .transform((s, ctx) => {
      if (s === '') {
        ctx.addIssue({ code: 'custom', message: `请填写${label}` });
        return z.NEVER;
      }
      const iso = registryDate(s);
      if (!iso) {
        ctx.addIssue({ code: 'custom', message: `${label}应为真实日期，格式如2024-03-01，实际为“${echo(s)}”` });
        return z.NEVER;
      }
      return iso;
    });
}

const YES = new Set(['是', 'true']);
const NO = new Set(['否', 'false']);

function yesNoCell(label: string) {
  return z
    .string()
    .trim()
    .transform((s, ctx) => {
      const v = s.toLowerCase();
      if (YES.has(v)) return true;
      if (NO.has(v)) return false;
      ctx.addIssue({ code: 'custom', message: s === '' ? `请填写${label}（是/否）` : `${label}只能填写“是”或“否”（或true/false），实际为“${echo(s)}”` });
      return z.NEVER;
    });
}

function monthsCell(label: string) {
  return z
    .string()
    .trim()
    .transform((s, ctx) => {
      if (!/^\d{1,4}$/.test(s) || Number(s) > 1200) {
        ctx.addIssue({ code: 'custom', message: s === '' ? `请填写${label}` : `${label}应为0至1200的整数，实际为“${echo(s)}”` });
        return z.NEVER;
      }
      return Number(s);
    });
}

const HOUSING_KINDS: Record<string, 'owned' | 'rented'> = { owned: 'owned', rented: 'rented', 自有: 'owned', 租赁: 'rented' };

const kindCell = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const kind = HOUSING_KINDS[s.toLowerCase()];
    if (kind) return kind;
    ctx.addIssue({ code: 'custom', message: s === '' ? '请填写房屋类型（owned/rented）' : `房屋类型只能填写owned（自有）或rented（租赁），实际为“${echo(s)}”` });
    return z.NEVER;
  });

const label = (column: string) => REGISTRY_COLUMN_NAMES_ZH[column] ?? column;

// ---------------------------------------------------------------------------------------------------------------
// Row schemas: a row (column → cell text) in, the typed row out
// ---------------------------------------------------------------------------------------------------------------

export const REGISTRY_ROW_SCHEMAS = {
  police: z
    .object({
      permit_number: textCell(label('permit_number'), 4, 40),
      id_number: idNumberCell(label('id_number')),
      issue_date: dateCell(label('issue_date')),
      valid_until: dateCell(label('valid_until')),
      // Exports wrap long addresses onto several lines inside one cell; the lines are one address.
      community: z
        .string()
        .transform((c) => c.replace(/\s+/g, ' ').trim())
        .pipe(z.string().max(100, { error: '登记社区不能超过100个字符' })),
    })
    .superRefine((r, ctx) => {
      if (r.valid_until < r.issue_date) ctx.addIssue({ code: 'custom', path: ['valid_until'], message: '有效期至不能早于签发日期' });
    })
    .transform((r) => ({
      permitNumber: r.permit_number,
      idNumber: r.id_number,
      issueDate: r.issue_date,
      validUntil: r.valid_until,
      community: r.community === '' ? null : r.community,
    })),
  hrss: z
    .object({
      id_number: idNumberCell(label('id_number')),
      employer_credit_code: creditCodeCell(label('employer_credit_code'), true),
      insurance_months: monthsCell(label('insurance_months')),
      employed: yesNoCell(label('employed')),
    })
    .transform((r) => ({ idNumber: r.id_number, employerCreditCode: r.employer_credit_code, insuranceMonths: r.insurance_months, employed: r.employed })),
  housing: z
    .object({
      id_number: idNumberCell(label('id_number')),
      kind: kindCell,
      certificate_or_contract_number: textCell(label('certificate_or_contract_number'), 2, 60),
      registered: yesNoCell(label('registered')),
    })
    .transform((r) => ({ idNumber: r.id_number, kind: r.kind, number: r.certificate_or_contract_number, registered: r.registered })),
  market: z
    .object({
      credit_code: creditCodeCell(label('credit_code'), false),
      holder_id_number: idNumberCell(label('holder_id_number')),
      status: textCell(label('status'), 1, 50),
    })
    .transform((r) => ({ creditCode: r.credit_code!, holderIdNumber: r.holder_id_number, status: r.status })),
} as const satisfies Record<RegistryDepartment, z.ZodType>;

export type RegistryRowData = { [D in RegistryDepartment]: z.output<(typeof REGISTRY_ROW_SCHEMAS)[D]> };
export type PoliceRow = RegistryRowData['police'];
export type HrssRow = RegistryRowData['hrss'];
export type HousingRow = RegistryRowData['housing'];
export type MarketRow = RegistryRowData['market'];

/** One data row of an export; `row` counts as a spreadsheet does (the header is row 1). */
export type ParsedRow<D extends RegistryDepartment = RegistryDepartment> = {
  [K in D]: { department: K; row: number; data: RegistryRowData[K] };
}[D];

export interface RegistryRowError {
  /** Spreadsheet row: the header is row 1, the first data row is row 2. */
  row: number;
  /** The column, or 'file' / 'columns' for problems of the file or the row as a whole. */
  field: string;
  message: string;
}

export interface ParseResult<D extends RegistryDepartment = RegistryDepartment> {
  /** The rows that parsed cleanly (load them only when `errors` is empty). */
  rows: ParsedRow<D>[];
  errors: RegistryRowError[];
  /** Data rows in the file, good or bad, not counting blank ones. */
  rowsTotal: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Match keys
// ---------------------------------------------------------------------------------------------------------------

/** Certificate, contract and permit numbers as typed by people and exported by systems: full-width → half-width, no blanks, uppercase. */
export function normalizeDocumentNumber(s: string): string {
  return s.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/**
 * The normalized parts a department's record is found by. The key is the keyed hash of these, prefixed with the
 * department and a version, so the same ID number gives unrelated keys in different registries.
 */
function keyParts(department: RegistryDepartment, parts: string[]): string {
  return `registry:v1:${JSON.stringify([department, ...parts])}`;
}

const policeKey = (permitNumber: string, idNumber: string) => keyParts('police', [normalizeDocumentNumber(permitNumber), normalizeIdNumber(idNumber)]);
const hrssKey = (idNumber: string) => keyParts('hrss', [normalizeIdNumber(idNumber)]);
const housingKey = (idNumber: string, number: string) => keyParts('housing', [normalizeIdNumber(idNumber), normalizeDocumentNumber(number)]);
const marketKey = (creditCode: string) => keyParts('market', [creditCode.trim().toUpperCase()]);

/** The unhashed identity of a row: two rows with the same identity would be the same record. */
function rowIdentity(p: ParsedRow): string {
  switch (p.department) {
    case 'police':
      return policeKey(p.data.permitNumber, p.data.idNumber);
    case 'hrss':
      return hrssKey(p.data.idNumber);
    case 'housing':
      return housingKey(p.data.idNumber, p.data.number);
    case 'market':
      return marketKey(p.data.creditCode);
  }
}

const IDENTITY_DESCRIPTIONS: Record<RegistryDepartment, { field: string; what: string }> = {
  police: { field: 'permit_number', what: '居住证号码和身份证号' },
  hrss: { field: 'id_number', what: '身份证号' },
  housing: { field: 'certificate_or_contract_number', what: '身份证号和证书（合同）编号' },
  market: { field: 'credit_code', what: '统一社会信用代码' },
};

/** The key a row is stored under: HMAC of its identity, never the identity itself. */
export function matchKeyForRow(p: ParsedRow, hmac: (s: string) => string): string {
  return hmac(rowIdentity(p));
}

/** The fields of an application that registry matching reads. */
export type RegistryMatchForm = Pick<ApplicationForm, 'guardians' | 'residencePermit' | 'housing'>;

/**
 * The keys to look up for an application, most likely first; the first one found is the match. An empty list means
 * the registry has nothing to say for this application (no self-employed guardian for market supervision).
 *  - police: the form's residence permit number with each guardian's ID number (the permit is a guardian's);
 *  - hrss: each guardian's ID number, those who declared employment first;
 *  - housing: each guardian's ID number with the certificate or contract number on the form;
 *  - market: the credit code of each self-employed guardian.
 */
export function matchKeysForApplication(department: RegistryDepartment, form: RegistryMatchForm, hmac: (s: string) => string): string[] {
  const guardians = form.guardians;
  let identities: string[];
  switch (department) {
    case 'police':
      identities = guardians.map((g) => policeKey(form.residencePermit.number, g.idNumber));
      break;
    case 'hrss': {
      const rank = (t: string) => (t === 'employed' ? 0 : t === 'self_employed' ? 1 : 2);
      identities = [...guardians].sort((a, b) => rank(a.employment.type) - rank(b.employment.type)).map((g) => hrssKey(g.idNumber));
      break;
    }
    case 'housing': {
      const number = form.housing.type === 'owned' ? form.housing.certificateNumber : form.housing.contractNumber;
      identities = guardians.map((g) => housingKey(g.idNumber, number));
      break;
    }
    case 'market':
      identities = guardians.flatMap((g) => (g.employment.type === 'self_employed' ? [marketKey(g.employment.creditCode)] : []));
      break;
  }
  return [...new Set(identities.map(hmac))];
}

// ---------------------------------------------------------------------------------------------------------------
// Stored records: what the confirmation needs, a masked ID number and the row; never a full ID number
// ---------------------------------------------------------------------------------------------------------------

/** Keeps the last 4 characters of a long document number (`********1234`); a short one is masked entirely. */
export function maskDocumentNumber(s: string): string {
  const n = normalizeDocumentNumber(s);
  return n.length >= 8 ? `${'*'.repeat(n.length - 4)}${n.slice(-4)}` : '*'.repeat(n.length);
}

const row = z.number().int().min(2);
const masked = z.string().refine((s) => !/\d{17}[\dX]/.test(s), 'must be masked');

export const REGISTRY_RECORD_SCHEMAS = {
  police: z.object({
    row,
    idNumberMasked: masked,
    permitNumberMasked: z.string(),
    issueDate: z.string().refine(isIsoDate),
    validUntil: z.string().refine(isIsoDate),
    community: z.string().nullable(),
  }),
  hrss: z.object({ row, idNumberMasked: masked, employerCreditCode: z.string().nullable(), insuranceMonths: z.number().int().min(0), employed: z.boolean() }),
  housing: z.object({ row, idNumberMasked: masked, kind: z.enum(['owned', 'rented']), numberMasked: z.string(), registered: z.boolean() }),
  market: z.object({ row, creditCode: z.string(), holderIdNumberMasked: masked, status: z.string() }),
} as const satisfies Record<RegistryDepartment, z.ZodType>;

export type RegistryRecordData = { [D in RegistryDepartment]: z.output<(typeof REGISTRY_RECORD_SCHEMAS)[D]> };
export type RegistryRecord = RegistryRecordData[RegistryDepartment];

/** The record stored for a row (JSONB), with no full ID number in it. */
export function recordForRow(p: ParsedRow): RegistryRecord {
  switch (p.department) {
    case 'police': {
      const d = p.data;
      return { row: p.row, idNumberMasked: maskIdNumber(d.idNumber), permitNumberMasked: maskDocumentNumber(d.permitNumber), issueDate: d.issueDate, validUntil: d.validUntil, community: d.community };
    }
    case 'hrss': {
      const d = p.data;
      return { row: p.row, idNumberMasked: maskIdNumber(d.idNumber), employerCreditCode: d.employerCreditCode, insuranceMonths: d.insuranceMonths, employed: d.employed };
    }
    case 'housing': {
      const d = p.data;
      return { row: p.row, idNumberMasked: maskIdNumber(d.idNumber), kind: d.kind, numberMasked: maskDocumentNumber(d.number), registered: d.registered };
    }
    case 'market': {
      const d = p.data;
      return { row: p.row, creditCode: d.creditCode, holderIdNumberMasked: maskIdNumber(d.holderIdNumber), status: d.status };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing a file
// ---------------------------------------------------------------------------------------------------------------

/**
 * Parses a department's export. Every problem is reported with its spreadsheet row and column, all of them (not
 * only the first), so the officer can fix the file in one pass; a file with any error should be loaded not at all.
 * Rows that are entirely blank are skipped but still counted, so row numbers match what a spreadsheet shows. Two
 * rows with the same identity (e.g. the same ID number twice in the social insurance export) are an error: which
 * one is right is for the department to say.
 */
export function parseRegistryCsv<D extends RegistryDepartment>(department: D, csvText: string): ParseResult<D> {
  const errors: RegistryRowError[] = [];
  const rows: ParsedRow<D>[] = [];
  const columns: readonly string[] = REGISTRY_COLUMNS[department];

  let records: string[][];
  try {
    records = parse(csvText, { bom: true, skip_empty_lines: false, relax_column_count: true, relax_quotes: false }) as string[][];
  } catch (err) {
    const e = err as { records?: number; message?: string; code?: string };
    const at = (e.records ?? 0) + 1;
    const why = e.code === 'CSV_QUOTE_NOT_CLOSED' ? '引号没有闭合' : e.code === 'CSV_INVALID_CLOSING_QUOTE' ? '引号位置不正确' : '无法按CSV格式读取';
    return { rows, rowsTotal: 0, errors: [{ row: at, field: 'file', message: `文件第${at}行起${why}，请检查CSV格式（${e.code ?? 'CSV error'}）` }] };
  }

  const header = records[0]?.map((h) => h.trim().toLowerCase());
  if (!header || header.every((h) => h === '')) {
    return { rows, rowsTotal: 0, errors: [{ row: 1, field: 'file', message: `文件为空；第1行应为表头：${columns.join(',')}` }] };
  }
  const position = new Map<string, number>();
  header.forEach((h, i) => {
    if (h === '') return;
    if (position.has(h)) errors.push({ row: 1, field: h, message: `表头中“${h}”列重复` });
    else position.set(h, i);
  });
  for (const c of columns) {
    if (!position.has(c)) errors.push({ row: 1, field: c, message: `缺少“${c}”列（${label(c)}）；表头应为：${columns.join(',')}` });
  }
  if (errors.length > 0) return { rows, errors, rowsTotal: records.slice(1).filter((cells) => cells.some((c) => c.trim() !== '')).length };

  const schema = REGISTRY_ROW_SCHEMAS[department] as unknown as z.ZodType<RegistryRowData[D], Record<string, string>>;
  const seen = new Map<string, number>();
  let dataRows = 0;
  records.slice(1).forEach((cells, i) => {
    const rowNumber = i + 2;
    if (cells.every((c) => c.trim() === '')) return;
    dataRows += 1;
    if (cells.length > header.length && cells.slice(header.length).some((c) => c.trim() !== '')) {
      errors.push({ row: rowNumber, field: 'columns', message: `本行有${cells.length}列，多于表头的${header.length}列` });
      return;
    }
    const input = Object.fromEntries(columns.map((c) => [c, cells[position.get(c)!] ?? '']));
    const r = schema.safeParse(input);
    if (!r.success) {
      const reported = new Set<string>();
      for (const issue of r.error.issues) {
        const field = String(issue.path[0] ?? 'columns');
        // One message per cell: the first thing wrong with it.
        if (reported.has(field)) continue;
        reported.add(field);
        errors.push({ row: rowNumber, field, message: issue.message });
      }
      return;
    }
    const parsed = { department, row: rowNumber, data: r.data } as ParsedRow<D>;
    const identity = rowIdentity(parsed as ParsedRow);
    const first = seen.get(identity);
    if (first !== undefined) {
      const d = IDENTITY_DESCRIPTIONS[department];
      errors.push({ row: rowNumber, field: d.field, message: `与第${first}行重复（${d.what}相同），同一记录只能出现一次` });
      return;
    }
    seen.set(identity, rowNumber);
    rows.push(parsed);
  });
  if (dataRows === 0 && errors.length === 0) {
    errors.push({ row: 2, field: 'file', message: '文件只有表头，没有数据行' });
  }
  return { rows, errors, rowsTotal: dataRows };
}

// ---------------------------------------------------------------------------------------------------------------
// What a matched record confirms
// ---------------------------------------------------------------------------------------------------------------

export interface RegistryConfirmation {
  outcome: 'confirmed' | 'not_confirmed';
  /** What the officer and the parent read, in Chinese. */
  findings: string;
  /** The fields of the department's part of the eligibility findings (see REGISTRY_FINDINGS_FIELD). */
  facts: Record<string, string | number | boolean>;
  evidence: { name: string; ref: string };
}

/** A record as found in the store: which import loaded it, and the stored record. */
export interface FoundRegistryRecord {
  importId: number;
  record: unknown;
}

/**
 * Full months from `from` to `to` (both 'YYYY-MM-DD'); 0 when `to` is earlier. A month is full on the same day of
 * the month, or on the last day of a shorter month (2024-01-31 → 2024-02-29 is one month).
 */
export function fullMonthsBetween(from: IsoDate, to: IsoDate): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  let months = (ty - fy) * 12 + (tm - fm);
  const endOfMonth = !isRealDate(ty, tm, td + 1);
  if (td < fd && !endOfMonth) months -= 1;
  return Math.max(0, months);
}

export function registryEvidence(department: RegistryDepartment, importId: number, row: number): { name: string; ref: string } {
  return { name: `${REGISTRY_NAMES_ZH[department]}（第${importId}批导入，第${row}行）`, ref: `registry:${department}:import-${importId}:row-${row}` };
}

/**
 * What a matched record says on `checkDate` (a day 'YYYY-MM-DD', or an instant, read as its Asia/Shanghai day): the
 * outcome the step completes with, the findings text, the facts for the eligibility findings and the evidence
 * reference (`registry:police:import-12:row-7`).
 */
export function confirmationFromRecord(department: RegistryDepartment, found: FoundRegistryRecord, on: IsoDate | Date): RegistryConfirmation {
  const checkDate = on instanceof Date ? shanghaiDate(on) : on;
  if (!isIsoDate(checkDate)) throw new RangeError(`checkDate must be 'YYYY-MM-DD', got '${checkDate}'`);
  const source = REGISTRY_NAMES_ZH[department];
  switch (department) {
    case 'police': {
      const r = REGISTRY_RECORD_SCHEMAS.police.parse(found.record);
      const valid = r.validUntil >= checkDate;
      const months = fullMonthsBetween(r.issueDate, checkDate);
      const community = r.community ? `，登记社区：${r.community}` : '';
      const findings = valid
        ? `${source}比对一致：持证人${r.idNumberMasked}，居住证号码${r.permitNumberMasked}，签发日期${r.issueDate}，有效期至${r.validUntil}，核查日（${checkDate}）有效，已持证${months}个月${community}。`
        : `${source}比对结果：持证人${r.idNumberMasked}，居住证号码${r.permitNumberMasked}，有效期至${r.validUntil}，核查日（${checkDate}）已过期${community}。`;
      return { outcome: valid ? 'confirmed' : 'not_confirmed', findings, facts: { valid, months }, evidence: registryEvidence(department, found.importId, r.row) };
    }
    case 'hrss': {
      const r = REGISTRY_RECORD_SCHEMAS.hrss.parse(found.record);
      const employer = r.employerCreditCode ? `，参保单位统一社会信用代码${r.employerCreditCode}` : '';
      const findings = r.employed
        ? `${source}比对一致：${r.idNumberMasked}在职参保${employer}，累计缴费${r.insuranceMonths}个月。`
        : `${source}比对结果：${r.idNumberMasked}当前不在职${employer}，累计缴费${r.insuranceMonths}个月。`;
      return {
        outcome: r.employed ? 'confirmed' : 'not_confirmed',
        findings,
        facts: { employed: r.employed, insuranceMonths: r.insuranceMonths },
        evidence: registryEvidence(department, found.importId, r.row),
      };
    }
    case 'housing': {
      const r = REGISTRY_RECORD_SCHEMAS.housing.parse(found.record);
      // Only the point the record speaks to is answered: an owned record says nothing about renting, and vice versa.
      const facts: Record<string, boolean> = r.kind === 'owned' ? { owned: r.registered } : { rentalRegistered: r.registered };
      const what = r.kind === 'owned' ? `不动产权证书${r.numberMasked}` : `租赁合同${r.numberMasked}`;
      const findings =
        r.kind === 'owned'
          ? r.registered
            ? `${source}比对一致：${r.idNumberMasked}名下${what}已办理不动产登记。`
            : `${source}比对结果：${r.idNumberMasked}名下${what}未办理不动产登记。`
          : r.registered
            ? `${source}比对一致：${r.idNumberMasked}的${what}已登记备案。`
            : `${source}比对结果：${r.idNumberMasked}的${what}未登记备案。`;
      return { outcome: r.registered ? 'confirmed' : 'not_confirmed', findings, facts, evidence: registryEvidence(department, found.importId, r.row) };
    }
    case 'market': {
      const r = REGISTRY_RECORD_SCHEMAS.market.parse(found.record);
      const valid = (VALID_LICENCE_STATUSES as readonly string[]).includes(r.status);
      const findings = valid
        ? `${source}比对一致：统一社会信用代码${r.creditCode}，经营者${r.holderIdNumberMasked}，登记状态“${r.status}”，营业执照有效。`
        : `${source}比对结果：统一社会信用代码${r.creditCode}，经营者${r.holderIdNumberMasked}，登记状态“${r.status}”，营业执照不在有效状态。`;
      return { outcome: valid ? 'confirmed' : 'not_confirmed', findings, facts: { valid }, evidence: registryEvidence(department, found.importId, r.row) };
    }
  }
}
