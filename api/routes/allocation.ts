/**
 * The allocation round (统一派位), its results and numbers, the what-if before a round, and the purchased seats the
 * finance bureau pays for.
 *
 * Who: the education bureau starts and closes rounds and runs what-ifs; the supervision office, the leading group and
 * administrators read everything; the finance bureau reads purchased seats and numbers; a school reads the children
 * placed with it. Parents read their own result on their application (GET /api/applications/:no).
 */
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { z } from 'zod';
import { APPLICATION_STATE_NAMES_ZH, type ApplicationState } from '../../contracts/application';
import {
  ROUND_ID_PATTERN,
  ROUND_PHASE_NAMES_ZH,
  closeRoundUpdate,
  getRoundQuery,
  makeAllocationRoundId,
  type AllocationRoundInput,
  type RoundPhase,
  type RoundView,
} from '../../contracts/allocation-round';
import {
  currentStats,
  findRound,
  listMoves,
  listPurchasedSeats,
  listRoundPlacements,
  listRounds,
  openRound,
  roundTimeline,
  stagesWithData,
  todaysAllocationInput,
  type RoundRow,
} from '../../db/repositories/allocation';
import { findPolicy } from '../../db/repositories/applications';
import { ALLOCATION_RULES_ZH, allocate, shortageSummary, type AllocationInput, type AllocationResult } from '../../domain/allocation';
import { DEFAULT_ROUND_CONFIG, priorityGroupsZh, roundNumbers, type RoundConfig } from '../../domain/allocation-pool';
import { SPECIAL_CATEGORIES, STAGES, STAGE_NAMES_ZH, type Stage } from '../../domain/application';
import type { Actor } from '../../domain/roles';
import type { ApiDeps } from '../deps';
import { HttpError, forbidden, notFound, validationError } from '../http/errors';
import type { RouteTable } from '../http/routes';
import { mapWorkflowError } from '../http/temporal-errors';

const district = z.string().regex(/^[a-z0-9_]{1,32}$/, '区县代码格式不正确');
const year = z.coerce.number().int().min(2000).max(2100);
const roundParams = z.object({ roundId: z.string().regex(ROUND_ID_PATTERN, '统筹批次编号格式不正确') });

const configSchema = z
  .object({
    priorityGroups: z
      .array(z.object({ nameZh: z.string().trim().min(1).max(50), categories: z.array(z.enum(SPECIAL_CATEGORIES)).min(1).max(SPECIAL_CATEGORIES.length) }))
      .max(10)
      .optional(),
    otherGroupNameZh: z.string().trim().min(1).max(50).optional(),
    allowSiblingsTogether: z.boolean().optional(),
    checkInWorkingDays: z.number().int().min(1).max(30).optional(),
  })
  .optional();

function withDefaults(c: z.infer<typeof configSchema>): RoundConfig {
  return {
    priorityGroups: c?.priorityGroups ?? DEFAULT_ROUND_CONFIG.priorityGroups,
    otherGroupNameZh: c?.otherGroupNameZh ?? DEFAULT_ROUND_CONFIG.otherGroupNameZh,
    allowSiblingsTogether: c?.allowSiblingsTogether ?? DEFAULT_ROUND_CONFIG.allowSiblingsTogether,
    checkInWorkingDays: c?.checkInWorkingDays ?? DEFAULT_ROUND_CONFIG.checkInWorkingDays,
  };
}

const isEducation = (a: Actor) => a.role === 'officer' && a.departmentCode === 'education';

/** Officers of these departments only; other roles as the route allows. */
function onlyDepartments(actor: Actor, departments: readonly string[]): void {
  if (actor.role === 'officer' && !departments.includes(actor.departmentCode ?? '')) {
    throw forbidden(`officers of ${actor.departmentCode} may not do this; it is for ${departments.join(', ')}`);
  }
}

function roundSummary(r: RoundRow) {
  return {
    roundId: r.roundId,
    district: r.district,
    year: r.year,
    stage: r.stage,
    stageZh: STAGE_NAMES_ZH[r.stage as Stage] ?? r.stage,
    roundNo: r.roundNo,
    phase: r.phase,
    phaseZh: ROUND_PHASE_NAMES_ZH[r.phase as RoundPhase] ?? r.phase,
    poolSize: r.poolSize,
    published: r.published,
    stats: r.stats,
    checkIn: r.checkInDeadlineAt ? { deadlineAt: r.checkInDeadlineAt, lastDay: r.checkInLastDay } : null,
    startedAt: r.startedAt,
    publishedAt: r.publishedAt,
    closedAt: r.closedAt,
  };
}

export function registerAllocationRoutes(routes: RouteTable, deps: ApiDeps): void {
  const loadRound = async (roundId: string) => {
    const r = await findRound(deps.pool, roundId);
    if (!r) throw notFound(`allocation round ${roundId}`);
    return r;
  };

  /** The round's live progress from its workflow, or null when it cannot be asked (not started yet, no worker). */
  const liveView = async (roundId: string): Promise<RoundView | null> => {
    try {
      return await deps.temporal.workflow.getHandle(roundId).query(getRoundQuery);
    } catch {
      return null;
    }
  };

  routes.add({
    method: 'post',
    path: '/api/allocation-rounds',
    summary: 'Start an allocation round for a district, year and stage (education bureau); a round already open is returned instead',
    tag: 'allocation',
    auth: ['officer'],
    body: z.object({ district, year: z.number().int().min(2000).max(2100), stage: z.enum(STAGES), config: configSchema }),
    handler: async ({ body, actor, requestId, res }) => {
      if (!isEducation(actor!)) throw forbidden('only the education bureau starts allocation rounds');
      if (!(await findPolicy(deps.pool, body.district, body.year, body.stage))) {
        throw validationError([{ field: 'body.district', message: `${body.district}区${body.year}年未发布${STAGE_NAMES_ZH[body.stage]}招生政策` }]);
      }
      const config = withDefaults(body.config);
      const { round, created } = await openRound(deps.pool, { district: body.district, year: body.year, stage: body.stage, config, startedBy: actor!.userId }, (n) =>
        makeAllocationRoundId(body.district, body.year, body.stage, n),
      );
      const input: AllocationRoundInput = {
        roundId: round.roundId,
        district: round.district,
        year: round.year,
        stage: round.stage,
        roundNo: round.roundNo,
        config: round.config,
        startedBy: actor!,
        requestId,
      };
      // Started on every request, not only the first: a crash between the insert and the start loses nothing.
      await deps.temporal.workflow.start('allocationRoundWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: round.roundId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
      res.status(created ? 201 : 200);
      return { ...roundSummary(round), created, rulesZh: ALLOCATION_RULES_ZH, priorityGroupsZh: priorityGroupsZh(round.config) };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/allocation-rounds',
    summary: 'Allocation rounds, newest first',
    tag: 'allocation',
    auth: ['officer', 'supervisor', 'leader', 'admin'],
    query: z.object({ district: district.optional(), year: year.optional(), stage: z.enum(STAGES).optional() }),
    handler: async ({ query, actor }) => {
      onlyDepartments(actor!, ['education', 'finance']);
      return { items: (await listRounds(deps.pool, query)).map(roundSummary) };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/allocation-rounds/:roundId',
    summary: 'A round: phase, progress (placed so far, published so far, releases, waitlist moves), the rules and its timeline',
    tag: 'allocation',
    auth: ['officer', 'supervisor', 'leader', 'admin'],
    params: roundParams,
    handler: async ({ params, actor }) => {
      onlyDepartments(actor!, ['education', 'finance']);
      const r = await loadRound(params.roundId);
      const live = r.closedAt ? null : await liveView(r.roundId);
      return {
        ...roundSummary(r),
        progress: live,
        config: r.config,
        priorityGroupsZh: priorityGroupsZh(r.config),
        rulesZh: ALLOCATION_RULES_ZH,
        timeline: await roundTimeline(deps.pool, r.roundId),
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/allocation-rounds/:roundId/placements',
    summary: "A round's placements in rank order with their reasons; a school sees only the children placed with it",
    tag: 'allocation',
    auth: ['officer', 'school', 'supervisor', 'leader', 'admin'],
    params: roundParams,
    query: z.object({
      schoolId: z.string().max(64).optional(),
      type: z.enum(['catchment', 'adjusted', 'purchased', 'unplaced']).optional(),
      status: z.enum(['active', 'released']).optional(),
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(500).default(50),
    }),
    handler: async ({ params, query, actor }) => {
      onlyDepartments(actor!, ['education']);
      await loadRound(params.roundId);
      const schoolId = actor!.role === 'school' ? actor!.schoolId! : query.schoolId;
      if (actor!.role === 'school' && query.schoolId && query.schoolId !== actor!.schoolId) throw forbidden('a school sees only the children placed with it');
      const r = await listRoundPlacements(deps.pool, params.roundId, { schoolId, type: query.type, status: query.status, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      const items = r.items.map((x) => ({ ...x, applicationStateZh: APPLICATION_STATE_NAMES_ZH[x.applicationState as ApplicationState] ?? x.applicationState }));
      return { ...r, items, page: query.page, pageSize: query.pageSize };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/allocation-rounds/:roundId/moves',
    summary: 'Every waitlist move of a round, in order, with the release that started it and the reason',
    tag: 'allocation',
    auth: ['officer', 'supervisor', 'leader', 'admin'],
    params: roundParams,
    handler: async ({ params, actor }) => {
      onlyDepartments(actor!, ['education']);
      await loadRound(params.roundId);
      return { items: await listMoves(deps.pool, params.roundId) };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/allocation-rounds/:roundId/numbers',
    summary: 'Numbers of a round now: placed / unplaced, public share against the 95% and 100% targets, purchased seats and their cost',
    tag: 'allocation',
    auth: ['officer', 'supervisor', 'leader', 'admin'],
    params: roundParams,
    handler: async ({ params, actor }) => {
      onlyDepartments(actor!, ['education', 'finance']);
      const r = await loadRound(params.roundId);
      const stats = await currentStats(deps.pool, r.roundId);
      if (!stats) throw new HttpError(409, 'invalid_state', '本轮尚未完成学位安排，暂无统计数据');
      const purchased = await listPurchasedSeats(deps.pool, { roundId: r.roundId, status: 'active', limit: 1, offset: 0 });
      return {
        roundId: r.roundId,
        phase: r.phase,
        numbers: roundNumbers(stats),
        firstResult: r.stats ? roundNumbers(r.stats) : null,
        finance: { purchasedSeats: purchased.activeSeats, purchasedCost: purchased.totalCost },
      };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/allocation-rounds/:roundId/close',
    summary: 'Close a round after its results are published: the waitlist stops moving (education bureau)',
    tag: 'allocation',
    auth: ['officer', 'admin'],
    params: roundParams,
    body: z.object({ reason: z.string().max(500).default('') }),
    handler: async ({ params, body, actor, requestId }) => {
      if (actor!.role === 'officer' && !isEducation(actor!)) throw forbidden('only the education bureau closes allocation rounds');
      const r = await loadRound(params.roundId);
      if (r.closedAt) throw new HttpError(409, 'invalid_state', '本轮已结束');
      try {
        const view = await deps.temporal.workflow.getHandle(r.roundId).executeUpdate(closeRoundUpdate, { args: [{ actor: actor!, requestId, reason: body.reason }], updateId: `close:${requestId}` });
        return { roundId: r.roundId, phase: view.phase, phaseZh: ROUND_PHASE_NAMES_ZH[view.phase] };
      } catch (err) {
        throw mapWorkflowError(err, `allocation round ${r.roundId}`, true);
      }
    },
  });

  routes.add({
    method: 'post',
    path: '/api/allocation/what-if',
    summary: "Run the allocation on today's pool without publishing: where seats run short, by school and stage (education bureau, supervisors, admins)",
    tag: 'allocation',
    auth: ['officer', 'supervisor', 'admin'],
    body: z.object({ district, year: z.number().int().min(2000).max(2100), stage: z.enum(STAGES).optional(), config: configSchema }),
    handler: async ({ body, actor }) => {
      onlyDepartments(actor!, ['education']);
      const config = withDefaults(body.config);
      const stages = body.stage ? [body.stage] : await stagesWithData(deps.pool, body.district, body.year);
      const perStage: { stage: string; input: AllocationInput; result: AllocationResult }[] = [];
      for (const stage of stages) {
        const input = await todaysAllocationInput(deps.pool, body.district, body.year, stage, config);
        const result = allocate(input);
        perStage.push({ stage, input, result });
      }
      const shortage = shortageSummary(perStage.map((s) => ({ stage: s.stage, input: s.input })));
      return {
        district: body.district,
        year: body.year,
        computedAt: new Date().toISOString(),
        published: false,
        stages: perStage.map((s) => ({
          stage: s.stage,
          stageZh: STAGE_NAMES_ZH[s.stage as Stage] ?? s.stage,
          numbers: roundNumbers(s.result.stats),
          shortage: shortage.stages.find((x) => x.stage === s.stage),
        })),
        // By school and stage: catchment demand against seats, and where the allocation would put children today.
        schools: shortage.rows.map((row) => {
          const usage = perStage.find((s) => s.stage === row.stage)?.result.bySchool.find((u) => u.schoolId === row.schoolId);
          return { ...row, stageZh: STAGE_NAMES_ZH[row.stage as Stage] ?? row.stage, wouldPlace: usage ? usage.placed + usage.purchased : 0, freeAfter: usage?.free ?? 0 };
        }),
      };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/purchased-seats',
    summary: 'Government-purchased seats (政府购买学位) the finance bureau pays for: application, school, price, year, and whether the child enrolled',
    tag: 'allocation',
    auth: ['officer', 'supervisor', 'leader', 'admin'],
    query: z.object({
      year: year.optional(),
      district: district.optional(),
      roundId: z.string().regex(ROUND_ID_PATTERN).optional(),
      status: z.enum(['active', 'cancelled']).optional(),
      page: z.coerce.number().int().min(1).max(100000).default(1),
      pageSize: z.coerce.number().int().min(1).max(500).default(100),
    }),
    handler: async ({ query, actor }) => {
      onlyDepartments(actor!, ['finance', 'education']);
      const r = await listPurchasedSeats(deps.pool, { ...query, limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      return { ...r, page: query.page, pageSize: query.pageSize };
    },
  });
}
