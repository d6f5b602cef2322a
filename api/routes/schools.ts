/**
 * Schools, seats, catchments and distances: administrators load the spreadsheets the education bureau keeps (XLSX or
 * CSV, the file itself as the body), and everyone who works on enrollment reads them back.
 *
 * A file with any bad row is refused whole (422): every problem is listed with its sheet, its row as the spreadsheet
 * shows it and its column by the Chinese header, and nothing is written (one transaction).
 *
 * A school reads the list of the children placed with it (and only its own: another school's id is a 403); the
 * education bureau, the supervision office, leaders and administrators read any school's list.
 *
 * Kinds (the path's :kind): schools, seats, catchments, distances (one sheet: a CSV, or an XLSX's sheet of that
 * name or its first sheet), or workbook (an XLSX with any of the sheets 学校 / 学位 / 划片 / 距离).
 */
import { z } from 'zod';
import { APPLICATION_STATES, APPLICATION_STATE_NAMES_ZH, type ApplicationState } from '../../contracts/application';
import { listSchoolPlacements } from '../../db/repositories/allocation';
import { findSchool, importSchoolData, listCatchments, listSchools } from '../../db/repositories/schools';
import { STAGES, STAGE_NAMES_ZH, type Stage } from '../../domain/application';
import {
  SCHOOL_DATA_COLUMNS,
  SCHOOL_DATA_KINDS,
  SCHOOL_DATA_KIND_NAMES_ZH,
  SHEET_NAMES_ZH,
  kindOfSheet,
  parseSchoolData,
  type SchoolDataKind,
  type SchoolDataProblem,
  type SheetInput,
} from '../../domain/school-data';
import type { ApiDeps } from '../deps';
import { HttpError, forbidden, notFound } from '../http/errors';
import type { RouteTable } from '../http/routes';
import { CSV_MEDIA_TYPE, SpreadsheetReadError, XLSX_MEDIA_TYPE, readCsv, readXlsx, spreadsheetFormat } from '../http/spreadsheet';

export const MAX_SCHOOL_DATA_BYTES = 10 * 1024 * 1024;
const MAX_REPORTED_PROBLEMS = 1000;
const IMPORT_KINDS = [...SCHOOL_DATA_KINDS, 'workbook'] as const;
type ImportKind = (typeof IMPORT_KINDS)[number];

const fileName = z
  .string()
  .trim()
  .min(1, '请填写文件名')
  .max(200, '文件名不能超过200个字符')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  .refine((s) => !/[\\/\u0000-\u001f\u007f]/.test(s), '文件名不能包含斜杠或控制字符');

const READERS = ['officer', 'school', 'supervisor', 'leader', 'admin'] as const;

/** 422 with one field per problem: `学位.row 5.招生学位数`, and a message that says the row and column in Chinese. */
function refusal(problems: SchoolDataProblem[]): HttpError {
  const fields = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => ({
    field: p.row === null ? `${p.sheet}.file` : `${p.sheet}.row ${p.row}.${p.column}`,
    message: p.row === null ? `【${p.sheet}】${p.message}` : `【${p.sheet}】第${p.row}行“${p.column}”：${p.message}`,
  }));
  const more = problems.length - fields.length;
  if (more > 0) fields.push({ field: 'file', message: `另有${more}处问题未列出，请先修正以上问题` });
  const rows = new Set(problems.filter((p) => p.row !== null).map((p) => `${p.sheet}:${p.row}`)).size;
  return new HttpError(
    422,
    'invalid_rows',
    `文件有${problems.length}处问题（涉及${rows}行），未导入任何数据 (${problems.length} problems in ${rows} rows; nothing was imported)`,
    fields,
  );
}

/** The sheets of the upload, each with the kind it holds. */
async function sheetsOf(kind: ImportKind, bytes: Buffer, contentType: string | undefined): Promise<{ format: 'csv' | 'xlsx'; sheets: { kind: SchoolDataKind; sheet: SheetInput }[] }> {
  const format = spreadsheetFormat(bytes, contentType);
  if (format === 'csv') {
    if (kind === 'workbook') throw refusal([{ sheet: '文件', row: null, column: '文件', message: '整本工作簿只能以Excel（.xlsx）格式上传；CSV文件请按学校、学位、划片、距离分别上传' }]);
    return { format, sheets: [{ kind, sheet: readCsv(bytes, contentType, SCHOOL_DATA_KIND_NAMES_ZH[kind]) }] };
  }
  const all = await readXlsx(bytes);
  if (kind !== 'workbook') {
    const named = all.find((s) => kindOfSheet(s.name) === kind) ?? all[0];
    if (!named) throw refusal([{ sheet: '文件', row: null, column: '文件', message: '工作簿中没有工作表' }]);
    return { format, sheets: [{ kind, sheet: named }] };
  }
  const sheets = all.flatMap((s) => {
    const k = kindOfSheet(s.name);
    return k ? [{ kind: k, sheet: s }] : [];
  });
  if (sheets.length === 0) {
    const names = SCHOOL_DATA_KINDS.map((k) => `“${SHEET_NAMES_ZH[k][0]}”`).join('、');
    throw refusal([{ sheet: '文件', row: null, column: '文件', message: `工作簿中没有可识别的工作表，工作表应命名为${names}` }]);
  }
  // Schools first, so a reader of the report sees them in the order they depend on each other.
  sheets.sort((a, b) => SCHOOL_DATA_KINDS.indexOf(a.kind) - SCHOOL_DATA_KINDS.indexOf(b.kind));
  return { format, sheets };
}

export function registerSchoolRoutes(routes: RouteTable, deps: Pick<ApiDeps, 'pool'>): void {
  routes.add({
    method: 'post',
    path: '/api/school-data/:kind/imports',
    summary:
      'Load a spreadsheet of schools, seats, catchments or distances (XLSX or CSV as the body, with ?fileName=); all rows or none. Columns: ' +
      SCHOOL_DATA_KINDS.map((k) => `${k} (${SHEET_NAMES_ZH[k][0]}): ${SCHOOL_DATA_COLUMNS[k].map((c) => c.nameZh).join(',')}`).join('; '),
    tag: 'schools',
    auth: ['admin'],
    params: z.object({ kind: z.enum(IMPORT_KINDS, { error: `kind must be one of ${IMPORT_KINDS.join(', ')}` }) }),
    query: z.object({ fileName }),
    rawBody: { types: [XLSX_MEDIA_TYPE, CSV_MEDIA_TYPE], limit: MAX_SCHOOL_DATA_BYTES, description: 'The spreadsheet itself (XLSX or CSV, up to 10 MB)' },
    successStatus: 201,
    handler: async ({ params, query, rawBody, req, actor }) => {
      if (!rawBody || rawBody.length === 0) {
        throw new HttpError(400, 'empty_file', '文件为空，请重新上传 (the request body is empty)', [{ field: 'body', message: '文件为空，请重新上传' }]);
      }
      let read;
      try {
        read = await sheetsOf(params.kind, rawBody, req.headers['content-type']);
      } catch (err) {
        if (err instanceof SpreadsheetReadError) throw refusal([{ sheet: '文件', row: err.row, column: '文件', message: err.message }]);
        throw err;
      }
      const parsed = parseSchoolData(read.sheets);
      // A header problem leaves nothing to check references on; otherwise both kinds of problem are reported at once.
      if (parsed.unreadableSheets.length > 0) throw refusal(parsed.problems);
      const result = await importSchoolData(deps.pool, {
        kind: params.kind,
        fileName: query.fileName,
        format: read.format,
        data: parsed.data,
        parseProblems: parsed.problems,
        importedBy: actor!.userId,
      });
      if (!result.ok) throw refusal(result.problems);
      return { importId: result.importId, kind: params.kind, fileName: query.fileName, format: read.format, rowsLoaded: result.rowsLoaded };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/schools',
    summary: 'Schools with their stages and seats (filter by district, year, stage)',
    tag: 'schools',
    auth: READERS,
    query: z.object({
      district: z.string().regex(/^[a-z0-9_]{1,32}$/).optional(),
      year: z.coerce.number().int().min(2000).max(2100).optional(),
      stage: z.enum(STAGES).optional(),
    }),
    handler: async ({ query }) => ({ items: await listSchools(deps.pool, query) }),
  });

  routes.add({
    method: 'get',
    path: '/api/catchments',
    summary: 'Catchments (划片) of a district: street or community → public school, per stage (published to parents, seed 004)',
    tag: 'schools',
    auth: 'public',
    query: z.object({ district: z.string().regex(/^[a-z0-9_]{1,32}$/), stage: z.enum(STAGES).optional() }),
    handler: async ({ query }) => ({ items: await listCatchments(deps.pool, query.district, query.stage) }),
  });

  routes.add({
    method: 'get',
    path: '/api/schools/:schoolId/placements',
    summary: "The children placed with a school (names masked), with their application state: the school's check-in list; a school user sees only its own school",
    tag: 'schools',
    auth: ['school', 'officer', 'supervisor', 'leader', 'admin'],
    params: z.object({ schoolId: z.string().min(1).max(64).regex(/^[\w-]+$/, '学校代码格式不正确 (not a school id)') }),
    query: z.object({
      year: z.coerce.number().int().min(2000).max(2100).optional(),
      state: z.enum(APPLICATION_STATES).optional(),
    }),
    handler: async ({ params, query, actor }) => {
      if (actor!.role === 'school' && actor!.schoolId !== params.schoolId) throw forbidden('学校只能查看本校的已安排儿童 (a school sees only the children placed with it)');
      if (actor!.role === 'officer' && actor!.departmentCode !== 'education') throw forbidden('只有教育局经办人可以查看学校的已安排儿童 (education bureau only)');
      const school = await findSchool(deps.pool, params.schoolId);
      if (!school) throw notFound(`school ${params.schoolId}`);
      const rows = await listSchoolPlacements(deps.pool, params.schoolId, query);
      return {
        school: { id: school.id, nameZh: school.nameZh, district: school.district },
        items: rows.map((r) => ({
          ...r,
          stageZh: STAGE_NAMES_ZH[r.stage as Stage] ?? r.stage,
          stateZh: APPLICATION_STATE_NAMES_ZH[r.state as ApplicationState] ?? r.state,
        })),
      };
    },
  });
}
