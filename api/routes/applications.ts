/**
 * Enrollment applications: the published checklists, submission (idempotent per child and year), the parent's
 * status page, and the acts on an application (补正 request and answer, withdrawal, check-in).
 *
 * Who sees what: a parent sees only their own applications (another family's number answers 404, so numbers cannot
 * be probed); an officer sees an application only when their department has a step of it, and only their
 * department's steps; a school sees the children placed with it; the supervision office, the leading group and
 * administrators see all. ID numbers and phone numbers are masked except for the officers who verify them.
 */
import crypto from 'node:crypto';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { z } from 'zod';
import {
  APPLICATION_STATES,
  APPLICATION_STATE_NAMES_ZH,
  FINAL_APPLICATION_STATES,
  checkInUpdate,
  makeApplicationWorkflowId,
  requestSupplementUpdate,
  supplementUpdate,
  withdrawUpdate,
  type ApplicationInput,
  type ApplicationState,
  type VerifyingDepartment,
} from '../../contracts/application';
import { SA } from '../../contracts/search-attributes';
import {
  applicationTimeline,
  createOrFindApplication,
  discardUnstartedApplication,
  findApplication,
  findPolicy,
  listApplications,
  listPolicies,
  type ApplicationRow,
} from '../../db/repositories/applications';
import { userOwnsMaterial } from '../../db/repositories/materials';
import { listSteps } from '../../db/repositories/steps';
import { STAGE_NAMES_ZH, makeApplicationNumber, makeApplicationSchema } from '../../domain/application';
import { departmentNameZh, maskForm, maskName, timelineZh } from '../../domain/application-view';
import { ELIGIBILITY_REGIME_NAMES_ZH } from '../../domain/eligibility';
import type { Actor } from '../../domain/roles';
import { shanghaiDate } from '../../domain/working-days';
import { HttpError, notFound, validationError } from '../http/errors';
import type { RouteContext, RouteTable } from '../http/routes';
import { mapWorkflowError } from '../http/temporal-errors';
import type { ApiDeps } from '../deps';
import { PersonalDataVault } from '../../platform/personal-data-vault';

/** Departments whose officers verify an application's personal data and so may see it unmasked. */
const VERIFYING_DEPARTMENTS = new Set(['education', 'police', 'hrss', 'housing', 'market', 'finance']);

const numberParams = z.object({ applicationNumber: z.string().regex(/^\d{4}-[A-Z0-9_]{1,32}-\d{6,}$/, '申请编号格式不正确') });

/** The schema used for the OpenAPI document; requests are validated with today's (dates may not lie in the future). */
const documentedForm = makeApplicationSchema({ today: '2100-12-31' });

const vaults = new WeakMap<ApiDeps, PersonalDataVault>();
/** One vault per app instance (key derivation is deliberately slow-ish; do it once). */
function vaultFor(deps: ApiDeps): PersonalDataVault {
  let v = vaults.get(deps);
  if (!v) vaults.set(deps, (v = new PersonalDataVault(deps.personalDataKey)));
  return v;
}

function childKey(secret: string, year: number, idNumber: string): string {
  return crypto.createHmac('sha256', secret).update(`application:${year}:${idNumber.toUpperCase()}`).digest('hex');
}

/** 404 rather than 403 for someone else's application: its existence is itself personal data. */
async function visibleApplication(deps: ApiDeps, actor: Actor, applicationNumber: string): Promise<{ app: ApplicationRow; unmasked: boolean; ownDepartmentOnly: string | null }> {
  const app = await findApplication(deps.pool, applicationNumber, vaultFor(deps));
  const missing = notFound(`application ${applicationNumber}`);
  if (!app) throw missing;
  switch (actor.role) {
    case 'applicant':
      if (app.applicantUserId !== actor.userId) throw missing;
      return { app, unmasked: true, ownDepartmentOnly: null };
    case 'officer': {
      const steps = await listSteps(deps.pool, { subjectType: 'application', subjectId: applicationNumber, departmentCode: actor.departmentCode!, page: 1, pageSize: 1 }, new Date());
      if (steps.total === 0) throw missing;
      return { app, unmasked: VERIFYING_DEPARTMENTS.has(actor.departmentCode!), ownDepartmentOnly: actor.departmentCode };
    }
    case 'school':
      if (app.placement?.schoolId !== actor.schoolId) throw missing;
      return { app, unmasked: false, ownDepartmentOnly: '-' };
    default:
      return { app, unmasked: false, ownDepartmentOnly: null };
  }
}

function summary(app: ApplicationRow) {
  return {
    applicationNumber: app.applicationNumber,
    childName: app.childNameMasked,
    year: app.year,
    district: app.district,
    stage: app.stage,
    stageZh: STAGE_NAMES_ZH[app.stage as keyof typeof STAGE_NAMES_ZH] ?? app.stage,
    state: app.state,
    stateZh: APPLICATION_STATE_NAMES_ZH[app.state as keyof typeof APPLICATION_STATE_NAMES_ZH] ?? '已提交',
    pointsTotal: app.pointsTotal,
    placement: app.placement,
    submittedAt: app.submittedAt,
  };
}

function updateKey(ctx: RouteContext<unknown, unknown, unknown>, act: string): string {
  const key = ctx.req.header('idempotency-key');
  return `${act}:${key && /^[\w.:-]{8,100}$/.test(key) ? key : ctx.requestId}`;
}

export function registerApplicationRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'get',
    path: '/api/checklists',
    summary: 'Published checklists: the materials required and the eligibility regime per district, year and stage (no login)',
    tag: 'applications',
    auth: 'public',
    query: z.object({ district: z.string().max(32).optional(), year: z.coerce.number().int().min(2000).max(2100).optional() }),
    handler: async ({ query }) => ({
      items: (await listPolicies(deps.pool, query)).map((p) => ({
        district: p.district,
        year: p.year,
        stage: p.stage,
        stageZh: STAGE_NAMES_ZH[p.stage as keyof typeof STAGE_NAMES_ZH] ?? p.stage,
        regime: p.eligibility.regime.kind,
        regimeZh: ELIGIBILITY_REGIME_NAMES_ZH[p.eligibility.regime.kind],
        basisZh: p.eligibility.basisZh,
        materials: p.checklist,
        pointsRules: p.pointsRules,
        notesZh: p.notesZh,
      })),
    }),
  });

  routes.add({
    method: 'post',
    path: '/api/applications',
    summary: 'Submit an application (the same child in the same year returns the existing one)',
    tag: 'applications',
    auth: ['applicant'],
    body: documentedForm,
    handler: async (ctx) => {
      const { req, res, actor, requestId } = ctx;
      const parsed = makeApplicationSchema({ today: shanghaiDate(new Date()) }).safeParse(req.body);
      if (!parsed.success) throw validationError(parsed.error.issues.map((i) => ({ field: ['body', ...i.path.map(String)].join('.'), message: i.message })));
      const form = parsed.data;
      const policy = await findPolicy(deps.pool, form.district, form.enrollmentYear, form.stage);
      if (!policy) throw validationError([{ field: 'body.district', message: `${form.district} 区 ${form.enrollmentYear} 年未发布${STAGE_NAMES_ZH[form.stage]}招生政策` }]);
      const problems = [];
      for (const [i, m] of form.materials.entries()) {
        if (!(await userOwnsMaterial(deps.pool, m.fileId, actor!.userId))) problems.push({ field: `body.materials.${i}.fileId`, message: '找不到该材料，请重新上传' });
      }
      if (problems.length) throw validationError(problems);

      const verifications: VerifyingDepartment[] = ['police', 'hrss', 'housing'];
      if (form.guardians.some((g) => g.employment.type === 'self_employed')) verifications.push('market');
      const start = (applicationNumber: string, submittedAt: string) => {
        const input: ApplicationInput = {
          applicationNumber,
          applicantUserId: actor!.userId,
          verifications,
          needyFamily: form.specialCategories.includes('needy_family'),
          submittedAt,
          requestId,
        };
        return deps.temporal.workflow.start('applicationWorkflow', {
          taskQueue: deps.taskQueue,
          workflowId: makeApplicationWorkflowId(applicationNumber),
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes: [{ key: SA.ApplicationNumber, value: applicationNumber }],
        });
      };

      const created = await createOrFindApplication(
        deps.pool,
        vaultFor(deps),
        { childKey: childKey(deps.personalDataKey, form.enrollmentYear, form.child.idNumber), applicantUserId: actor!.userId, form, childNameMasked: maskName(form.child.name) },
        (n) => makeApplicationNumber(form.enrollmentYear, form.district, n),
      );
      if (created.applicantUserId !== actor!.userId) throw new HttpError(409, 'duplicate_child', '该儿童本年度已由其他账号提交申请，请联系教育局核实');
      // Started on every submission, not only the first: a repeat heals a start that was interrupted. If Temporal
      // cannot take a new application, its row is removed again and the parent gets 503: nothing is kept half-done.
      try {
        await start(created.applicationNumber, created.submittedAt);
      } catch (err) {
        if (created.created) await discardUnstartedApplication(deps.pool, created.applicationNumber).catch(() => undefined);
        throw err;
      }
      res.status(created.created ? 201 : 200);
      return { applicationNumber: created.applicationNumber, created: created.created };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/applications',
    summary: "Applications: a parent's own; an officer's department's; all for the supervision office, leaders and admins",
    tag: 'applications',
    auth: ['applicant', 'officer', 'supervisor', 'leader', 'admin'],
    query: z.object({
      state: z.enum(APPLICATION_STATES).optional(),
      district: z.string().max(32).optional(),
      year: z.coerce.number().int().min(2000).max(2100).optional(),
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(100).default(20),
    }),
    handler: async ({ query, actor }) => {
      const rows = await listApplications(deps.pool, {
        applicantUserId: actor!.role === 'applicant' ? actor!.userId : undefined,
        departmentCode: actor!.role === 'officer' ? actor!.departmentCode! : undefined,
        state: query.state,
        district: query.district,
        year: query.year,
        limit: query.pageSize,
        offset: (query.page - 1) * query.pageSize,
      });
      return { items: rows.map(summary), page: query.page, pageSize: query.pageSize };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/applications/:applicationNumber',
    summary: 'An application: status and timeline in plain Chinese, who holds it now, each step with deadline and light',
    tag: 'applications',
    auth: ['applicant', 'officer', 'school', 'supervisor', 'leader', 'admin'],
    params: numberParams,
    handler: async ({ params, actor }) => {
      const { app, unmasked, ownDepartmentOnly } = await visibleApplication(deps, actor!, params.applicationNumber);
      const steps = (await listSteps(deps.pool, { subjectType: 'application', subjectId: app.applicationNumber, page: 1, pageSize: 50 }, new Date())).items;
      const visibleSteps = ownDepartmentOnly ? steps.filter((s) => s.departmentCode === ownDepartmentOnly) : steps;
      const stepDepartments = Object.fromEntries(steps.map((s) => [s.stepId, s.departmentCode]));
      const events = (await applicationTimeline(deps.pool, app.applicationNumber)).filter(
        (e) => !ownDepartmentOnly || e.stream === app.applicationNumber || stepDepartments[e.stream] === ownDepartmentOnly,
      );
      const open = steps.filter((s) => ['open', 'signed', 'sent_back'].includes(s.state));
      const holders = app.holderDepartment ? [app.holderDepartment] : [...new Set(open.map((s) => s.departmentCode))];
      return {
        ...summary(app),
        holders: holders.map((code) => ({ code, nameZh: departmentNameZh(code) })),
        supplement: app.supplement,
        steps: visibleSteps.map((s) => ({
          stepId: s.stepId,
          departmentCode: s.departmentCode,
          departmentZh: departmentNameZh(s.departmentCode),
          title: s.title,
          state: s.state,
          deadlineAt: s.deadlineAt,
          light: s.light,
          paused: s.paused,
        })),
        timeline: timelineZh(events, stepDepartments, app.applicationNumber),
        eligibility: app.eligibility,
        points: app.points,
        aid: app.aid,
        form: unmasked ? app.form : maskForm(app.form),
      };
    },
  });

  const acts = [
    {
      path: 'supplement-requests',
      summary: 'Ask the parent to supplement materials (补正) within N working days; the pre-review clock stops meanwhile',
      roles: ['officer'] as const,
      body: z.object({ items: z.array(z.string().trim().min(1).max(200)).min(1, '请列出需补正的材料').max(20), workingDays: z.number().int().min(1).max(30).default(5) }),
      update: requestSupplementUpdate,
    },
    {
      path: 'supplements',
      summary: 'Answer a 补正 request with the supplementary materials',
      roles: ['applicant'] as const,
      body: z.object({ note: z.string().max(2000).default(''), materials: z.array(z.string().regex(/^[0-9a-f]{64}$/, '材料编号格式不正确')).max(30).default([]) }),
      update: supplementUpdate,
    },
    {
      path: 'withdraw',
      summary: 'Withdraw the application (until enrolled)',
      roles: ['applicant'] as const,
      body: z.object({ reason: z.string().max(500).default('') }),
      update: withdrawUpdate,
    },
    {
      path: 'check-in',
      summary: 'The school records check-in (报到) or no-show',
      roles: ['school'] as const,
      body: z.object({ result: z.enum(['checked_in', 'no_show']) }),
      update: checkInUpdate,
    },
  ];
  for (const act of acts) {
    routes.add({
      method: 'post',
      path: `/api/applications/:applicationNumber/${act.path}`,
      summary: act.summary,
      tag: 'applications',
      auth: act.roles,
      params: numberParams,
      body: act.body as z.ZodType<Record<string, unknown>>,
      handler: async (ctx) => {
        const { params, body, actor } = ctx;
        // Visible to the actor at all (else 404); whether this actor may do this act now is the workflow's call (403 / 409).
        const { app } = await visibleApplication(deps, actor!, params.applicationNumber);
        // A finished application's workflow has ended; say why nothing can be done instead of "not found".
        if ((FINAL_APPLICATION_STATES as readonly string[]).includes(app.state)) {
          throw new HttpError(409, 'invalid_state', `申请已${APPLICATION_STATE_NAMES_ZH[app.state as ApplicationState]}，不能再办理此事项`);
        }
        if (act.path === 'supplements') {
          const problems = [];
          for (const [i, fileId] of ((body.materials as string[]) ?? []).entries()) {
            if (!(await userOwnsMaterial(deps.pool, fileId, actor!.userId))) problems.push({ field: `body.materials.${i}`, message: '找不到该材料，请重新上传' });
          }
          if (problems.length) throw validationError(problems);
        }
        try {
          const view = await deps.temporal.workflow.getHandle(makeApplicationWorkflowId(params.applicationNumber)).executeUpdate(act.update as typeof withdrawUpdate, {
            args: [{ ...(body as { reason: string }), actor: actor!, requestId: ctx.requestId }],
            updateId: updateKey(ctx, act.path),
          });
          return { applicationNumber: params.applicationNumber, state: view.state, stateZh: APPLICATION_STATE_NAMES_ZH[view.state] };
        } catch (err) {
          throw mapWorkflowError(err, `application ${params.applicationNumber}`, true);
        }
      },
    });
  }
}
