/**
 * Department steps: the inbox, a step's detail and timeline, the overdue list, and every act on a step.
 * Each act is checked twice: here (role, and the step's department against the read model) and in the workflow's
 * update validator (state and department against the workflow itself), so a refused act leaves no trace.
 */
import crypto from 'node:crypto';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { z } from 'zod';
import {
  STEP_STATES,
  URGE_LEVELS,
  getStepQuery,
  makeStepWorkflowId,
  standaloneStepId,
  stepActionUpdate,
  type StepAction,
  type StepActionResult,
  type StepInput,
} from '../../contracts/department-step';
import { SA } from '../../contracts/search-attributes';
import { findStep, listOverdue, listSteps, stepTimeline } from '../../db/repositories/steps';
import { listDepartments } from '../../db/repositories/users';
import { DEADLINE_CLASSES, MAX_WORKING_DAYS } from '../../domain/deadline-classes';
import { LIGHTS } from '../../domain/lights';
import type { Actor, Role } from '../../domain/roles';
import { workingDaysLeft } from '../../domain/working-days';
import { forbidden, notFound, validationError } from '../http/errors';
import type { RouteContext, RouteTable } from '../http/routes';
import { mapWorkflowError } from '../http/temporal-errors';
import type { ApiDeps } from '../deps';
import { text } from '../http/schemas';

export const OFFICE_ROLES: Role[] = ['officer', 'supervisor', 'leader', 'admin'];

export const stepIdParams = z.object({ stepId: z.string().min(1).max(200).regex(/^[\w:.-]+$/, '事项编号格式不正确 (not a step id)') });
const workingDays = z.number().int().min(1).max(MAX_WORKING_DAYS);
const deadlineSpec = z.union([
  z.object({ class: z.enum(Object.keys(DEADLINE_CLASSES) as [keyof typeof DEADLINE_CLASSES]) }).strict(),
  z.object({ workingDays }).strict(),
]);
const evidence = z.array(z.object({ name: text(200, 'name is required'), ref: text(500, 'ref is required') })).max(50);

/**
 * workingDaysLeft for the rows of one list, computed once per distinct deadline: deadlines are ends of working days,
 * so a list of 1,000 steps has a few dozen of them (bench/inbox.ts found the per-row calendar walk in the profile).
 */
function workingDaysLeftFrom(calendar: Awaited<ReturnType<ApiDeps['calendar']['get']>>, now: Date): (deadlineAt: string) => number {
  const memo = new Map<string, number>();
  return (deadlineAt) => {
    let n = memo.get(deadlineAt);
    if (n === undefined) memo.set(deadlineAt, (n = workingDaysLeft(calendar, now, new Date(deadlineAt))));
    return n;
  };
}

async function ensureDepartment(deps: ApiDeps, code: string, field: string): Promise<void> {
  const known = await listDepartments(deps.pool);
  if (!known.some((d) => d.code === code)) throw validationError([{ field, message: `unknown department ${code}` }]);
}

/** The step as this actor may see it: 404 if unknown, 403 for an officer of another department. */
/** The step as this actor may see it: 404 if unknown, 403 for an officer of another department. */
export async function visibleStep(deps: Pick<ApiDeps, 'pool'>, actor: Actor, stepId: string) {
  const step = await findStep(deps.pool, stepId, new Date());
  if (!step) throw notFound(`step ${stepId}`);
  if (actor.role === 'officer' && step.departmentCode !== actor.departmentCode) {
    throw forbidden(`该事项属于其他部门，无权查看或办理 (step ${stepId} belongs to another department)`);
  }
  return step;
}

/**
 * One act on a step, sent to the workflow the read model names for it (its own, or the application hosting it) and
 * naming the step; a refusal or a closed workflow becomes the HTTP error the step's routes answer with.
 */
export async function sendStepAct(deps: Pick<ApiDeps, 'temporal'>, workflowId: string, stepId: string, action: StepAction, actor: Actor, requestId: string, updateId: string): Promise<StepActionResult> {
  try {
    return await deps.temporal.workflow.getHandle(workflowId).executeUpdate(stepActionUpdate, { args: [{ stepId, action, actor, requestId }], updateId });
  } catch (err) {
    throw mapWorkflowError(err, `step ${stepId}`, true);
  }
}

function idempotencyKey(ctx: RouteContext<unknown, unknown, unknown>): string {
  const key = ctx.req.header('idempotency-key');
  return key && /^[\w.:-]{8,100}$/.test(key) ? key : ctx.requestId;
}

interface ActRoute {
  path: string;
  summary: string;
  roles: Role[];
  body: z.ZodType;
  toAction: (body: unknown) => StepAction;
}

/** Types each act's body schema against its toAction, then erases the type so the acts fit in one list. */
function act<S extends z.ZodType>(def: { path: string; summary: string; roles: Role[]; body: S; toAction: (body: z.infer<S>) => StepAction }): ActRoute {
  return def as unknown as ActRoute;
}

/** The acts, each with who may call it and how its body becomes a StepAction. */
const ACTS: ActRoute[] = [
  act({ path: 'sign', summary: 'Sign for a step (签收)', roles: ['officer'], body: z.object({}), toAction: () => ({ type: 'sign' }) }),
  act({
    path: 'complete',
    summary: 'Complete a step with outcome, findings and evidence',
    roles: ['officer'],
    body: z.object({
      outcome: z.enum(['confirmed', 'not_confirmed', 'done']),
      findings: text(4000, 'findings are required'),
      evidence: evidence.default([]),
      facts: z.record(z.string().max(64), z.union([z.string().max(200), z.number(), z.boolean()])).optional(),
    }),
    toAction: (b) => ({ type: 'complete', ...b }),
  }),
  act({ path: 'return', summary: 'Return a step with a reason', roles: ['officer'], body: z.object({ reason: text(2000, 'reason is required') }), toAction: (b) => ({ type: 'return', ...b }) }),
  act({
    path: 'extension-requests',
    summary: 'Ask for more working days',
    roles: ['officer'],
    body: z.object({ workingDays, reason: text(2000, 'reason is required') }),
    toAction: (b) => ({ type: 'request_extension', ...b }),
  }),
  act({
    path: 'extension-decision',
    summary: 'Approve or refuse the pending extension request',
    roles: ['supervisor'],
    body: z.object({ approve: z.boolean(), comment: z.string().max(2000).optional() }),
    toAction: (b) => ({ type: 'decide_extension', ...b }),
  }),
  act({
    path: 'urges',
    summary: 'Issue a numbered urging notice (催办) that needs a reply',
    roles: ['supervisor'],
    body: z.object({ message: text(2000, 'message is required'), level: z.enum(URGE_LEVELS).default('normal') }),
    toAction: (b) => ({ type: 'urge', ...b }),
  }),
  act({
    path: 'urge-replies',
    summary: 'Reply to an urging notice',
    roles: ['officer'],
    body: z.object({ urgeNumber: text(100, 'urgeNumber is required'), reply: text(4000, 'reply is required') }),
    toAction: (b) => ({ type: 'reply_urge', ...b }),
  }),
  act({
    path: 'reassign',
    summary: 'Reassign a step to another department',
    roles: ['supervisor'],
    body: z.object({ departmentCode: z.string().min(1).max(64), reason: text(2000, 'reason is required') }),
    toAction: (b) => ({ type: 'reassign', ...b }),
  }),
  act({ path: 'comments', summary: 'Comment on a step', roles: OFFICE_ROLES, body: z.object({ text: text(4000, 'text is required') }), toAction: (b) => ({ type: 'comment', ...b }) }),
  act({
    path: 'deadline',
    summary: 'Change the deadline class (1-3-5) or working days',
    roles: ['supervisor'],
    body: z.object({ deadline: deadlineSpec, reason: text(2000, 'reason is required') }),
    toAction: (b) => ({ type: 'change_deadline', ...b }),
  }),
  act({
    path: 'review',
    summary: 'Accept a submitted step or send it back with feedback',
    roles: ['supervisor'],
    body: z.object({ decision: z.enum(['accept', 'send_back']), feedback: z.string().max(4000).default('') }),
    toAction: (b) => ({ type: 'review', ...b }),
  }),
  act({
    path: 'pause',
    summary: 'Stop the clock while someone outside the department is awaited',
    roles: ['officer'],
    body: z.object({ reason: text(2000, 'reason is required') }),
    toAction: (b) => ({ type: 'pause', ...b }),
  }),
  act({ path: 'resume', summary: 'Restart the clock', roles: ['officer'], body: z.object({ note: z.string().max(2000).optional() }), toAction: (b) => ({ type: 'resume', ...b }) }),
];

export function registerStepRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'post',
    path: '/api/steps',
    summary: 'Assign a standalone department step (the same key twice returns the same step)',
    tag: 'steps',
    auth: ['supervisor', 'admin'],
    body: z.object({
      stepKey: z.string().regex(/^[\w.-]{1,100}$/, '事项标识只能包含字母、数字、下划线、点和连字符，最多100个字符').optional(),
      departmentCode: z.string().min(1).max(64),
      title: text(200, 'title is required'),
      kind: z.string().max(100).default('task'),
      deadline: deadlineSpec,
      requiresReview: z.boolean().default(false),
      escalationIntervalWorkingDays: z.number().int().min(1).max(20).default(1),
    }),
    successStatus: 201,
    handler: async ({ body, actor, requestId }) => {
      await ensureDepartment(deps, body.departmentCode, 'body.departmentCode');
      const stepId = body.stepKey === undefined ? crypto.randomUUID() : standaloneStepId(body.stepKey);
      const input: StepInput = {
        stepId,
        departmentCode: body.departmentCode,
        title: body.title,
        kind: body.kind,
        subject: { type: 'standalone', id: stepId },
        deadline: body.deadline,
        requiresReview: body.requiresReview,
        escalationIntervalWorkingDays: body.escalationIntervalWorkingDays,
        createdBy: actor!,
        requestId,
      };
      const handle = await deps.temporal.workflow.start('departmentStepWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: makeStepWorkflowId(stepId),
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        typedSearchAttributes: [{ key: SA.DepartmentCode, value: body.departmentCode }, { key: SA.StepState, value: 'open' }],
      });
      return { stepId, workflowId: handle.workflowId };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/steps',
    summary: "A department's inbox: steps by deadline, with lights; officers see only their own department",
    tag: 'steps',
    auth: OFFICE_ROLES,
    query: z.object({
      department: z.string().max(64).optional(),
      state: z
        .string()
        .transform((s) => s.split(','))
        .pipe(z.array(z.enum(STEP_STATES)))
        .optional(),
      light: z.enum(LIGHTS).optional(),
      dueBefore: z.iso.datetime({ offset: true }).optional(),
      subjectType: z.enum(['application', 'item', 'problem', 'standalone']).optional(),
      subjectId: z.string().max(200).optional(),
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(100).default(20),
    }),
    handler: async ({ query, actor }) => {
      let department = query.department;
      if (actor!.role === 'officer') {
        if (department && department !== actor!.departmentCode) throw forbidden('officers see only their own department');
        department = actor!.departmentCode!;
      }
      const now = new Date();
      const result = await listSteps(deps.pool, { ...query, states: query.state, departmentCode: department, dueBefore: query.dueBefore ? new Date(query.dueBefore) : undefined }, now);
      const daysLeft = workingDaysLeftFrom(await deps.calendar.get(), now);
      return {
        ...result,
        page: query.page,
        pageSize: query.pageSize,
        items: result.items.map((s) => Object.assign(s, { workingDaysLeft: s.deadlineAt ? daysLeft(s.deadlineAt) : null })),
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/steps/overdue',
    summary: 'Running steps past their deadline, most overdue first: a page of them and the total',
    tag: 'steps',
    auth: OFFICE_ROLES,
    query: z.object({
      department: z.string().max(64).optional(),
      page: z.coerce.number().int().min(1).max(10_000).default(1),
      pageSize: z.coerce.number().int().min(1).max(200).default(50),
    }),
    handler: async ({ query, actor }) => {
      const department = actor!.role === 'officer' ? actor!.departmentCode! : query.department;
      const now = new Date();
      const daysLeft = workingDaysLeftFrom(await deps.calendar.get(), now);
      const { total, items } = await listOverdue(deps.pool, now, { departmentCode: department, page: query.page, pageSize: query.pageSize });
      // Added to the rows in place: copying the rows of 20-odd fields showed in the overdue list's profile.
      for (const s of items) (s as typeof s & { workingDaysOverdue: number }).workingDaysOverdue = -daysLeft(s.deadlineAt!);
      return { total, page: query.page, pageSize: query.pageSize, items };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/steps/:stepId',
    summary: "A step's detail, urging notices and timeline (from the audit trail)",
    tag: 'steps',
    auth: OFFICE_ROLES,
    params: stepIdParams,
    handler: async ({ params, actor }) => {
      const step = await visibleStep(deps, actor!, params.stepId);
      const timeline = await stepTimeline(deps.pool, params.stepId);
      const calendar = await deps.calendar.get();
      const { view, ...row } = step;
      return {
        ...row,
        workingDaysLeft: row.deadlineAt ? workingDaysLeft(calendar, new Date(), new Date(row.deadlineAt)) : null,
        paused: view.paused,
        pendingExtension: view.pendingExtension,
        urges: view.urges,
        outcome: view.outcome,
        findings: view.findings,
        evidence: view.evidence,
        escalationAts: view.schedule?.escalationAts ?? [],
        timeline,
      };
    },
  });

  for (const act of ACTS) {
    routes.add({
      method: 'post',
      path: `/api/steps/:stepId/${act.path}`,
      summary: act.summary,
      tag: 'steps',
      auth: act.roles,
      params: stepIdParams,
      body: act.body,
      handler: async (ctx) => {
        const { params, body, actor } = ctx;
        const step = await visibleStep(deps, actor!, params.stepId);
        const action = act.toAction(body);
        if (action.type === 'reassign') await ensureDepartment(deps, action.departmentCode, 'body.departmentCode');
        return sendStepAct(deps, step.workflowId, params.stepId, action, actor!, ctx.requestId, `${act.path}:${idempotencyKey(ctx)}`);
      },
    });
  }

  routes.add({
    method: 'get',
    path: '/api/steps/:stepId/live',
    summary: "The step workflow's own current state (for diagnosis; the read model is the normal source)",
    tag: 'steps',
    auth: ['supervisor', 'admin'],
    params: stepIdParams,
    handler: async ({ params, actor }) => {
      // The step may live in its own workflow or in the application hosting it: the read model knows which.
      const step = await visibleStep(deps, actor!, params.stepId);
      try {
        return await deps.temporal.workflow.getHandle(step.workflowId).query(getStepQuery, params.stepId);
      } catch (err) {
        throw mapWorkflowError(err, `step ${params.stepId}`);
      }
    },
  });
}
