/**
 * Registry imports: a verifying department (police, hrss, housing, market) loads its registry export, so that
 * verifications its registry confirms complete at once ("数据共享为主、人工核查为辅", seed 004). A file with any bad
 * row is refused whole (422, every bad row listed as `row N.column`), and nothing is written.
 *
 * The file comes in one of two ways:
 *  - JSON `{ fileName, csv }`, within the API's JSON limit (1 MB, api/app.ts), convenient for small files and forms;
 *  - the CSV itself as the body, `Content-Type: text/csv`, up to 5 MB, with `?fileName=`. Its bytes are read as UTF-8,
 *    or as GB18030 when they are not valid UTF-8 (Excel in China saves "CSV (逗号分隔)" in GBK), or in the charset the
 *    Content-Type names.
 */
import { z } from 'zod';
import { importRegistry, listRegistryImports } from '../../db/repositories/registries';
import { REGISTRY_COLUMNS, REGISTRY_DEPARTMENTS, type RegistryDepartment } from '../../domain/registries';
import type { Actor } from '../../domain/roles';
import type { ApiDeps } from '../deps';
import { HttpError, forbidden } from '../http/errors';
import type { RouteTable } from '../http/routes';

export const MAX_REGISTRY_CSV_BYTES = 5 * 1024 * 1024;
/** The 422 lists at most this many problems, and says how many more there were. */
const MAX_REPORTED_PROBLEMS = 1000;

export type RegistryRouteDeps = Pick<ApiDeps, 'pool'> & { personalDataKey: string };

const departmentParams = z.object({
  department: z.enum(REGISTRY_DEPARTMENTS, { error: `department must be one of ${REGISTRY_DEPARTMENTS.join(', ')}` }),
});
const fileName = z
  .string()
  .trim()
  .min(1, '请填写文件名')
  .max(200, '文件名不能超过200个字符')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  .refine((s) => !/[\\/\u0000-\u001f\u007f]/.test(s), '文件名不能包含斜杠或控制字符');

/** Officers work only on their own department's registry; supervisors, leaders and admins see all. */
function ensureOwnDepartment(actor: Actor, department: string): void {
  if (actor.role === 'officer' && actor.departmentCode !== department) {
    throw forbidden(`officers of ${actor.departmentCode} may not act on the ${department} registry`);
  }
}

function decodeCsv(bytes: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset="?([\w-]+)"?/i.exec(contentType ?? '')?.[1];
  try {
    if (charset) return new TextDecoder(charset, { fatal: true }).decode(bytes);
  } catch (err) {
    const message = (err as { code?: string }).code === 'ERR_ENCODING_NOT_SUPPORTED' ? `不支持的字符集 ${charset}` : `文件内容不是有效的 ${charset} 编码`;
    throw new HttpError(415, 'unsupported_media_type', `${message} (content-type charset ${charset})`, [{ field: 'content-type', message }]);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

export function registerRegistryRoutes(routes: RouteTable, deps: RegistryRouteDeps): void {
  routes.add({
    method: 'post',
    path: '/api/registries/:department/imports',
    summary:
      "Load a department's registry export (CSV); all rows or none. Columns: " +
      REGISTRY_DEPARTMENTS.map((d) => `${d}: ${REGISTRY_COLUMNS[d].join(',')}`).join('; '),
    tag: 'registries',
    auth: ['officer', 'admin'],
    params: departmentParams,
    query: z.object({ fileName: fileName.optional() }),
    body: z.object({ fileName, csv: z.string().min(1, '文件为空').max(MAX_REGISTRY_CSV_BYTES, '文件不能超过5MB') }),
    rawBody: { types: ['text/csv'], limit: MAX_REGISTRY_CSV_BYTES, description: 'The CSV itself (up to 5 MB), with ?fileName=' },
    successStatus: 201,
    handler: async ({ params, query, body, rawBody, req, actor }) => {
      ensureOwnDepartment(actor!, params.department);
      let name: string;
      let csvText: string;
      if (rawBody) {
        if (!query.fileName) throw new HttpError(400, 'validation_failed', 'query.fileName is required with a text/csv body', [{ field: 'query.fileName', message: '请填写文件名' }]);
        name = query.fileName;
        csvText = decodeCsv(rawBody, req.headers['content-type']);
      } else {
        name = body.fileName;
        csvText = body.csv;
      }
      const result = await importRegistry(deps.pool, {
        department: params.department as RegistryDepartment,
        fileName: name,
        csvText,
        importedBy: actor!.userId,
        hmacSecret: deps.personalDataKey,
      });
      if (!result.ok) {
        const fields = result.errors.slice(0, MAX_REPORTED_PROBLEMS).map((e) => ({ field: `row ${e.row}.${e.field}`, message: e.message }));
        const more = result.errors.length - fields.length;
        if (more > 0) fields.push({ field: 'file', message: `另有${more}处问题未列出，请先修正以上问题` });
        const badRows = new Set(result.errors.map((e) => e.row)).size;
        throw new HttpError(
          422,
          'invalid_rows',
          `文件有${badRows}行不合格，未导入任何记录 (${result.errors.length} problems in ${badRows} rows; nothing was imported)`,
          fields,
        );
      }
      const { ok: _ok, ...loaded } = result;
      return loaded;
    },
  });

  routes.add({
    method: 'get',
    path: '/api/registries/:department/imports',
    summary: "A department's registry imports, newest first",
    tag: 'registries',
    auth: ['officer', 'supervisor', 'leader', 'admin'],
    params: departmentParams,
    query: z.object({
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(100).default(20),
    }),
    handler: async ({ params, query, actor }) => {
      ensureOwnDepartment(actor!, params.department);
      const r = await listRegistryImports(deps.pool, params.department, { limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      return { ...r, page: query.page, pageSize: query.pageSize };
    },
  });
}
