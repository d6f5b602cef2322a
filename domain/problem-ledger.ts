/**
 * The problem ledger (问题台账, seed 002; the complaint and appeal platform of seed 004, the hotline and mailbox of
 * seed 003) as a pure state machine. A problem goes around the closed loop 发现问题 → 分析问题 → 督办解决 → 反馈评价:
 *
 *   found ──analyse──▶ analysing ──assign──▶ handling ──(department's step done)──▶ feedback ──rate: satisfied──▶ closed
 *                          ▲                     │                                     │
 *                          └──(step returned)────┘                                     ├─rate: unsatisfied, first time──▶ handling
 *                                                                                      │   (a new handling step; escalated)
 *                                                                                      └─rate: unsatisfied again──▶ closed_unresolved
 *
 * The supervision office analyses and assigns (to one department, with the 1-3-5 class); the department handles it as
 * a department step; only the reporter closes it, by rating. No I/O, no clock: the workflow runs it and records what
 * it returns.
 */
import type { DeadlineClass } from './deadline-classes';
import type { Actor } from './roles';

export const PROBLEM_STATES = ['found', 'analysing', 'handling', 'feedback', 'closed', 'closed_unresolved'] as const;
export type ProblemState = (typeof PROBLEM_STATES)[number];
export const FINAL_PROBLEM_STATES: readonly ProblemState[] = ['closed', 'closed_unresolved'];

/** What officials and the public read. */
export const PROBLEM_STATE_NAMES_ZH: Record<ProblemState, string> = {
  found: '已登记，待分析研判',
  analysing: '分析研判中，待交办',
  handling: '督办解决中',
  feedback: '已反馈办理结果，待评价',
  closed: '已办结（评价满意）',
  closed_unresolved: '未解决，已升级至领导小组',
};

export const PROBLEM_SOURCES = ['public', 'official', 'review'] as const;
export type ProblemSource = (typeof PROBLEM_SOURCES)[number];
export const PROBLEM_SOURCE_NAMES_ZH: Record<ProblemSource, string> = {
  public: '群众投诉申诉',
  official: '工作人员发现',
  review: '审核发现',
};

/** How often an unsatisfied reporter can send a problem back for handling again. */
export const MAX_REOPENS = 1;

export type ProblemAction =
  | { type: 'analyse'; analysis: string }
  | { type: 'assign'; departmentCode: string; deadlineClass: DeadlineClass; instructions: string }
  | { type: 'rate'; satisfied: boolean };

/** What the department's handling step ended as, reported to the machine by the workflow. */
export type HandlingOutcome = { state: 'done'; findings: string } | { state: 'returned' | 'cancelled'; reason: string };

export interface ProblemView {
  problemId: string;
  source: ProblemSource;
  state: ProblemState;
  analysis: string | null;
  departmentCode: string | null;
  deadlineClass: DeadlineClass | null;
  instructions: string | null;
  /** Handling rounds started so far; the current handling step is round `round`. */
  round: number;
  reopens: number;
  handlingStepId: string | null;
  /** The department's handling result, shown to the reporter for rating. */
  feedback: string | null;
  ratings: { round: number; satisfied: boolean }[];
  escalated: boolean;
  seq: number;
}

export type ProblemRefusalCode = 'forbidden' | 'invalid_state' | 'invalid_argument';

export class ProblemRefusal extends Error {
  constructor(
    readonly code: ProblemRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProblemRefusal';
  }
}

/** What an applied act asks the workflow to do besides recording it. */
export interface ProblemEffect {
  action: string;
  details: Record<string, unknown>;
  /** Start a handling step for this round. */
  startHandling?: { round: number; departmentCode: string; deadlineClass: DeadlineClass; instructions: string };
  /** Tell the leading group (and put it on its escalation list): the reporter is not satisfied. */
  escalate?: { round: number; final: boolean };
}

/** The pseudo-user a member of the public acts as once the API has checked their tracking code. */
export const publicReporterId = (problemId: string): string => `public:${problemId}`;

export function newProblemView(problemId: string, source: ProblemSource): ProblemView {
  return {
    problemId,
    source,
    state: 'found',
    analysis: null,
    departmentCode: null,
    deadlineClass: null,
    instructions: null,
    round: 0,
    reopens: 0,
    handlingStepId: null,
    feedback: null,
    ratings: [],
    escalated: false,
    seq: 0,
  };
}

export class ProblemMachine {
  constructor(
    readonly view: ProblemView,
    /** Who may rate: the official who reported it, or the public pseudo-user of the problem. */
    readonly reporterId: string,
  ) {}

  get final(): boolean {
    return FINAL_PROBLEM_STATES.includes(this.view.state);
  }

  /** Throws ProblemRefusal when the actor may not do this act now. Changes nothing. */
  check(action: ProblemAction, actor: Actor): void {
    const s = this.view;
    const refuse = (code: ProblemRefusalCode, message: string): never => {
      throw new ProblemRefusal(code, message);
    };
    const requireState = (...states: ProblemState[]) =>
      states.includes(s.state) || refuse('invalid_state', `cannot ${action.type} a problem that is ${s.state} (${PROBLEM_STATE_NAMES_ZH[s.state]})`);
    switch (action.type) {
      case 'analyse':
        if (actor.role !== 'supervisor') refuse('forbidden', 'only the supervision office analyses problems');
        requireState('found', 'analysing');
        if (!action.analysis.trim()) refuse('invalid_argument', 'analysis is required');
        return;
      case 'assign':
        if (actor.role !== 'supervisor') refuse('forbidden', 'only the supervision office assigns problems');
        requireState('analysing');
        if (!action.instructions.trim()) refuse('invalid_argument', 'instructions are required');
        return;
      case 'rate':
        if (actor.userId !== this.reporterId) refuse('forbidden', 'only the person who reported the problem may rate its handling');
        requireState('feedback');
        return;
      default:
        refuse('invalid_argument', `unknown action ${(action as { type: string }).type}`);
    }
  }

  /** Apply an act already checked. */
  apply(action: ProblemAction): ProblemEffect {
    const s = this.view;
    switch (action.type) {
      case 'analyse':
        s.analysis = action.analysis;
        s.state = 'analysing';
        return { action: 'analysed', details: { analysis: action.analysis } };
      case 'assign': {
        s.departmentCode = action.departmentCode;
        s.deadlineClass = action.deadlineClass;
        s.instructions = action.instructions;
        s.round += 1;
        s.feedback = null;
        s.state = 'handling';
        const startHandling = { round: s.round, departmentCode: action.departmentCode, deadlineClass: action.deadlineClass, instructions: action.instructions };
        return { action: 'assigned', details: { departmentCode: action.departmentCode, deadlineClass: action.deadlineClass, instructions: action.instructions, round: s.round }, startHandling };
      }
      case 'rate': {
        const round = s.round;
        s.ratings.push({ round, satisfied: action.satisfied });
        if (action.satisfied) {
          s.state = 'closed';
          return { action: 'rated_satisfied', details: { round, satisfied: true } };
        }
        s.escalated = true;
        if (s.reopens < MAX_REOPENS) {
          // Once: the same department handles it again, under the leading group's eyes.
          s.reopens += 1;
          s.round += 1;
          s.feedback = null;
          s.state = 'handling';
          const instructions = `群众对第${round}次办理结果不满意，请重新办理。${s.instructions ?? ''}`;
          return {
            action: 'reopened',
            details: { round, satisfied: false, newRound: s.round },
            startHandling: { round: s.round, departmentCode: s.departmentCode!, deadlineClass: s.deadlineClass!, instructions },
            escalate: { round, final: false },
          };
        }
        s.state = 'closed_unresolved';
        return { action: 'closed_unresolved', details: { round, satisfied: false }, escalate: { round, final: true } };
      }
    }
  }

  /** The handling step ended: a result goes to the reporter; a step given back returns the problem to the office. */
  handlingEnded(stepId: string, outcome: HandlingOutcome): ProblemEffect | null {
    const s = this.view;
    if (s.state !== 'handling' || s.handlingStepId !== stepId) return null;
    if (outcome.state === 'done') {
      s.feedback = outcome.findings;
      s.state = 'feedback';
      return { action: 'handled', details: { stepId, round: s.round, findings: outcome.findings } };
    }
    s.state = 'analysing';
    return { action: 'handling_returned', details: { stepId, round: s.round, state: outcome.state, reason: outcome.reason } };
  }
}

/**
 * One line of the reporter's progress view in plain Chinese for an event of the problem's own stream, or null for an
 * event the public need not see. Internal texts (the office's analysis, instructions) are not shown.
 */
export function problemEventTextZh(action: string, details: Record<string, unknown>, departmentName: (code: string) => string): string | null {
  const dept = typeof details.departmentCode === 'string' ? departmentName(details.departmentCode) : '责任单位';
  switch (action) {
    case 'submitted':
      return '问题已登记';
    case 'analysed':
      return '督查室已分析研判';
    case 'assigned':
      return `已交${dept}办理`;
    case 'handled':
      return '责任单位已反馈办理结果，请评价';
    case 'handling_returned':
      return '责任单位退回，督查室重新研判交办中';
    case 'reopened':
      return '您对办理结果不满意，已重新交办，并报领导小组督办';
    case 'rated_satisfied':
      return '您对办理结果表示满意，问题已办结';
    case 'closed_unresolved':
      return '您对重新办理的结果仍不满意，问题已报领导小组研究处理';
    default:
      return null;
  }
}
