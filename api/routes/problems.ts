/**
 * The problem ledger (问题台账): the public complaint and appeal channel (no login: a contact phone, sealed at rest and
 * masked in every answer, and a tracking code returned once, with which the reporter follows the problem and rates its handling),
 * problems filed by officials, and the supervision office's analysis and assignment.
 *
 * The public channel is rate-limited per client address and per phone, counted in PostgreSQL so every API process
 * shares the count. The client address is the connection's: behind a reverse proxy all requests share the proxy's
 * address unless Express is told to trust it (not configured here), so the per-phone limit is the one that bites.
 */
import crypto from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { STEP_STATE_NAMES_ZH } from '../../contracts/department-step';
import { makeProblemWorkflowId, problemActUpdate, type ProblemInput } from '../../contracts/problem';
import {
  createProblem,
  findProblem,
  findProblemByTrackingCode,
  listProblems,
  problemRatings,
  problemTimeline,
  saveRatingComment,
  type ProblemRow,
  type RateLimit,
} from '../../db/repositories/problems';
import { findItem } from '../../db/repositories/responsibility-items';
import { findStep, listSteps } from '../../db/repositories/steps';
import { listDepartments } from '../../db/repositories/users';
import { DEADLINE_CLASSES, DEADLINE_CLASS_NAMES_ZH, type DeadlineClass } from '../../domain/deadline-classes';
import { LIGHT_NAMES_ZH } from '../../domain/lights';
import { isMainlandMobile, maskPhone } from '../../domain/personal-data';
import {
  PROBLEM_SOURCES,
  PROBLEM_SOURCE_NAMES_ZH,
  PROBLEM_STATES,
  PROBLEM_STATE_NAMES_ZH,
  problemEventTextZh,
  publicReporterId,
  type ProblemAction,
  type ProblemSource,
  type ProblemState,
} from '../../domain/problem-ledger';
import type { Actor, Role } from '../../domain/roles';
import { shanghaiDate } from '../../domain/working-days';
import { HttpError, forbidden, notFound, validationError } from '../http/errors';
import type { RouteContext, RouteTable } from '../http/routes';
import { mapWorkflowError } from '../http/temporal-errors';
import type { ApiDeps } from '../deps';
import { PersonalDataVault } from '../../platform/personal-data-vault';
import { text } from '../http/schemas';

export const PUBLIC_CHANNEL_LIMIT: RateLimit = { perRequesterPerHour: 20, perPhonePerHour: 3 };

const OFFICIALS: Role[] = ['officer', 'supervisor', 'leader'];
const problemIdSchema = z.string().regex(/^WT\d{10,}$/, '问题编号格式不正确 (not a problem number)');
/** 16 letters of base32 in groups of four; read case-insensitively. */
const trackingCodeSchema = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/, '查询码格式不正确 (not a tracking code)'));

const vaults = new WeakMap<ApiDeps, PersonalDataVault>();
/** One vault per app instance: its key derivation is done once. */
function vaultFor(deps: ApiDeps): PersonalDataVault {
  let v = vaults.get(deps);
  if (!v) vaults.set(deps, (v = new PersonalDataVault(deps.personalDataKey)));
  return v;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function newTrackingCode(): string {
  const bytes = crypto.randomBytes(16);
  const chars = Array.from(bytes, (b) => BASE32[b % 32]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** The pseudo-user a member of the public acts as, once their tracking code has been checked. */
function publicActor(problemId: string): Actor {
  return { userId: publicReporterId(problemId), username: 'public', displayName: '群众（凭查询码）', role: 'applicant', departmentCode: null, schoolId: null };
}

function idempotencyKey(ctx: RouteContext<unknown, unknown, unknown>): string {
  const key = ctx.req.header('idempotency-key');
  return key && /^[\w.:-]{8,100}$/.test(key) ? key : ctx.requestId;
}

async function startProblemWorkflow(deps: ApiDeps, problem: { problemId: string; source: ProblemSource; reporterUserId: string | null }, submittedBy: Actor, requestId: string): Promise<void> {
  const input: ProblemInput = { problemId: problem.problemId, source: problem.source, reporterUserId: problem.reporterUserId, submittedBy, requestId };
  await deps.temporal.workflow.start('problemWorkflow', {
    taskQueue: deps.taskQueue,
    workflowId: makeProblemWorkflowId(problem.problemId),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
}

/** File a problem and start its ledger workflow; used by the officials' route and by the item review. */
export async function openProblem(
  deps: ApiDeps,
  p: { source: 'official' | 'review'; titleZh: string; description: string; itemId: string | null; relatedStepId: string | null; actor: Actor; requestId: string },
): Promise<string> {
  const created = await createProblem(
    deps.pool,
    {
      source: p.source,
      titleZh: p.titleZh,
      description: p.description,
      itemId: p.itemId,
      relatedStepId: p.relatedStepId,
      reporterUserId: p.actor.userId,
      contactPhoneSealed: null,
      contactPhoneMasked: null,
      trackingCodeHash: null,
      requesterHash: null,
      phoneHash: null,
    },
    Number(shanghaiDate(new Date()).slice(0, 4)),
    PUBLIC_CHANNEL_LIMIT,
  );
  if (!('problemId' in created)) throw new Error('officials are not rate-limited');
  await startProblemWorkflow(deps, { problemId: created.problemId, source: p.source, reporterUserId: p.actor.userId }, p.actor, p.requestId);
  return created.problemId;
}

/**
 * Send an act to the problem's workflow. A problem whose workflow never started (the API stopped between storing the
 * problem and starting it) gets it started here, then the act is sent again.
 */
async function actOnProblem(deps: ApiDeps, problem: ProblemRow, action: ProblemAction, actor: Actor, requestId: string, updateId: string) {
  const send = () =>
    deps.temporal.workflow.getHandle(makeProblemWorkflowId(problem.problemId)).executeUpdate(problemActUpdate, { args: [{ action, actor, requestId }], updateId });
  try {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // A workflow that recorded events and is gone has finished: the problem is closed.
      if (problem.lastSeq > 0) throw new HttpError(409, 'invalid_state', `problem ${problem.problemId} is ${problem.state} (${PROBLEM_STATE_NAMES_ZH[problem.state as ProblemState] ?? problem.state})`);
      await startProblemWorkflow(deps, problem, { ...actor, displayName: `${actor.displayName}（补启动）` }, requestId);
      return await send();
    }
  } catch (err) {
    throw mapWorkflowError(err, `problem ${problem.problemId}`);
  }
}

/** What the public reads about their problem: progress in plain Chinese, the feedback to rate; no internal notes. */
async function publicView(deps: ApiDeps, p: ProblemRow) {
  const names = new Map((await listDepartments(deps.pool)).map((d) => [d.code, d.nameZh]));
  const timeline = await problemTimeline(deps.pool, p.problemId);
  return {
    problemId: p.problemId,
    titleZh: p.titleZh,
    state: p.state,
    stateZh: PROBLEM_STATE_NAMES_ZH[p.state as ProblemState] ?? p.state,
    contactPhoneMasked: p.contactPhoneMasked,
    submittedAt: p.createdAt,
    departmentNameZh: p.departmentCode ? (names.get(p.departmentCode) ?? p.departmentCode) : null,
    feedback: p.feedback,
    canRate: p.state === 'feedback',
    ratings: (await problemRatings(deps.pool, p.problemId)).map(({ round, satisfied, ratedAt }) => ({ round, satisfied, ratedAt })),
    progress: timeline
      .filter((e) => e.stream === p.problemId)
      .map((e) => ({ at: e.at, textZh: problemEventTextZh(e.action, e.details, (code) => names.get(code) ?? code) }))
      .filter((line) => line.textZh !== null),
  };
}

/** 404 for an unknown problem; an officer sees the problems of their department and those they reported. */
async function visibleProblem(deps: ApiDeps, actor: Actor, problemId: string): Promise<ProblemRow> {
  const p = await findProblem(deps.pool, problemId);
  if (!p) throw notFound(`problem ${problemId}`);
  if (actor.role === 'officer' && p.reporterUserId !== actor.userId && p.departmentCode !== actor.departmentCode) {
    const handled = await listSteps(deps.pool, { subjectType: 'problem', subjectId: problemId, departmentCode: actor.departmentCode!, page: 1, pageSize: 1 }, new Date());
    if (handled.total === 0) throw forbidden(`problem ${problemId} is not assigned to ${actor.departmentCode}`);
  }
  return p;
}

export function registerProblemRoutes(routes: RouteTable, deps: ApiDeps): void {
  const trackingParams = z.object({ trackingCode: trackingCodeSchema });
  const problemParams = z.object({ problemId: problemIdSchema });
  const ratingBody = z.object({ satisfied: z.boolean(), comment: z.string().trim().max(1000).optional() }).strict();

  // ---- The public channel ----

  routes.add({
    method: 'post',
    path: '/api/public/problems',
    summary: 'File a complaint or appeal (投诉申诉) without logging in; returns a tracking code to follow and rate it (rate-limited)',
    tag: 'problem ledger',
    auth: 'public',
    body: z
      .object({
        titleZh: text(100, '请填写问题标题 (titleZh is required)'),
        description: text(4000, '请填写问题描述 (description is required)'),
        contactPhone: z.string().trim().refine(isMainlandMobile, '请填写11位手机号码 (an 11-digit mainland mobile number)'),
        itemId: z.string().max(64).optional(),
      })
      .strict(),
    successStatus: 201,
    handler: async ({ body, req, requestId }) => {
      if (body.itemId && !(await findItem(deps.pool, body.itemId))) throw validationError([{ field: 'body.itemId', message: `unknown item ${body.itemId}` }]);
      const keyed = (what: string) => crypto.createHmac('sha256', deps.personalDataKey).update(what).digest('hex');
      const trackingCode = newTrackingCode();
      const created = await createProblem(
        deps.pool,
        {
          source: 'public',
          titleZh: body.titleZh,
          description: body.description,
          itemId: body.itemId ?? null,
          relatedStepId: null,
          reporterUserId: null,
          contactPhoneSealed: vaultFor(deps).seal(body.contactPhone),
          contactPhoneMasked: maskPhone(body.contactPhone),
          trackingCodeHash: sha256(trackingCode),
          requesterHash: keyed(`problem-requester:${req.ip ?? 'unknown'}`),
          phoneHash: keyed(`problem-phone:${body.contactPhone}`),
        },
        Number(shanghaiDate(new Date()).slice(0, 4)),
        PUBLIC_CHANNEL_LIMIT,
      );
      if (!('problemId' in created)) {
        throw new HttpError(429, 'too_many_requests', created.limited === 'phone' ? '该手机号码一小时内提交次数过多，请稍后再试 (too many submissions for this phone)' : '提交过于频繁，请稍后再试 (too many submissions)');
      }
      await startProblemWorkflow(deps, { problemId: created.problemId, source: 'public', reporterUserId: null }, publicActor(created.problemId), requestId);
      return {
        problemId: created.problemId,
        trackingCode,
        contactPhoneMasked: maskPhone(body.contactPhone),
        state: 'found',
        stateZh: PROBLEM_STATE_NAMES_ZH.found,
        noticeZh: '问题已登记。请妥善保存查询码，凭查询码查询办理进度，并在收到办理结果后进行满意度评价。',
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/public/problems/:trackingCode',
    summary: 'Follow a problem with its tracking code: progress, the feedback, whether it can be rated',
    tag: 'problem ledger',
    auth: 'public',
    params: trackingParams,
    handler: async ({ params }) => {
      const p = await findProblemByTrackingCode(deps.pool, sha256(params.trackingCode));
      if (!p) throw notFound('problem with this tracking code');
      return publicView(deps, p);
    },
  });

  routes.add({
    method: 'post',
    path: '/api/public/problems/:trackingCode/rating',
    summary: "Rate the handling (满意度评价): satisfied closes the problem; unsatisfied reopens it once and escalates it",
    tag: 'problem ledger',
    auth: 'public',
    params: trackingParams,
    body: ratingBody,
    handler: async (ctx) => {
      const p = await findProblemByTrackingCode(deps.pool, sha256(ctx.params.trackingCode));
      if (!p) throw notFound('problem with this tracking code');
      const view = await actOnProblem(deps, p, { type: 'rate', satisfied: ctx.body.satisfied }, publicActor(p.problemId), ctx.requestId, `rate:${idempotencyKey(ctx)}`);
      const rated = view.ratings[view.ratings.length - 1]!;
      await saveRatingComment(deps.pool, p.problemId, rated.round, rated.satisfied, ctx.body.comment || null);
      return publicView(deps, (await findProblem(deps.pool, p.problemId))!);
    },
  });

  // ---- Officials ----

  routes.add({
    method: 'post',
    path: '/api/problems',
    summary: 'File a problem found at work (official) or in a review (review: supervision office, with the reviewed step)',
    tag: 'problem ledger',
    auth: OFFICIALS,
    body: z
      .object({
        source: z.enum(['official', 'review']).default('official'),
        titleZh: text(100, 'titleZh is required'),
        description: text(4000, 'description is required'),
        itemId: z.string().max(64).optional(),
        relatedStepId: z.string().max(200).optional(),
      })
      .strict(),
    successStatus: 201,
    handler: async ({ body, actor, requestId }) => {
      if (body.source === 'review' && actor!.role !== 'supervisor') throw forbidden('problems from reviews are filed by the supervision office');
      if (body.source === 'review' && !body.relatedStepId) throw validationError([{ field: 'body.relatedStepId', message: 'the reviewed step is required for a problem from a review' }]);
      if (body.itemId && !(await findItem(deps.pool, body.itemId))) throw validationError([{ field: 'body.itemId', message: `unknown item ${body.itemId}` }]);
      if (body.relatedStepId && !(await findStep(deps.pool, body.relatedStepId, new Date()))) throw validationError([{ field: 'body.relatedStepId', message: `unknown step ${body.relatedStepId}` }]);
      const problemId = await openProblem(deps, { source: body.source, titleZh: body.titleZh, description: body.description, itemId: body.itemId ?? null, relatedStepId: body.relatedStepId ?? null, actor: actor!, requestId });
      return { problemId, state: 'found', stateZh: PROBLEM_STATE_NAMES_ZH.found };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/problems',
    summary: 'The problem ledger: filter by state, source, department, escalation; officers see their department (or, with mine=true, what they reported)',
    tag: 'problem ledger',
    auth: [...OFFICIALS, 'admin'],
    query: z.object({
      state: z.enum(PROBLEM_STATES).optional(),
      source: z.enum(PROBLEM_SOURCES).optional(),
      department: z.string().max(64).optional(),
      item: z.string().max(64).optional(),
      escalated: z.enum(['true', 'false']).optional(),
      mine: z.enum(['true', 'false']).default('false'),
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(200).default(50),
    }),
    handler: async ({ query, actor }) => {
      let department = query.department;
      let reporter: string | undefined;
      if (query.mine === 'true') reporter = actor!.userId;
      else if (actor!.role === 'officer') {
        if (department && department !== actor!.departmentCode) throw forbidden('officers see only their own department');
        department = actor!.departmentCode!;
      }
      const r = await listProblems(deps.pool, {
        state: query.state,
        source: query.source,
        departmentCode: department,
        reporterUserId: reporter,
        itemId: query.item,
        escalated: query.escalated === undefined ? undefined : query.escalated === 'true',
        page: query.page,
        pageSize: query.pageSize,
      });
      return {
        ...r,
        page: query.page,
        pageSize: query.pageSize,
        items: r.items.map((p) => ({ ...p, stateZh: PROBLEM_STATE_NAMES_ZH[p.state as ProblemState] ?? p.state, sourceZh: PROBLEM_SOURCE_NAMES_ZH[p.source] })),
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/problems/:problemId',
    summary: "A problem's details: description, analysis, assignment, handling steps with lights, feedback, ratings, timeline (phone masked)",
    tag: 'problem ledger',
    auth: [...OFFICIALS, 'admin'],
    params: problemParams,
    handler: async ({ params, actor }) => {
      const p = await visibleProblem(deps, actor!, params.problemId);
      const steps = await listSteps(deps.pool, { subjectType: 'problem', subjectId: p.problemId, page: 1, pageSize: 20 }, new Date());
      return {
        ...p,
        stateZh: PROBLEM_STATE_NAMES_ZH[p.state as ProblemState] ?? p.state,
        sourceZh: PROBLEM_SOURCE_NAMES_ZH[p.source],
        deadlineClassZh: p.deadlineClass ? DEADLINE_CLASS_NAMES_ZH[p.deadlineClass as DeadlineClass] : null,
        handlingSteps: steps.items.map((s) => ({ ...s, stateZh: STEP_STATE_NAMES_ZH[s.state as keyof typeof STEP_STATE_NAMES_ZH] ?? s.state, lightZh: LIGHT_NAMES_ZH[s.light] })),
        ratings: await problemRatings(deps.pool, p.problemId),
        timeline: await problemTimeline(deps.pool, p.problemId),
      };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/problems/:problemId/analysis',
    summary: "The supervision office's analysis (分析问题): what the problem is and whose responsibility",
    tag: 'problem ledger',
    auth: ['supervisor'],
    params: problemParams,
    body: z.object({ analysis: text(4000, 'analysis is required') }).strict(),
    handler: async (ctx) => {
      const p = await visibleProblem(deps, ctx.actor!, ctx.params.problemId);
      return actOnProblem(deps, p, { type: 'analyse', analysis: ctx.body.analysis }, ctx.actor!, ctx.requestId, `analyse:${idempotencyKey(ctx)}`);
    },
  });

  routes.add({
    method: 'post',
    path: '/api/problems/:problemId/assignment',
    summary: 'Assign the problem to a department with the 1-3-5 class (urgent 1, ordinary 3, complex 5 working days)',
    tag: 'problem ledger',
    auth: ['supervisor'],
    params: problemParams,
    body: z
      .object({
        departmentCode: z.string().min(1).max(64),
        deadlineClass: z.enum(Object.keys(DEADLINE_CLASSES) as [DeadlineClass, ...DeadlineClass[]]),
        instructions: text(4000, 'instructions are required'),
      })
      .strict(),
    handler: async (ctx) => {
      const { body } = ctx;
      if (!(await listDepartments(deps.pool)).some((d) => d.code === body.departmentCode)) throw validationError([{ field: 'body.departmentCode', message: `unknown department ${body.departmentCode}` }]);
      const p = await visibleProblem(deps, ctx.actor!, ctx.params.problemId);
      return actOnProblem(deps, p, { type: 'assign', departmentCode: body.departmentCode, deadlineClass: body.deadlineClass, instructions: body.instructions }, ctx.actor!, ctx.requestId, `assign:${idempotencyKey(ctx)}`);
    },
  });

  routes.add({
    method: 'post',
    path: '/api/problems/:problemId/rating',
    summary: 'The reporting official rates the handling (the public use their tracking code instead)',
    tag: 'problem ledger',
    auth: OFFICIALS,
    params: problemParams,
    body: ratingBody,
    handler: async (ctx) => {
      const p = await findProblem(deps.pool, ctx.params.problemId);
      if (!p) throw notFound(`problem ${ctx.params.problemId}`);
      if (p.reporterUserId !== ctx.actor!.userId) throw forbidden('only the official who reported the problem may rate its handling');
      const view = await actOnProblem(deps, p, { type: 'rate', satisfied: ctx.body.satisfied }, ctx.actor!, ctx.requestId, `rate:${idempotencyKey(ctx)}`);
      const rated = view.ratings[view.ratings.length - 1]!;
      await saveRatingComment(deps.pool, p.problemId, rated.round, rated.satisfied, ctx.body.comment || null);
      return view;
    },
  });
}
