/**
 * Policies and their responsibility items, the dispatch board (挂图作战: lights per item × department × period), the
 * reports departments file on an item, the supervision office's review, urging in bulk, and the escalation list.
 *
 * Who may do what: administrators and the supervision office create and edit items (an edit applies from the next
 * reporting period; every edit is in the audit trail), administrators the policies; a cooperating department files
 * progress reports, only the lead department files the consolidated report, a department not on the item can do
 * neither (403); only the supervision office reviews (the step workflow checks it again). Officers see the items their
 * department is on and their own rows of the board.
 */
import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { STEP_STATE_NAMES_ZH, URGE_LEVELS, WORKING_STATES, type StepState } from '../../contracts/department-step';
import { closeItemSignal, makeItemWorkflowId, type ItemRunInput } from '../../contracts/responsibility-item';
import { SA } from '../../contracts/search-attributes';
import {
  board,
  closeDraftItem,
  createItem,
  createPolicy,
  departmentHadItemRole,
  departmentItemStep,
  findItem,
  findPolicy,
  itemFieldsOf,
  itemPeriods,
  itemSteps,
  itemTimeline,
  lastRunSeq,
  listEscalations,
  listItems,
  listPolicies,
  reviewsOf,
  updateItem,
  updatePolicy,
  type ItemRow,
} from '../../db/repositories/responsibility-items';
import { findStep } from '../../db/repositories/steps';
import { listDepartments } from '../../db/repositories/users';
import { ESCALATION_LADDER } from '../../domain/department-step';
import { LIGHTS, LIGHT_NAMES_ZH, type Light } from '../../domain/lights';
import { REPORTING_RHYTHMS, RHYTHM_NAMES_ZH } from '../../domain/reporting-periods';
import {
  ITEM_ROLE_NAMES_ZH,
  ITEM_STATUSES,
  ITEM_STATUS_NAMES_ZH,
  itemProblems,
  itemRoleOf,
  policyProblems,
  type ItemFields,
  type ItemRole,
  type PolicyFields,
} from '../../domain/responsibility-items';
import type { Actor, Role } from '../../domain/roles';
import { HttpError, conflict, forbidden, notFound, validationError } from '../http/errors';
import type { RouteContext, RouteTable } from '../http/routes';
import type { ApiDeps } from '../deps';
import { openProblem } from './problems';
import { sendStepAct } from './steps';
import { serviceDate, text } from '../http/schemas';

const OFFICE_ROLES: Role[] = ['officer', 'supervisor', 'leader', 'admin'];
const EDITORS: Role[] = ['admin', 'supervisor'];

const calendarDate = serviceDate;
const departmentCode = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a department code (lowercase letters, digits, _)').max(64);
const policyIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, 'lowercase letters, digits and - only (2–48)');
const itemIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'lowercase letters, digits and - only (2–64)');
const periodLabel = z.string().regex(/^(\d{4}-(W\d{2}|Q[1-4]|\d{2})|final)$/, 'a period label such as 2026-W48, 2026-11, 2026-Q4 or final');
const stepIdSchema = z.string().min(1).max(200).regex(/^[\w:.-]+$/, 'not a step id');
const evidence = z.array(z.object({ name: text(200, 'name is required'), ref: text(500, 'ref is required') })).max(50);

const phase = z
  .object({
    nameZh: text(100, 'nameZh is required'),
    startsOn: calendarDate,
    endsOn: calendarDate,
    milestones: z.array(z.object({ date: calendarDate, nameZh: text(200, 'nameZh is required') }).strict()).max(20).optional(),
  })
  .strict();

const policyShape = {
  titleZh: text(200, 'titleZh is required'),
  issuingBody: text(100, 'issuingBody is required'),
  issuedOn: calendarDate.nullable(),
  phases: z.array(phase).max(20),
  notesZh: z.string().max(4000).nullable(),
};

const itemShape = {
  number: z.number().int().min(1).max(999),
  titleZh: text(200, 'titleZh is required'),
  contentZh: z.string().max(4000),
  leadDepartment: departmentCode,
  cooperatingDepartments: z.array(departmentCode).max(20),
  leaderInCharge: text(100, 'leaderInCharge is required'),
  rhythm: z.enum(REPORTING_RHYTHMS).nullable(),
  finalDeadline: calendarDate.nullable(),
  evidenceRequirements: z.array(text(200, 'an evidence requirement cannot be empty')).max(20),
};

const itemCreateBody = z
  .object({
    itemId: itemIdSchema.optional(),
    ...itemShape,
    contentZh: itemShape.contentZh.default(''),
    cooperatingDepartments: itemShape.cooperatingDepartments.default([]),
    rhythm: itemShape.rhythm.default(null),
    finalDeadline: itemShape.finalDeadline.default(null),
    evidenceRequirements: itemShape.evidenceRequirements.default([]),
  })
  .strict();

function idempotencyKey(ctx: RouteContext<unknown, unknown, unknown>): string {
  const key = ctx.req.header('idempotency-key');
  return key && /^[\w.:-]{8,100}$/.test(key) ? key : ctx.requestId;
}

async function departmentNames(deps: ApiDeps): Promise<Map<string, string>> {
  return new Map((await listDepartments(deps.pool)).map((d) => [d.code, d.nameZh]));
}

function itemView(item: ItemRow, names: Map<string, string>) {
  return {
    ...item,
    statusZh: ITEM_STATUS_NAMES_ZH[item.status],
    rhythmZh: item.rhythm ? RHYTHM_NAMES_ZH[item.rhythm] : null,
    lead: { code: item.leadDepartment, nameZh: names.get(item.leadDepartment) ?? item.leadDepartment },
    cooperating: item.cooperatingDepartments.map((code) => ({ code, nameZh: names.get(code) ?? code })),
  };
}

/** The department's standing on the item: its role now, and the roles it has had in earlier periods. */
async function standing(deps: ApiDeps, item: ItemRow, department: string | null) {
  const now = itemRoleOf(item, department);
  if (!department) return { now, wasLead: false, wasCooperating: false, onItem: false };
  const wasLead = await departmentHadItemRole(deps.pool, item.itemId, department, 'lead');
  const wasCooperating = await departmentHadItemRole(deps.pool, item.itemId, department, 'cooperating');
  return { now, wasLead, wasCooperating, onItem: now !== null || wasLead || wasCooperating };
}

/** 404 for an unknown item; 403 for an officer whose department the item does not name. */
async function visibleItem(deps: ApiDeps, actor: Actor, itemId: string): Promise<ItemRow> {
  const item = await findItem(deps.pool, itemId);
  if (!item) throw notFound(`item ${itemId}`);
  if (actor.role === 'officer' && !(await standing(deps, item, actor.departmentCode)).onItem) {
    throw forbidden(`${actor.departmentCode} is not a responsible department of item ${item.number} (不是本事项的责任单位)`);
  }
  return item;
}

async function launchItem(deps: ApiDeps, item: ItemRow, startWith: 'current' | 'next', actor: Actor, requestId: string) {
  if (item.status === 'closed') throw conflict(`item ${item.itemId} is closed (已办结) and cannot be launched again`);
  const input: ItemRunInput = {
    itemId: item.itemId,
    seq: await lastRunSeq(deps.pool, item.itemId),
    opening: startWith === 'next' ? 'launch_next' : 'launch',
    launchedBy: actor,
    requestId,
    periodsOpened: 0,
  };
  // The workflow id is the item's: launching twice finds the running workflow instead of starting a second one.
  const handle = await deps.temporal.workflow.start('responsibilityItemWorkflow', {
    taskQueue: deps.taskQueue,
    workflowId: makeItemWorkflowId(item.itemId),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [{ key: SA.ItemCode, value: item.itemId }],
  });
  return { itemId: item.itemId, workflowId: handle.workflowId };
}

/** What happened to one step of a bulk urge. */
type UrgeResult =
  | { stepId: string; result: 'urged'; status: 200; urgeNumber?: string; state: string }
  | { stepId: string; result: 'refused'; status: number; code: string; reason: string }
  | { stepId: string; result: 'not_found'; status: 404; reason: string };

export function registerResponsibilityItemRoutes(routes: RouteTable, deps: ApiDeps): void {
  const policyParams = z.object({ policyId: policyIdSchema });
  const itemParams = z.object({ itemId: itemIdSchema });

  // ---- Policies ----

  routes.add({
    method: 'get',
    path: '/api/policies',
    summary: 'Policies under supervision (政策文件), with their phases and item counts',
    tag: 'responsibility items',
    auth: OFFICE_ROLES,
    handler: async () => ({ items: await listPolicies(deps.pool) }),
  });

  routes.add({
    method: 'post',
    path: '/api/policies',
    summary: 'Create a policy: title, issuing body, date, phases with dates',
    tag: 'responsibility items',
    auth: ['admin'],
    body: z.object({ policyId: policyIdSchema, ...policyShape, issuedOn: policyShape.issuedOn.default(null), phases: policyShape.phases.default([]), notesZh: policyShape.notesZh.default(null) }).strict(),
    successStatus: 201,
    handler: async ({ body, actor, requestId }) => {
      const { policyId, ...fields } = body;
      const problems = policyProblems(fields);
      if (problems.length) throw validationError(problems);
      if (!(await createPolicy(deps.pool, policyId, fields, actor!, requestId))) {
        throw new HttpError(409, 'conflict', `policy ${policyId} already exists`, [{ field: 'body.policyId', message: 'already taken' }]);
      }
      return findPolicy(deps.pool, policyId);
    },
  });

  routes.add({
    method: 'get',
    path: '/api/policies/:policyId',
    summary: 'A policy with its responsibility items',
    tag: 'responsibility items',
    auth: OFFICE_ROLES,
    params: policyParams,
    handler: async ({ params }) => {
      const policy = await findPolicy(deps.pool, params.policyId);
      if (!policy) throw notFound(`policy ${params.policyId}`);
      const names = await departmentNames(deps);
      return { ...policy, items: (await listItems(deps.pool, { policyId: params.policyId })).map((i) => itemView(i, names)) };
    },
  });

  routes.add({
    method: 'patch',
    path: '/api/policies/:policyId',
    summary: 'Edit a policy (logged in the audit trail with each changed field)',
    tag: 'responsibility items',
    auth: ['admin'],
    params: policyParams,
    body: z.object(policyShape).partial().strict(),
    handler: async ({ params, body, actor, requestId }) => {
      const r = await updatePolicy(deps.pool, params.policyId, (current) => {
        const next: PolicyFields = { ...current, ...body };
        const problems = policyProblems(next);
        if (problems.length) throw validationError(problems);
        return next;
      }, actor!, requestId);
      if (!r) throw notFound(`policy ${params.policyId}`);
      return { ...r.policy, changed: r.changed };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/policies/:policyId/items',
    summary: 'Add a responsibility item: lead and cooperating departments, leader in charge, rhythm or final deadline, evidence',
    tag: 'responsibility items',
    auth: EDITORS,
    params: policyParams,
    body: itemCreateBody,
    successStatus: 201,
    handler: async ({ params, body, actor, requestId }) => {
      if (!(await findPolicy(deps.pool, params.policyId))) throw notFound(`policy ${params.policyId}`);
      const { itemId: requested, ...rest } = body;
      const fields = itemFieldsOf(rest as ItemFields);
      const names = await departmentNames(deps);
      const problems = itemProblems(fields, new Set(names.keys()));
      if (problems.length) throw validationError(problems);
      const itemId = requested ?? `${params.policyId}-${String(fields.number).padStart(2, '0')}`;
      const created = await createItem(deps.pool, itemId, params.policyId, fields, actor!, requestId);
      if (created === 'id_taken') throw new HttpError(409, 'conflict', `item ${itemId} already exists`, [{ field: 'body.itemId', message: 'already taken' }]);
      if (created === 'number_taken') throw new HttpError(409, 'conflict', `policy ${params.policyId} already has an item ${fields.number}`, [{ field: 'body.number', message: 'already taken' }]);
      return itemView((await findItem(deps.pool, itemId))!, names);
    },
  });

  routes.add({
    method: 'post',
    path: '/api/policies/:policyId/launch',
    summary: "Launch every item of the policy that is not yet running (each item's reporting workflow)",
    tag: 'responsibility items',
    auth: EDITORS,
    params: policyParams,
    body: z.object({ startWith: z.enum(['current', 'next']).default('current') }).strict(),
    handler: async ({ params, body, actor, requestId }) => {
      if (!(await findPolicy(deps.pool, params.policyId))) throw notFound(`policy ${params.policyId}`);
      const items = await listItems(deps.pool, { policyId: params.policyId, status: 'draft' });
      const launched = [];
      for (const item of items) launched.push(await launchItem(deps, item, body.startWith, actor!, requestId));
      return { launched };
    },
  });

  // ---- Items ----

  routes.add({
    method: 'get',
    path: '/api/items',
    summary: 'Responsibility items, filterable by policy, department, leader in charge and status; officers see their own',
    tag: 'responsibility items',
    auth: OFFICE_ROLES,
    query: z.object({
      policy: policyIdSchema.optional(),
      department: departmentCode.optional(),
      leader: z.string().max(100).optional(),
      status: z.enum(ITEM_STATUSES).optional(),
    }),
    handler: async ({ query, actor }) => {
      let department = query.department;
      if (actor!.role === 'officer') {
        if (department && department !== actor!.departmentCode) throw forbidden('officers see only their own department');
        department = actor!.departmentCode!;
      }
      const names = await departmentNames(deps);
      const items = await listItems(deps.pool, { policyId: query.policy, departmentCode: department, leader: query.leader, status: query.status });
      return { items: items.map((i) => itemView(i, names)) };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/items/:itemId',
    summary: "An item's details: periods, each department's report with evidence and findings, review feedback, urging notices and replies, timeline",
    tag: 'responsibility items',
    auth: OFFICE_ROLES,
    params: itemParams,
    query: z.object({ period: periodLabel.optional() }),
    handler: async ({ params, query, actor }) => {
      const item = await visibleItem(deps, actor!, params.itemId);
      const names = await departmentNames(deps);
      const now = new Date();
      const steps = await itemSteps(deps.pool, item.itemId, now, query.period);
      const stepIds = steps.map((s) => s.stepId);
      const reviews = await reviewsOf(deps.pool, stepIds);
      const periods = (await itemPeriods(deps.pool, item.itemId)).filter((p) => !query.period || p.label === query.period);
      return {
        ...itemView(item, names),
        periods: periods.map((p) => ({
          ...p,
          steps: steps
            .filter((s) => s.period === p.label)
            .map((s) => ({
              stepId: s.stepId,
              departmentCode: s.departmentCode,
              departmentNameZh: names.get(s.departmentCode) ?? s.departmentCode,
              role: s.role,
              roleZh: ITEM_ROLE_NAMES_ZH[s.role],
              attempt: s.attempt,
              state: s.state,
              stateZh: STEP_STATE_NAMES_ZH[s.state as keyof typeof STEP_STATE_NAMES_ZH] ?? s.state,
              light: s.light,
              lightZh: LIGHT_NAMES_ZH[s.light],
              deadlineAt: s.deadlineAt,
              overdue: s.overdue,
              escalationLevel: s.escalationLevel,
              outcome: s.view.outcome,
              findings: s.view.findings,
              evidence: s.view.evidence,
              facts: s.view.facts,
              urges: s.view.urges,
              feedback: reviews.filter((r) => r.stepId === s.stepId),
            })),
        })),
        timeline: await itemTimeline(deps.pool, item.itemId, stepIds),
      };
    },
  });

  routes.add({
    method: 'patch',
    path: '/api/items/:itemId',
    summary: 'Edit an item (departments, leader, deadline or rhythm, evidence); applies from the next period; logged',
    tag: 'responsibility items',
    auth: EDITORS,
    params: itemParams,
    body: z.object(itemShape).partial().strict(),
    handler: async ({ params, body, actor, requestId }) => {
      const names = await departmentNames(deps);
      let current: ItemRow | undefined;
      const r = await updateItem(deps.pool, params.itemId, (row) => {
        current = row;
        const next = itemFieldsOf({ ...row, ...body });
        const problems = itemProblems(next, new Set(names.keys()));
        if (problems.length) throw validationError(problems);
        return next;
      }, actor!, requestId).catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') throw new HttpError(409, 'conflict', `the policy already has an item ${body.number}`, [{ field: 'body.number', message: 'already taken' }]);
        throw err;
      });
      if (!r) throw notFound(`item ${params.itemId}`);
      return { ...itemView(r.item, names), changed: r.changed, appliesFrom: current?.status === 'running' ? 'next_period' : 'launch' };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/items/:itemId/launch',
    summary: "Start the item's reporting workflow: now (this period, if enough working days are left) or from the next period",
    tag: 'responsibility items',
    auth: EDITORS,
    params: itemParams,
    body: z.object({ startWith: z.enum(['current', 'next']).default('current') }).strict(),
    handler: async ({ params, body, actor, requestId }) => {
      const item = await findItem(deps.pool, params.itemId);
      if (!item) throw notFound(`item ${params.itemId}`);
      return launchItem(deps, item, body.startWith, actor!, requestId);
    },
  });

  routes.add({
    method: 'post',
    path: '/api/items/:itemId/close',
    summary: 'Close an item: no further periods; its open steps are cancelled',
    tag: 'responsibility items',
    auth: EDITORS,
    params: itemParams,
    body: z.object({ reason: text(2000, 'reason is required') }).strict(),
    handler: async ({ params, body, actor, requestId }) => {
      const item = await findItem(deps.pool, params.itemId);
      if (!item) throw notFound(`item ${params.itemId}`);
      if (item.status === 'closed') throw conflict(`item ${item.itemId} is already closed`);
      if (item.status === 'draft') {
        if (!(await closeDraftItem(deps.pool, item.itemId, body.reason, actor!, requestId))) throw conflict(`item ${item.itemId} changed meanwhile; try again`);
        return { itemId: item.itemId, status: 'closed' };
      }
      try {
        await deps.temporal.workflow.getHandle(makeItemWorkflowId(item.itemId)).signal(closeItemSignal, { reason: body.reason, actor: actor!, requestId });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw conflict(`item ${item.itemId} has no running workflow; launch it first`);
        throw err;
      }
      return { itemId: item.itemId, status: 'closing' };
    },
  });

  // ---- Reports, review ----

  const reportBody = z
    .object({
      findings: text(4000, 'findings are required'),
      evidence: evidence.default([]),
      period: periodLabel.optional(),
    })
    .strict();

  routes.add({
    method: 'post',
    path: '/api/items/:itemId/progress-reports',
    summary: "A cooperating department's progress report with evidence for a period (goes to the lead)",
    tag: 'responsibility items',
    auth: ['officer'],
    params: itemParams,
    body: reportBody,
    handler: async (ctx) => {
      const { params, body, actor } = ctx;
      const item = await visibleItem(deps, actor!, params.itemId);
      const s = await standing(deps, item, actor!.departmentCode);
      if (!(s.now === 'cooperating' || s.wasCooperating)) {
        throw new HttpError(409, 'wrong_report', `${actor!.departmentCode} is the lead department (牵头单位) of item ${item.number}: it files the consolidated report (POST /api/items/${item.itemId}/consolidated-reports)`);
      }
      const step = await departmentItemStep(deps.pool, item.itemId, actor!.departmentCode!, 'cooperating', body.period);
      if (!step) throw conflict(body.period ? `no progress report of ${actor!.departmentCode} in period ${body.period}` : `${actor!.departmentCode} has no progress report open on item ${item.number}`);
      const result = await sendStepAct(deps, step.workflowId, step.stepId, { type: 'complete', outcome: 'done', findings: body.findings, evidence: body.evidence }, actor!, ctx.requestId, `item-progress:${idempotencyKey(ctx)}`);
      return { stepId: step.stepId, period: step.period, ...result };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/items/:itemId/consolidated-reports',
    summary: "The lead department's consolidated report for a period, with the cooperating reports attached (reviewed by the supervision office)",
    tag: 'responsibility items',
    auth: ['officer'],
    params: itemParams,
    body: reportBody,
    handler: async (ctx) => {
      const { params, body, actor } = ctx;
      const item = await visibleItem(deps, actor!, params.itemId);
      const s = await standing(deps, item, actor!.departmentCode);
      if (!(s.now === 'lead' || s.wasLead)) throw forbidden(`only the lead department (牵头单位) of item ${item.number} files its consolidated report`);
      const step = await departmentItemStep(deps.pool, item.itemId, actor!.departmentCode!, 'lead', body.period);
      if (!step) throw conflict(body.period ? `no consolidated report of period ${body.period}` : `item ${item.number} has no consolidated report open`);
      // The cooperating departments' reports of the period become the consolidated report's evidence.
      const names = await departmentNames(deps);
      const cooperating = (await itemSteps(deps.pool, item.itemId, new Date(), step.period)).filter((x) => x.role === 'cooperating');
      const reported = cooperating.filter((x) => x.state === 'done');
      const missing = cooperating.filter((x) => x.state !== 'done').map((x) => x.departmentCode);
      const attached = reported.map((x) => ({ name: `配合单位报送：${names.get(x.departmentCode) ?? x.departmentCode}`, ref: `step:${x.stepId}` }));
      const result = await sendStepAct(deps, step.workflowId, step.stepId, {
        type: 'complete',
        outcome: 'done',
        findings: body.findings,
        evidence: [...body.evidence, ...attached],
        facts: { cooperatingExpected: cooperating.length, cooperatingReported: reported.length, cooperatingMissing: missing.join(',') },
      }, actor!, ctx.requestId, `item-consolidated:${idempotencyKey(ctx)}`);
      return { stepId: step.stepId, period: step.period, cooperatingReported: reported.map((x) => x.departmentCode), cooperatingMissing: missing, ...result };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/items/:itemId/periods/:period/review',
    summary: "The supervision office's review of a period's consolidated report: accept (green) or send back with feedback (red); optionally record the finding in the problem ledger",
    tag: 'responsibility items',
    auth: ['supervisor'],
    params: itemParams.extend({ period: periodLabel }),
    body: z
      .object({
        decision: z.enum(['accept', 'send_back']),
        feedback: z.string().max(4000).default(''),
        recordProblem: z.boolean().default(false),
      })
      .strict(),
    handler: async (ctx) => {
      const { params, body, actor } = ctx;
      const item = await findItem(deps.pool, params.itemId);
      if (!item) throw notFound(`item ${params.itemId}`);
      const leadSteps = (await itemSteps(deps.pool, item.itemId, new Date(), params.period)).filter((x) => x.role === 'lead');
      const step = leadSteps.sort((a, b) => b.attempt - a.attempt)[0];
      if (!step) throw notFound(`the consolidated report of item ${item.number} for ${params.period}`);
      const row = await findStep(deps.pool, step.stepId, new Date());
      const result = await sendStepAct(deps, row!.workflowId, step.stepId, { type: 'review', decision: body.decision, feedback: body.feedback }, actor!, ctx.requestId, `item-review:${idempotencyKey(ctx)}`);
      let problemId: string | null = null;
      if (body.decision === 'send_back' && body.recordProblem) {
        problemId = await openProblem(deps, {
          source: 'review',
          titleZh: `第${item.number}项 ${params.period} 汇总报送审核发现的问题`,
          description: body.feedback,
          itemId: item.itemId,
          relatedStepId: step.stepId,
          actor: actor!,
          requestId: ctx.requestId,
        });
      }
      return { stepId: step.stepId, period: params.period, ...result, problemId };
    },
  });

  // ---- The dispatch board ----

  routes.add({
    method: 'get',
    path: '/api/board',
    summary: 'The dispatch board (挂图作战): lights per item × department × period, filterable by department, leader, light, due soon / overdue',
    tag: 'responsibility items',
    auth: OFFICE_ROLES,
    query: z.object({
      policy: policyIdSchema.optional(),
      item: itemIdSchema.optional(),
      department: departmentCode.optional(),
      leader: z.string().max(100).optional(),
      period: periodLabel.optional(),
      light: z.enum(LIGHTS).optional(),
      due: z.enum(['soon', 'overdue']).optional(),
      role: z.enum(['lead', 'cooperating']).optional(),
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(500).default(100),
    }),
    handler: async ({ query, actor }) => {
      let department = query.department;
      if (actor!.role === 'officer') {
        if (department && department !== actor!.departmentCode) throw forbidden('officers see only their own department');
        department = actor!.departmentCode!;
      }
      const r = await board(deps.pool, { ...query, policyId: query.policy, itemId: query.item, departmentCode: department, role: query.role as ItemRole | undefined }, new Date());
      return {
        ...r,
        page: query.page,
        pageSize: query.pageSize,
        items: r.items.map((row) => ({
          ...row,
          lightZh: LIGHT_NAMES_ZH[row.light as Light],
          stateZh: STEP_STATE_NAMES_ZH[row.state as keyof typeof STEP_STATE_NAMES_ZH] ?? row.state,
          roleZh: ITEM_ROLE_NAMES_ZH[row.role],
        })),
      };
    },
  });

  // ---- Urging in bulk, escalations ----

  routes.add({
    method: 'post',
    path: '/api/urges',
    summary: 'Urge (催办) several due-soon or overdue steps at once: a numbered, graded notice each, needing a reply; reports per step what happened',
    tag: 'responsibility items',
    auth: ['supervisor'],
    body: z
      .object({
        stepIds: z.array(stepIdSchema).min(1).max(100).refine((ids) => new Set(ids).size === ids.length, 'each step only once'),
        message: text(2000, 'message is required'),
        level: z.enum(URGE_LEVELS).default('normal'),
      })
      .strict(),
    handler: async (ctx) => {
      const { body, actor } = ctx;
      const key = idempotencyKey(ctx);
      const results: UrgeResult[] = [];
      for (const stepId of body.stepIds) {
        const step = await findStep(deps.pool, stepId, new Date());
        if (!step) {
          results.push({ stepId, result: 'not_found', status: 404, reason: `step ${stepId} not found` });
          continue;
        }
        // A finished step's workflow is gone; say why it cannot be urged rather than that it was not found.
        if (!WORKING_STATES.includes(step.state as StepState)) {
          const stateZh = STEP_STATE_NAMES_ZH[step.state as StepState] ?? step.state;
          results.push({ stepId, result: 'refused', status: 409, code: 'invalid_state', reason: `cannot urge a step that is ${step.state} (${stateZh})` });
          continue;
        }
        try {
          const r = await sendStepAct(deps, step.workflowId, stepId, { type: 'urge', message: body.message, level: body.level }, actor!, ctx.requestId, `urge:${key}:${stepId}`);
          results.push({ stepId, result: 'urged', status: 200, urgeNumber: r.urgeNumber, state: r.state });
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          results.push({ stepId, result: 'refused', status: err.status, code: err.code, reason: err.message });
        }
      }
      const count = (what: string) => results.filter((r) => r.result === what).length;
      return { urged: count('urged'), refused: count('refused'), notFound: count('not_found'), results };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/escalations',
    summary: "Escalations (督办升级) by level: level=leading_group is the leading group's list; from the step clocks and from unsatisfied ratings",
    tag: 'responsibility items',
    auth: ['supervisor', 'leader'],
    query: z.object({
      level: z.enum(ESCALATION_LADDER.map((r) => r.level) as [string, ...string[]]).optional(),
      department: departmentCode.optional(),
      subjectType: z.enum(['application', 'item', 'problem', 'standalone']).optional(),
      open: z.enum(['true', 'false']).default('false'),
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(200).default(50),
    }),
    handler: async ({ query }) => {
      const r = await listEscalations(deps.pool, { level: query.level, departmentCode: query.department, subjectType: query.subjectType, openOnly: query.open === 'true', page: query.page, pageSize: query.pageSize }, new Date());
      const levelZh = new Map(ESCALATION_LADDER.map((l) => [l.level, l.nameZh]));
      return {
        ...r,
        page: query.page,
        pageSize: query.pageSize,
        items: r.items.map((e) => ({
          ...e,
          levelZh: levelZh.get(e.level) ?? e.level,
          causeZh: e.cause === 'unsatisfied_rating' ? '群众评价不满意' : '逾期未办结',
          lightZh: LIGHT_NAMES_ZH[e.light],
        })),
      };
    },
  });
}
