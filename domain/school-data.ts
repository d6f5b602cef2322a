/**
 * The spreadsheets the education bureau keeps about schools, and what a valid one says: schools (public / private,
 * district, stages, address), seats per school, year and stage (with the seats the government may buy at a private
 * school and the price), catchments (划片: street or community → school) and distances between schools.
 *
 * Pure: sheets of text cells in (api/http/spreadsheet.ts reads the files), typed records and a report of every
 * problem out. Every problem names the sheet, the row as the spreadsheet shows it and the column by its Chinese
 * header, so an official can fix the file in one pass. A file with any problem must be loaded not at all.
 *
 * Headers are matched leniently (spaces, full-width brackets, the English aliases below); columns may come in any
 * order; extra columns are ignored; blank rows are skipped (their numbers still count).
 */
import { clipText } from './text';
import { STAGES, STAGE_NAMES_ZH, type Stage } from './application';

export const SCHOOL_DATA_KINDS = ['schools', 'seats', 'catchments', 'distances'] as const;
export type SchoolDataKind = (typeof SCHOOL_DATA_KINDS)[number];

/** The sheet names a workbook uses for each kind (the first is what the templates say). */
export const SHEET_NAMES_ZH: Record<SchoolDataKind, readonly string[]> = {
  schools: ['学校', '学校名单', 'schools'],
  seats: ['学位', '招生计划', 'seats'],
  catchments: ['划片', '招生片区', 'catchments'],
  distances: ['距离', '学校距离', 'distances'],
};

interface ColumnSpec {
  key: string;
  /** The header the template uses and messages name. */
  nameZh: string;
  aliases: readonly string[];
  required: boolean;
}

const col = (key: string, nameZh: string, required: boolean, ...aliases: string[]): ColumnSpec => ({ key, nameZh, aliases: [key, ...aliases], required });

export const SCHOOL_DATA_COLUMNS: Record<SchoolDataKind, readonly ColumnSpec[]> = {
  schools: [
    col('school_id', '学校代码', true, '学校编号', 'id'),
    col('name', '学校名称', true, 'name_zh'),
    col('district', '区县代码', true),
    col('kind', '办学性质', true, '公办/民办', '性质'),
    col('stages', '学段', true, 'stage'),
    col('address', '地址', false, '学校地址'),
  ],
  seats: [
    col('school_id', '学校代码', true, '学校编号'),
    col('year', '年度', true, '招生年度', '年份'),
    col('stage', '学段', true),
    col('seats', '招生学位数', true, '学位数', '招生计划数'),
    col('purchasable_seats', '政府购买学位数', false, '可购买学位数', 'purchasable'),
    col('seat_price', '购买单价（元/生·年）', false, '购买单价', '单价', 'price'),
  ],
  catchments: [
    col('district', '区县代码', true),
    col('stage', '学段', true),
    col('street', '街道（乡镇）', true, '街道', '乡镇'),
    col('community', '社区（村）', false, '社区', '村'),
    col('school_id', '划片学校代码', true, '学校代码'),
  ],
  distances: [
    col('school_id', '学校代码', true),
    col('other_school_id', '相邻学校代码', true, '另一学校代码', '对方学校代码'),
    col('distance', '距离（公里）', true, '距离', 'distance_km'),
  ],
};

export interface SchoolRecord {
  id: string;
  nameZh: string;
  district: string;
  kind: 'public' | 'private';
  stages: Stage[];
  address: string | null;
}
export interface SeatRecord {
  schoolId: string;
  year: number;
  stage: Stage;
  seats: number;
  purchasableSeats: number | null;
  seatPrice: number | null;
}
export interface CatchmentRecord {
  district: string;
  stage: Stage;
  street: string;
  /** '' = the whole street. */
  community: string;
  schoolId: string;
}
export interface DistanceRecord {
  /** As the row gives them; stored once per pair, in id order. */
  schoolId: string;
  otherSchoolId: string;
  distance: number;
}

export interface SchoolDataProblem {
  /** The sheet's name as in the workbook (or the CSV file's kind in Chinese). */
  sheet: string;
  /** Spreadsheet row; null for a problem of the file as a whole. */
  row: number | null;
  /** The column's Chinese header, or '文件' / '表头' / '整行'. */
  column: string;
  message: string;
}

export interface ParsedSchoolData {
  schools: (SchoolRecord & { at: At })[];
  seats: (SeatRecord & { at: At })[];
  catchments: (CatchmentRecord & { at: At })[];
  distances: (DistanceRecord & { at: At })[];
}

/** Where a record came from, for the cross-reference messages. */
export interface At {
  sheet: string;
  row: number;
}

export interface SheetInput {
  name: string;
  rows: readonly { row: number; cells: readonly string[] }[];
}

// ---------------------------------------------------------------------------------------------------------------
// Cells

const echo = (s: string) => clipText(s, 21);
/** Headers and codes as people type them: full-width → half-width, no blanks. */
const squash = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
/** Street and community names: NFKC and single spaces, so '幸福 社区' and '幸福社区' differ only if typed so. */
export const normalizePlaceName = (s: string): string => s.normalize('NFKC').replace(/\s+/g, '').trim();

export const SCHOOL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const DISTRICT_PATTERN = /^[a-z0-9_]{1,32}$/;

const KINDS: Record<string, 'public' | 'private'> = { 公办: 'public', 民办: 'private', public: 'public', private: 'private' };
const STAGE_BY_TEXT = new Map<string, Stage>([
  ...STAGES.map((s) => [s, s] as const),
  ...STAGES.map((s) => [STAGE_NAMES_ZH[s], s] as const),
  ['小学', 'primary_1'],
  ['一年级', 'primary_1'],
  ['初中', 'junior_7'],
  ['七年级', 'junior_7'],
  ['初一', 'junior_7'],
  ['幼儿园', 'kindergarten'],
]);
const STAGE_CHOICES = STAGES.map((s) => STAGE_NAMES_ZH[s]).join('、');

type CellResult<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): CellResult<T> => ({ ok: true, value });
const bad = (message: string): CellResult<never> => ({ ok: false, message });

function stageCell(s: string, label: string): CellResult<Stage> {
  const v = STAGE_BY_TEXT.get(s.trim()) ?? STAGE_BY_TEXT.get(squash(s));
  if (v) return ok(v);
  return bad(s === '' ? `请填写${label}` : `${label}只能填写：${STAGE_CHOICES}，实际为“${echo(s)}”`);
}

function intCell(s: string, label: string, min: number, max: number): CellResult<number> {
  const t = s.trim().replace(/,/g, '');
  if (t === '') return bad(`请填写${label}`);
  if (!/^-?\d+(\.0+)?$/.test(t) || Number(t) < min || Number(t) > max) return bad(`${label}应为${min}至${max}的整数，实际为“${echo(s)}”`);
  return ok(Math.trunc(Number(t)));
}

function decimalCell(s: string, label: string, max: number): CellResult<number> {
  const t = s.trim().replace(/,/g, '');
  if (t === '') return bad(`请填写${label}`);
  if (!/^\d+(\.\d{1,2})?$/.test(t) || Number(t) > max) return bad(`${label}应为不小于0的数字（最多两位小数），实际为“${echo(s)}”`);
  return ok(Number(t));
}

function textCell(s: string, label: string, max: number): CellResult<string> {
  const t = s.trim();
  if (t === '') return bad(`请填写${label}`);
  if ([...t].length > max) return bad(`${label}不能超过${max}个字`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  if (/[\u0000-\u001f\u007f]/.test(t)) return bad(`${label}含有无法显示的字符`);
  return ok(t);
}

function codeCell(s: string, label: string, pattern: RegExp, hint: string): CellResult<string> {
  const t = s.normalize('NFKC').trim();
  if (t === '') return bad(`请填写${label}`);
  if (!pattern.test(t)) return bad(`${label}“${echo(t)}”格式不正确（${hint}）`);
  return ok(t);
}

const schoolIdCell = (s: string, label: string) => codeCell(s, label, SCHOOL_ID_PATTERN, '字母、数字、下划线或连字符，最多64个字符');
const districtCell = (s: string, label: string) => codeCell(s.toLowerCase(), label, DISTRICT_PATTERN, '小写字母、数字或下划线，如demo');

// ---------------------------------------------------------------------------------------------------------------
// Sheets

/** Which kind a workbook sheet holds, by its name; undefined for a sheet to ignore (notes, instructions). */
export function kindOfSheet(name: string): SchoolDataKind | undefined {
  const n = squash(name);
  return SCHOOL_DATA_KINDS.find((k) => SHEET_NAMES_ZH[k].some((alias) => squash(alias) === n));
}

interface RowReader {
  at: At;
  /** The cell of a column by key ('' when the column is absent or the row short). */
  get(key: string): string;
  /** Records the cell's problem (once per cell) and returns undefined, or returns the value. */
  take<T>(key: string, r: CellResult<T>): T | undefined;
}

function readSheet(
  kind: SchoolDataKind,
  sheet: SheetInput,
  problems: SchoolDataProblem[],
  onRow: (r: RowReader) => void,
): boolean {
  const specs = SCHOOL_DATA_COLUMNS[kind];
  const [header, ...data] = sheet.rows;
  const problem = (row: number | null, column: string, message: string) => problems.push({ sheet: sheet.name, row, column, message });
  const template = specs.map((s) => s.nameZh).join('、');
  if (!header) {
    problem(null, '文件', `工作表为空；第1行应为表头：${template}`);
    return false;
  }
  const position = new Map<string, number>();
  header.cells.forEach((h, i) => {
    const n = squash(h);
    if (n === '') return;
    const spec = specs.find((s) => squash(s.nameZh) === n || s.aliases.some((a) => squash(a) === n));
    if (!spec) return; // extra columns (remarks, contacts) are the bureau's business
    if (position.has(spec.key)) problem(header.row, spec.nameZh, `表头中“${spec.nameZh}”列重复`);
    else position.set(spec.key, i);
  });
  for (const s of specs) {
    if (s.required && !position.has(s.key)) problem(header.row, s.nameZh, `缺少“${s.nameZh}”列；表头应为：${template}`);
  }
  if (problems.some((p) => p.sheet === sheet.name && p.row === header.row)) return false;
  if (data.length === 0) {
    problem(header.row + 1, '文件', '只有表头，没有数据行');
    return false;
  }
  const nameOf = (key: string) => specs.find((s) => s.key === key)?.nameZh ?? key;
  for (const r of data) {
    const reported = new Set<string>();
    onRow({
      at: { sheet: sheet.name, row: r.row },
      get: (key) => {
        const i = position.get(key);
        return i === undefined ? '' : (r.cells[i] ?? '').trim();
      },
      take: (key, result) => {
        if (result.ok) return result.value;
        if (!reported.has(key)) {
          reported.add(key);
          problem(r.row, nameOf(key), result.message);
        }
        return undefined;
      },
    });
  }
  return true;
}

/** A row problem that is about a whole row or a relation between cells. */
function rowProblem(problems: SchoolDataProblem[], at: At, column: string, message: string): void {
  problems.push({ sheet: at.sheet, row: at.row, column, message });
}

/**
 * Parses the sheets of one upload. `sheets` pairs each sheet with the kind it holds. Within-file checks only
 * (formats, duplicates, a private school's purchasable seats within its seats); references to schools are checked by
 * `checkReferences` against the file and the database together.
 */
export function parseSchoolData(sheets: readonly { kind: SchoolDataKind; sheet: SheetInput }[]): {
  data: ParsedSchoolData;
  problems: SchoolDataProblem[];
  /** Sheets whose header (or emptiness) kept their rows from being read at all. */
  unreadableSheets: string[];
} {
  const problems: SchoolDataProblem[] = [];
  const unreadableSheets: string[] = [];
  const data: ParsedSchoolData = { schools: [], seats: [], catchments: [], distances: [] };
  const C = (kind: SchoolDataKind, key: string) => SCHOOL_DATA_COLUMNS[kind].find((c) => c.key === key)!.nameZh;

  for (const { kind, sheet } of sheets) {
    const seen = new Map<string, number>();
    const duplicate = (key: string, at: At, column: string, what: string): boolean => {
      const first = seen.get(key);
      if (first !== undefined) {
        rowProblem(problems, at, column, `与第${first}行重复（${what}相同），同一${what}只能出现一次`);
        return true;
      }
      seen.set(key, at.row);
      return false;
    };

    let readable = true;
    switch (kind) {
      case 'schools':
        readable = readSheet(kind, sheet, problems, (r) => {
          const id = r.take('school_id', schoolIdCell(r.get('school_id'), C(kind, 'school_id')));
          const nameZh = r.take('name', textCell(r.get('name'), C(kind, 'name'), 100));
          const district = r.take('district', districtCell(r.get('district'), C(kind, 'district')));
          const kindText = r.get('kind');
          const schoolKind = r.take('kind', KINDS[squash(kindText)] ? ok(KINDS[squash(kindText)]!) : bad(kindText === '' ? '请填写办学性质（公办/民办）' : `办学性质只能填写“公办”或“民办”，实际为“${echo(kindText)}”`));
          const stageTexts = r.get('stages').split(/[、,，;；/\s]+/).filter((s) => s !== '');
          let stages: Stage[] | undefined;
          if (stageTexts.length === 0) r.take('stages', bad(`请填写学段（${STAGE_CHOICES}，多个用“、”分隔）`));
          else {
            const parsed = stageTexts.map((s) => stageCell(s, C(kind, 'stages')));
            const wrong = parsed.find((p) => !p.ok);
            stages = wrong ? r.take('stages', wrong) : [...new Set(parsed.map((p) => (p as { value: Stage }).value))];
          }
          const addressText = r.get('address');
          const address = addressText === '' ? null : r.take('address', textCell(addressText, C(kind, 'address'), 200));
          if (id === undefined || nameZh === undefined || district === undefined || schoolKind === undefined || stages === undefined || address === undefined) return;
          if (duplicate(id, r.at, C(kind, 'school_id'), '学校代码')) return;
          data.schools.push({ id, nameZh, district, kind: schoolKind, stages, address, at: r.at });
        });
        break;

      case 'seats':
        readable = readSheet(kind, sheet, problems, (r) => {
          const schoolId = r.take('school_id', schoolIdCell(r.get('school_id'), C(kind, 'school_id')));
          const year = r.take('year', intCell(r.get('year'), C(kind, 'year'), 2000, 2100));
          const stage = r.take('stage', stageCell(r.get('stage'), C(kind, 'stage')));
          const seats = r.take('seats', intCell(r.get('seats'), C(kind, 'seats'), 0, 100000));
          const pText = r.get('purchasable_seats');
          const purchasableSeats = pText === '' ? null : r.take('purchasable_seats', intCell(pText, C(kind, 'purchasable_seats'), 0, 100000));
          const priceText = r.get('seat_price');
          const seatPrice = priceText === '' ? null : r.take('seat_price', decimalCell(priceText, C(kind, 'seat_price'), 1_000_000));
          if (schoolId === undefined || year === undefined || stage === undefined || seats === undefined || purchasableSeats === undefined || seatPrice === undefined) return;
          if (purchasableSeats !== null && purchasableSeats > seats) {
            rowProblem(problems, r.at, C(kind, 'purchasable_seats'), `政府购买学位数（${purchasableSeats}）不能超过招生学位数（${seats}）`);
            return;
          }
          if (purchasableSeats !== null && purchasableSeats > 0 && seatPrice === null) {
            rowProblem(problems, r.at, C(kind, 'seat_price'), '填写了政府购买学位数，请同时填写购买单价（元/生·年）');
            return;
          }
          if (duplicate(`${schoolId}|${year}|${stage}`, r.at, C(kind, 'school_id'), '学校、年度和学段')) return;
          data.seats.push({ schoolId, year, stage, seats, purchasableSeats, seatPrice, at: r.at });
        });
        break;

      case 'catchments':
        readable = readSheet(kind, sheet, problems, (r) => {
          const district = r.take('district', districtCell(r.get('district'), C(kind, 'district')));
          const stage = r.take('stage', stageCell(r.get('stage'), C(kind, 'stage')));
          const street = r.take('street', textCell(r.get('street'), C(kind, 'street'), 50));
          const communityText = r.get('community');
          const community = communityText === '' ? '' : r.take('community', textCell(communityText, C(kind, 'community'), 50));
          const schoolId = r.take('school_id', schoolIdCell(r.get('school_id'), C(kind, 'school_id')));
          if (district === undefined || stage === undefined || street === undefined || community === undefined || schoolId === undefined) return;
          const s = normalizePlaceName(street);
          const c = normalizePlaceName(community);
          const what = c === '' ? '区县、学段和街道（整街道划片）' : '区县、学段、街道和社区';
          if (duplicate(`${district}|${stage}|${s}|${c}`, r.at, C(kind, c === '' ? 'street' : 'community'), what)) return;
          data.catchments.push({ district, stage, street: s, community: c, schoolId, at: r.at });
        });
        break;

      case 'distances':
        readable = readSheet(kind, sheet, problems, (r) => {
          const a = r.take('school_id', schoolIdCell(r.get('school_id'), C(kind, 'school_id')));
          const b = r.take('other_school_id', schoolIdCell(r.get('other_school_id'), C(kind, 'other_school_id')));
          const distance = r.take('distance', decimalCell(r.get('distance'), C(kind, 'distance'), 10_000));
          if (a === undefined || b === undefined || distance === undefined) return;
          if (a === b) {
            rowProblem(problems, r.at, C(kind, 'other_school_id'), '相邻学校代码不能与学校代码相同');
            return;
          }
          const [x, y] = a < b ? [a, b] : [b, a];
          if (duplicate(`${x}|${y}`, r.at, C(kind, 'other_school_id'), '两所学校之间的距离')) return;
          data.distances.push({ schoolId: a, otherSchoolId: b, distance, at: r.at });
        });
        break;
    }
    if (!readable) unreadableSheets.push(sheet.name);
  }
  return { data, problems, unreadableSheets };
}

/** What the database already knows about a school the file refers to. */
export interface KnownSchool {
  id: string;
  district: string;
  kind: 'public' | 'private';
  stages: readonly string[];
}

/**
 * References checked against the schools of the file and of the database (the file's rows win, since they are about
 * to replace the database's): every school a row names exists; purchasable seats and prices only at private
 * schools; a catchment's school is public, in the catchment's district and teaches the stage; seats only for a
 * stage the school teaches.
 */
export function checkReferences(data: ParsedSchoolData, known: ReadonlyMap<string, KnownSchool>): SchoolDataProblem[] {
  const problems: SchoolDataProblem[] = [];
  const schools = new Map<string, KnownSchool>(known);
  for (const s of data.schools) schools.set(s.id, s);
  const C = (kind: SchoolDataKind, key: string) => SCHOOL_DATA_COLUMNS[kind].find((c) => c.key === key)!.nameZh;
  const missing = (id: string) => `学校代码“${id}”不存在：请先导入该学校，或在同一工作簿的“学校”表中列出`;

  for (const s of data.seats) {
    const school = schools.get(s.schoolId);
    if (!school) {
      rowProblem(problems, s.at, C('seats', 'school_id'), missing(s.schoolId));
      continue;
    }
    if (school.kind === 'public' && (s.purchasableSeats ?? 0) > 0) {
      rowProblem(problems, s.at, C('seats', 'purchasable_seats'), `${s.schoolId}是公办学校，政府购买学位只适用于民办学校，请留空`);
    }
    if (school.stages.length > 0 && !school.stages.includes(s.stage)) {
      rowProblem(problems, s.at, C('seats', 'stage'), `${s.schoolId}不招收${STAGE_NAMES_ZH[s.stage]}（学校学段为${school.stages.map((x) => STAGE_NAMES_ZH[x as Stage] ?? x).join('、')}）`);
    }
  }
  for (const c of data.catchments) {
    const school = schools.get(c.schoolId);
    if (!school) {
      rowProblem(problems, c.at, C('catchments', 'school_id'), missing(c.schoolId));
      continue;
    }
    if (school.kind !== 'public') rowProblem(problems, c.at, C('catchments', 'school_id'), `${c.schoolId}是民办学校，划片只能划给公办学校`);
    else if (school.district !== c.district) rowProblem(problems, c.at, C('catchments', 'school_id'), `${c.schoolId}属于区县${school.district}，不能划入区县${c.district}的招生片区`);
    else if (school.stages.length > 0 && !school.stages.includes(c.stage)) rowProblem(problems, c.at, C('catchments', 'stage'), `${c.schoolId}不招收${STAGE_NAMES_ZH[c.stage]}`);
  }
  for (const d of data.distances) {
    for (const [id, key] of [[d.schoolId, 'school_id'], [d.otherSchoolId, 'other_school_id']] as const) {
      if (!schools.has(id)) rowProblem(problems, d.at, C('distances', key), missing(id));
    }
  }
  return problems.sort((a, b) => (a.sheet === b.sheet ? (a.row ?? 0) - (b.row ?? 0) : a.sheet < b.sheet ? -1 : 1));
}

/** The kinds in Chinese, for messages and CSV sheet names. */
export const SCHOOL_DATA_KIND_NAMES_ZH: Record<SchoolDataKind, string> = {
  schools: '学校',
  seats: '学位',
  catchments: '划片',
  distances: '距离',
};
