/**
 * Evidence files of a department step: an officer attaches a scan or photo (PDF, JPG, PNG; the raw bytes as the
 * body, like a parent's material) to a running step of their own department before completing it, and refers to it
 * in the completion's evidence as `file:<fileId>`. The bytes are stored like every other material; the link to the
 * step is what decides who may read it back.
 *
 * Who: only an officer of the step's department uploads, and only while the step is still being worked on; the
 * step's department, the supervision office, the leading group and administrators list and open the files. Another
 * department's officer gets 403 for the step, as on the step itself.
 */
import { z } from 'zod';
import { STEP_STATE_NAMES_ZH, WORKING_STATES, type StepState } from '../../contracts/department-step';
import { isStepEvidence, listStepEvidence, findMaterial, storeStepEvidence } from '../../db/repositories/materials';
import { MATERIAL_MEDIA_TYPES, MAX_MATERIAL_BYTES } from '../../domain/application';
import type { ApiDeps } from '../deps';
import { HttpError, notFound } from '../http/errors';
import type { RouteTable } from '../http/routes';
import { sendMaterial, uploadedMaterialType } from './materials';
import { OFFICE_ROLES, stepIdParams, visibleStep } from './steps';

const fileIdSchema = z.string().regex(/^[0-9a-f]{64}$/, '文件编号格式不正确 (not a file id)');

const fileName = z
  .string()
  .trim()
  .min(1, '请填写文件名 (fileName is required)')
  .max(200, '文件名不能超过200个字符 (fileName over 200 characters)')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  .refine((s) => !/[\\/\u0000-\u001f\u007f]/.test(s), '文件名不能包含斜杠或控制字符 (no slashes or control characters)');

export function registerStepEvidenceRoutes(routes: RouteTable, deps: Pick<ApiDeps, 'pool'>): void {
  routes.add({
    method: 'post',
    path: '/api/steps/:stepId/evidence-files',
    summary: 'Attach an evidence file (PDF, JPG or PNG, at most 10 MB, the raw bytes as the body, ?fileName=) to a running step of the officer’s own department',
    tag: 'steps',
    auth: ['officer'],
    params: stepIdParams,
    query: z.object({ fileName }),
    rawBody: { types: MATERIAL_MEDIA_TYPES, limit: MAX_MATERIAL_BYTES, description: 'The file itself, with Content-Type application/pdf, image/jpeg or image/png' },
    successStatus: 201,
    handler: async ({ params, query, rawBody, req, actor }) => {
      const step = await visibleStep(deps, actor!, params.stepId);
      if (!WORKING_STATES.includes(step.state as StepState)) {
        const stateZh = STEP_STATE_NAMES_ZH[step.state as StepState] ?? step.state;
        throw new HttpError(409, 'invalid_state', `事项${stateZh}，不能再上传证据 (cannot attach evidence to a step that is ${step.state})`);
      }
      const mediaType = uploadedMaterialType(rawBody, req);
      const stored = await storeStepEvidence(deps.pool, { stepId: step.stepId, departmentCode: step.departmentCode, fileName: query.fileName, content: rawBody!, mediaType, userId: actor!.userId });
      return { ...stored, stepId: step.stepId, fileName: query.fileName, ref: `file:${stored.fileId}` };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/steps/:stepId/evidence-files',
    summary: 'The evidence files attached to a step (its department, the supervision office, leaders, admins)',
    tag: 'steps',
    auth: OFFICE_ROLES,
    params: stepIdParams,
    handler: async ({ params, actor }) => {
      await visibleStep(deps, actor!, params.stepId);
      return { items: await listStepEvidence(deps.pool, params.stepId) };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/steps/:stepId/evidence-files/:fileId',
    summary: 'Download an evidence file of a step',
    tag: 'steps',
    auth: OFFICE_ROLES,
    params: stepIdParams.extend({ fileId: fileIdSchema }),
    handler: async ({ params, actor, res }) => {
      await visibleStep(deps, actor!, params.stepId);
      const m = (await isStepEvidence(deps.pool, params.stepId, params.fileId)) ? await findMaterial(deps.pool, params.fileId) : undefined;
      if (!m) throw notFound(`evidence file ${params.fileId} of step ${params.stepId}`);
      sendMaterial(res, m);
      return undefined;
    },
  });
}
