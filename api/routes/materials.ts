/**
 * Materials: a parent uploads a scan or photo (the raw bytes as the body, with its Content-Type) and gets back the
 * file id the application form refers to; the uploader and the offices read it back.
 *
 * The declared type is checked against the file's first bytes, so a renamed .exe or an HTML page cannot be stored as
 * a "PDF" and later served to an officer's browser under that type. A parent asking for a file they did not upload
 * gets 404, the same as for a file that does not exist, so file ids cannot be probed; so does an officer asking
 * for another department's step evidence (api/routes/step-evidence.ts).
 */
import { z } from 'zod';
import type { Request, Response } from 'express';
import { findMaterial, officerMayReadMaterial, storeMaterial, userOwnsMaterial, type MaterialContent } from '../../db/repositories/materials';
import { MATERIAL_MEDIA_TYPES, MAX_MATERIAL_BYTES, type MaterialMediaType } from '../../domain/application';
import type { Role } from '../../domain/roles';
import type { ApiDeps } from '../deps';
import { HttpError, notFound } from '../http/errors';
import type { RouteTable } from '../http/routes';

/** The first bytes each accepted type starts with. */
const MAGIC: Record<MaterialMediaType, Buffer> = {
  'application/pdf': Buffer.from('%PDF-', 'ascii'),
  'image/jpeg': Buffer.from([0xff, 0xd8, 0xff]),
  'image/png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
};

const TYPE_NAMES_ZH: Record<MaterialMediaType, string> = { 'application/pdf': 'PDF', 'image/jpeg': 'JPG', 'image/png': 'PNG' };

/** The accepted type the file's bytes say it is, if any. */
export function sniffMaterialType(content: Buffer): MaterialMediaType | undefined {
  return MATERIAL_MEDIA_TYPES.find((t) => content.subarray(0, MAGIC[t].length).equals(MAGIC[t]));
}

/**
 * The type of an uploaded file (a parent's material, an officer's evidence): the body must not be empty, and its
 * first bytes must say the type its content-type declares, so a renamed .exe or an HTML page cannot be stored as a
 * "PDF" and later served to a browser under that type.
 */
export function uploadedMaterialType(rawBody: Buffer | undefined, req: Request): MaterialMediaType {
  if (!rawBody || rawBody.length === 0) {
    throw new HttpError(400, 'empty_file', '文件为空，请重新上传 (the request body is empty)', [{ field: 'body', message: '文件为空，请重新上传' }]);
  }
  const declared = MATERIAL_MEDIA_TYPES.find((t) => req.is(t));
  const actual = sniffMaterialType(rawBody);
  if (!declared || actual !== declared) {
    const message =
      `文件内容与声明的类型（content-type：${req.headers['content-type']}）不符，` +
      `${actual ? `实际为${TYPE_NAMES_ZH[actual]}文件` : '只能上传PDF、JPG或PNG格式的文件'} ` +
      `(the file's content does not match its content-type "${req.headers['content-type']}"${actual ? `; it looks like ${actual}` : ''})`;
    throw new HttpError(415, 'unsupported_media_type', message, [{ field: 'content-type', message }]);
  }
  return declared;
}

/** Answers with a stored file: inline, never sniffed, never in a shared cache. */
export function sendMaterial(res: Response, m: MaterialContent): void {
  res.status(200);
  res.setHeader('content-type', m.mediaType);
  res.setHeader('content-length', String(m.size));
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('content-disposition', 'inline');
  // Personal documents: no shared caches; the id is the content hash, so it is a perfect ETag.
  res.setHeader('cache-control', 'private, no-store');
  res.setHeader('etag', `"${m.fileId}"`);
  res.end(m.content);
}

const READERS: Role[] = ['applicant', 'officer', 'supervisor', 'admin'];

const storedMaterial = z.object({
  fileId: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int(),
  mediaType: z.enum(MATERIAL_MEDIA_TYPES),
});

export function registerMaterialRoutes(routes: RouteTable, deps: Pick<ApiDeps, 'pool'>): void {
  routes.add({
    method: 'post',
    path: '/api/materials',
    summary: 'Upload a material (PDF, JPG or PNG, at most 10 MB) as the raw request body; the same bytes twice give the same file id',
    tag: 'materials',
    auth: ['applicant'],
    rawBody: { types: MATERIAL_MEDIA_TYPES, limit: MAX_MATERIAL_BYTES, description: 'The file itself, with Content-Type application/pdf, image/jpeg or image/png' },
    response: storedMaterial,
    successStatus: 201,
    handler: async ({ rawBody, req, actor }) => {
      const mediaType = uploadedMaterialType(rawBody, req);
      return storeMaterial(deps.pool, { content: rawBody!, mediaType, userId: actor!.userId });
    },
  });

  routes.add({
    method: 'get',
    path: '/api/materials/:fileId',
    summary: 'Download a material: its uploader, an officer of a department with a step on it (its application or its evidence), a supervisor or an administrator',
    tag: 'materials',
    auth: READERS,
    params: z.object({ fileId: z.string().regex(/^[0-9a-f]{64}$/, 'not a file id') }),
    handler: async ({ params, actor, res }) => {
      // An applicant learns nothing about files that are not theirs: not found, whether or not it exists.
      if (actor!.role === 'applicant' && !(await userOwnsMaterial(deps.pool, params.fileId, actor!.userId))) {
        throw notFound(`material ${params.fileId}`);
      }
      // An officer reads what their department works on: its steps' evidence, the materials of applications it has a
      // step on. Anything else is not found, as for a parent, so the answer does not tell whether the file exists.
      if (actor!.role === 'officer' && !(await officerMayReadMaterial(deps.pool, params.fileId, actor!.userId, actor!.departmentCode!))) {
        throw notFound(`material ${params.fileId}`);
      }
      const m = await findMaterial(deps.pool, params.fileId);
      if (!m) throw notFound(`material ${params.fileId}`);
      sendMaterial(res, m);
      return undefined;
    },
  });
}
