/**
 * The department step as a pure state machine: who may do what in which state, and what each act changes.
 * No I/O and no clock of its own (time is passed in), so the workflow can run it deterministically and tests can
 * drive it directly. The workflow (workflows/department-step.workflow.ts) records each returned event through an
 * activity: the audit row, the read-model row and the notifications, in one transaction.
 */
import { textProblemsIn } from './text';
import type {
  Evidence,
  StepAction,
  StepInput,
  StepSchedule,
  StepState,
  StepView,
  UrgeLevel,
} from '../contracts/department-step';
import { TERMINAL_STATES, WORKING_STATES, STEP_STATE_NAMES_ZH } from '../contracts/department-step';
import { MAX_WORKING_DAYS, workingDaysOf, type DeadlineSpec } from './deadline-classes';
import type { Actor, Role } from './roles';

export type RefusalCode = 'forbidden' | 'invalid_state' | 'invalid_argument';

/** Why an act was refused; the workflow turns it into a rejected update, the API into 403 / 409 / 422. */
export class StepRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'StepRefusal';
  }
}

export type Recipient = { department: string } | { role: Role } | { userId: string };

export interface NotificationDraft {
  /** Unique within the event; with the step id and sequence it makes the notification's dedupe key. */
  key: string;
  to: Recipient;
  kind: 'assigned' | 'reminder' | 'urged' | 'escalated' | 'decision' | 'extension_requested' | 'submitted' | 'reassigned';
  title: string;
  body: string;
}

export interface StepEvent {
  seq: number;
  at: string;
  actor: Actor;
  requestId: string | null;
  action: string;
  stateBefore: StepState | null;
  stateAfter: StepState;
  details: Record<string, unknown>;
  notifications: NotificationDraft[];
  view: StepView;
}

/** The escalation ladder after a deadline passes: each rung one interval after the last (seed 002). */
export const ESCALATION_LADDER: { level: string; nameZh: string; to: (s: StepView) => Recipient }[] = [
  { level: 'department_head', nameZh: '部门负责人', to: (s) => ({ department: s.departmentCode }) },
  { level: 'supervision_office', nameZh: '督查室', to: () => ({ role: 'supervisor' }) },
  { level: 'leading_group', nameZh: '领导小组', to: () => ({ role: 'leader' }) },
];

export const isSystem = (a: Actor): boolean => a.userId === 'system';

export function newStepView(input: StepInput, workflowId: string, assignedAt: string): StepView {
  return {
    stepId: input.stepId,
    workflowId,
    departmentCode: input.departmentCode,
    title: input.title,
    kind: input.kind,
    subject: input.subject,
    state: 'open',
    paused: null,
    requiresReview: input.requiresReview,
    deadlineSpec: input.deadline,
    assignedAt,
    schedule: null,
    overdue: false,
    reminderSent: false,
    escalationLevel: 0,
    pendingExtension: null,
    urges: [],
    outcome: null,
    findings: null,
    evidence: [],
    facts: {},
    seq: 0,
  };
}

/** What the deadline is computed from: a start instant and a number of working days. */
export interface DeadlineBasis {
  from: string;
  workingDays: number;
}

export class StepMachine {
  /** Set by acts that move the deadline; the workflow recomputes the schedule and calls applySchedule. */
  replanReason: string | null = null;

  constructor(
    readonly view: StepView,
    public basis: DeadlineBasis,
  ) {}

  /** The machine's whole state, to put back with restore() when an act's record is refused. */
  snapshot(): string {
    return JSON.stringify({ view: this.view, basis: this.basis, replanReason: this.replanReason });
  }

  restore(snapshot: string): void {
    const s = JSON.parse(snapshot) as { view: StepView; basis: DeadlineBasis; replanReason: string | null };
    for (const key of Object.keys(this.view)) delete (this.view as unknown as Record<string, unknown>)[key];
    Object.assign(this.view, s.view);
    this.basis = s.basis;
    this.replanReason = s.replanReason;
  }

  get terminal(): boolean {
    return TERMINAL_STATES.includes(this.view.state);
  }

  /** The clock runs: the department owes work and nobody outside it is awaited. */
  get clockRunning(): boolean {
    return WORKING_STATES.includes(this.view.state) && this.view.paused === null;
  }

  /** Throws StepRefusal when the actor may not do this act now. Changes nothing. */
  check(action: StepAction, actor: Actor, now: Date): void {
    const s = this.view;
    const refuse = (code: RefusalCode, msg: string): never => {
      throw new StepRefusal(code, msg);
    };
    const ownDepartment = isSystem(actor) || (actor.role === 'officer' && actor.departmentCode === s.departmentCode);
    const supervisor = isSystem(actor) || actor.role === 'supervisor';
    const requireOwn = () => ownDepartment || refuse('forbidden', `only officers of ${s.departmentCode} may ${action.type} this step`);
    const requireSupervisor = () => supervisor || refuse('forbidden', `only the supervision office may ${action.type} a step`);
    const requireStates = (states: readonly StepState[]) =>
      states.includes(s.state) || refuse('invalid_state', `cannot ${action.type} a step that is ${s.state} (${STEP_STATE_NAMES_ZH[s.state]})`);
    const requireText = (value: string, field: string) => value.trim().length > 0 || refuse('invalid_argument', `${field} is required`);
    // Whatever the entrance, an act whose text the database would refuse is refused before it is accepted.
    const unstorable = textProblemsIn(action, 'action')[0];
    if (unstorable) refuse('invalid_argument', `${unstorable.field}: ${unstorable.message}`);

    switch (action.type) {
      case 'sign':
        requireOwn();
        requireStates(['open']);
        return;
      case 'complete':
        requireOwn();
        requireStates(WORKING_STATES);
        if (s.paused) refuse('invalid_state', 'the step is paused; resume it before completing');
        requireText(action.findings, 'findings');
        return;
      case 'return':
        requireOwn();
        requireStates(WORKING_STATES);
        requireText(action.reason, 'reason');
        return;
      case 'request_extension':
        requireOwn();
        requireStates(WORKING_STATES);
        if (s.pendingExtension) refuse('invalid_state', 'an extension request is already waiting for a decision');
        checkWorkingDays(action.workingDays, 'workingDays');
        requireText(action.reason, 'reason');
        return;
      case 'decide_extension':
        requireSupervisor();
        requireStates(WORKING_STATES);
        if (!s.pendingExtension) refuse('invalid_state', 'there is no extension request to decide');
        return;
      case 'urge': {
        requireSupervisor();
        requireStates(WORKING_STATES);
        const dueSoon = s.schedule && now.getTime() >= Date.parse(s.schedule.dueSoonAt);
        if (!dueSoon && !s.overdue && s.state !== 'sent_back') refuse('invalid_state', 'only a step that is due soon or overdue can be urged');
        requireText(action.message, 'message');
        return;
      }
      case 'reply_urge': {
        requireOwn();
        const urge = s.urges.find((u) => u.number === action.urgeNumber);
        if (!urge) refuse('invalid_argument', `urging notice ${action.urgeNumber} does not belong to this step`);
        if (urge!.reply !== null) refuse('invalid_state', `urging notice ${action.urgeNumber} has already been answered`);
        requireText(action.reply, 'reply');
        return;
      }
      case 'reassign':
        requireSupervisor();
        requireStates(WORKING_STATES);
        if (action.departmentCode === s.departmentCode) refuse('invalid_argument', 'departmentCode: the step is already with that department');
        requireText(action.reason, 'reason');
        return;
      case 'comment':
        if (!(ownDepartment || ['supervisor', 'leader', 'admin'].includes(actor.role))) refuse('forbidden', 'only the department, the supervision office and the leading group may comment');
        requireText(action.text, 'text');
        return;
      case 'change_deadline':
        requireSupervisor();
        requireStates([...WORKING_STATES, 'awaiting_review']);
        if ('workingDays' in action.deadline) checkWorkingDays(action.deadline.workingDays, 'deadline.workingDays');
        requireText(action.reason, 'reason');
        return;
      case 'review':
        requireSupervisor();
        requireStates(['awaiting_review']);
        if (action.decision === 'send_back') requireText(action.feedback, 'feedback');
        return;
      case 'pause':
        requireOwn();
        requireStates(WORKING_STATES);
        if (s.paused) refuse('invalid_state', 'the step is already paused');
        requireText(action.reason, 'reason');
        return;
      case 'resume':
        requireOwn();
        if (!s.paused) refuse('invalid_state', 'the step is not paused');
        return;
      default:
        refuse('invalid_argument', `unknown action ${(action as { type: string }).type}`);
    }
  }

  /**
   * Apply an act already checked. `remainingWorkingDays` is needed for a pause (computed by the calendar activity
   * beforehand). Returns the event to record.
   */
  apply(action: StepAction, actor: Actor, now: Date, requestId: string | null, extra: { remainingWorkingDays?: number; urgeNumber?: string } = {}): StepEvent {
    const s = this.view;
    const before = s.state;
    const at = now.toISOString();
    const details: Record<string, unknown> = {};
    const notes: NotificationDraft[] = [];
    const dept = { department: s.departmentCode };

    switch (action.type) {
      case 'sign':
        s.state = 'signed';
        break;
      case 'complete':
        s.outcome = action.outcome;
        s.findings = action.findings;
        s.evidence = action.evidence;
        s.facts = action.facts ?? {};
        s.state = s.requiresReview ? 'awaiting_review' : 'done';
        // Finished work needs no more time: an undecided extension request lapses with the completion.
        s.pendingExtension = null;
        Object.assign(details, { outcome: action.outcome, findings: action.findings, evidence: action.evidence, facts: action.facts ?? {} });
        if (s.requiresReview) notes.push(note('submitted', { role: 'supervisor' }, 'submitted', `待审核：${s.title}`, `${actor.displayName}已报送，请审核。`));
        break;
      case 'return':
        s.state = 'returned';
        details.reason = action.reason;
        break;
      case 'request_extension':
        s.pendingExtension = { workingDays: action.workingDays, reason: action.reason, requestedBy: actor.displayName, requestedAt: at };
        Object.assign(details, { workingDays: action.workingDays, reason: action.reason });
        notes.push(note('extension', { role: 'supervisor' }, 'extension_requested', `延期申请：${s.title}`, `申请延期${action.workingDays}个工作日，理由：${action.reason}`));
        break;
      case 'decide_extension': {
        const req = s.pendingExtension!;
        s.pendingExtension = null;
        Object.assign(details, { approve: action.approve, workingDays: req.workingDays, comment: action.comment ?? null });
        if (action.approve) {
          if (s.paused) {
            // The clock is stopped: the days granted are added to what it resumes with.
            s.paused.remainingWorkingDays += req.workingDays;
          } else {
            this.basis = { ...this.basis, workingDays: this.basis.workingDays + req.workingDays };
            this.replanReason = `extension of ${req.workingDays} working days approved`;
          }
        }
        notes.push(note('decision', dept, 'decision', `延期申请${action.approve ? '已批准' : '未批准'}：${s.title}`, action.comment ?? ''));
        break;
      }
      case 'urge': {
        const seq = s.urges.length + 1;
        const number = extra.urgeNumber ?? `${s.stepId}-${seq}`;
        s.urges.push({ seq, number, level: action.level, message: action.message, issuedBy: actor.displayName, issuedAt: at, reply: null, repliedAt: null });
        Object.assign(details, { urgeNumber: number, level: action.level, message: action.message });
        notes.push(note('urge', dept, 'urged', `催办通知 ${number}（${URGE_LEVEL_NAMES_ZH[action.level]}）：${s.title}`, `${action.message}（请回复）`));
        break;
      }
      case 'reply_urge': {
        const urge = s.urges.find((u) => u.number === action.urgeNumber)!;
        urge.reply = action.reply;
        urge.repliedAt = at;
        Object.assign(details, { urgeNumber: action.urgeNumber, reply: action.reply });
        break;
      }
      case 'reassign': {
        const from = s.departmentCode;
        s.departmentCode = action.departmentCode;
        s.state = 'open';
        // The new department starts afresh: a pause waited on the old department's request.
        s.paused = null;
        s.reminderSent = false;
        s.overdue = false;
        s.escalationLevel = 0;
        s.pendingExtension = null;
        // The new department gets the full time of the step's class from now.
        this.basis = { from: at, workingDays: workingDaysOf(s.deadlineSpec) };
        this.replanReason = `reassigned from ${from} to ${action.departmentCode}`;
        Object.assign(details, { from, to: action.departmentCode, reason: action.reason });
        notes.push(note('reassigned', { department: action.departmentCode }, 'assigned', `新分派事项：${s.title}`, `由督查室改派，理由：${action.reason}`));
        break;
      }
      case 'comment':
        details.text = action.text;
        break;
      case 'change_deadline': {
        const oldDays = workingDaysOf(s.deadlineSpec);
        const newDays = workingDaysOf(action.deadline);
        s.deadlineSpec = action.deadline;
        if (s.paused) {
          // The clock is stopped: the change applies to the days it resumes with.
          s.paused.remainingWorkingDays = Math.max(0, s.paused.remainingWorkingDays - oldDays + newDays);
        } else {
          this.basis = { ...this.basis, workingDays: Math.max(1, this.basis.workingDays - oldDays + newDays) };
          this.replanReason = `deadline class changed: ${action.reason}`;
        }
        Object.assign(details, { from: oldDays, to: newDays, deadline: action.deadline, reason: action.reason });
        break;
      }
      case 'review':
        s.state = action.decision === 'accept' ? 'accepted' : 'sent_back';
        Object.assign(details, { decision: action.decision, feedback: action.feedback });
        notes.push(note('review', dept, 'decision', `审核${action.decision === 'accept' ? '通过' : '退回重办'}：${s.title}`, action.feedback));
        break;
      case 'pause':
        s.paused = { since: at, reason: action.reason, remainingWorkingDays: extra.remainingWorkingDays ?? 1 };
        Object.assign(details, { reason: action.reason, remainingWorkingDays: s.paused.remainingWorkingDays, deadlineAt: s.schedule?.deadlineAt ?? null });
        break;
      case 'resume': {
        const remaining = s.paused!.remainingWorkingDays;
        Object.assign(details, { pausedSince: s.paused!.since, remainingWorkingDays: remaining, note: action.note ?? null });
        s.paused = null;
        this.basis = { from: at, workingDays: Math.max(1, remaining) };
        this.replanReason = 'clock resumed after a pause';
        break;
      }
    }
    return this.event(actor, requestId, at, actionName(action), before, details, notes);
  }

  /** The first schedule of a new step. */
  assign(actor: Actor, now: Date, requestId: string | null, schedule: StepSchedule): StepEvent {
    this.view.schedule = schedule;
    const s = this.view;
    return this.event(actor, requestId, now.toISOString(), 'assigned', null, { schedule, workingDays: this.basis.workingDays }, [
      note('assigned', { department: s.departmentCode }, 'assigned', `新分派事项：${s.title}`, `请于${formatShanghai(schedule.deadlineAt)}前办结。`),
    ]);
  }

  /** A recomputed schedule (extension, class change, resume, reassignment, changed calendar): old and new are recorded. */
  applySchedule(schedule: StepSchedule, reason: string, now: Date, actor: Actor, requestId: string | null): StepEvent | null {
    const old = this.view.schedule;
    this.replanReason = null;
    if (old && old.deadlineAt === schedule.deadlineAt && old.provisional === schedule.provisional) return null;
    this.view.schedule = schedule;
    // A later deadline reopens the reminder and escalation ladder from the new dates.
    if (!old || Date.parse(schedule.deadlineAt) > Date.parse(old.deadlineAt)) {
      const nowMs = now.getTime();
      const rungsPassed = schedule.escalationAts.filter((t) => Date.parse(t) <= nowMs).length;
      this.view.escalationLevel = Math.min(this.view.escalationLevel, rungsPassed);
      this.view.overdue = this.view.escalationLevel > 0;
      if (nowMs < Date.parse(schedule.dueSoonAt)) this.view.reminderSent = false;
    }
    return this.event(actor, requestId, now.toISOString(), 'deadline_changed', this.view.state, {
      oldDeadlineAt: old?.deadlineAt ?? null,
      newDeadlineAt: schedule.deadlineAt,
      oldLastDay: old?.lastDay ?? null,
      newLastDay: schedule.lastDay,
      provisional: schedule.provisional,
      reason,
    }, []);
  }

  /** The next moment the clock must act, or null while it is stopped. */
  nextTimedEvent(): { kind: 'reminder' | 'overdue' | 'escalation'; at: number; rung?: number } | null {
    const s = this.view;
    if (!this.clockRunning || !s.schedule) return null;
    if (!s.reminderSent && !s.overdue) return { kind: 'reminder', at: Date.parse(s.schedule.dueSoonAt) };
    if (s.escalationLevel < s.schedule.escalationAts.length) {
      const rung = s.escalationLevel + 1;
      return { kind: rung === 1 ? 'overdue' : 'escalation', at: Date.parse(s.schedule.escalationAts[rung - 1]!), rung };
    }
    return null;
  }

  /** The clock reached a reminder or a rung of the escalation ladder. */
  fireTimedEvent(kind: 'reminder' | 'overdue' | 'escalation', now: Date, actor: Actor): StepEvent {
    const s = this.view;
    const at = now.toISOString();
    if (kind === 'reminder') {
      s.reminderSent = true;
      return this.event(actor, null, at, 'reminder_sent', s.state, { deadlineAt: s.schedule!.deadlineAt }, [
        note('reminder', { department: s.departmentCode }, 'reminder', `即将到期提醒：${s.title}`, `办理期限为${formatShanghai(s.schedule!.deadlineAt)}，请抓紧办理。`),
      ]);
    }
    s.reminderSent = true;
    s.overdue = true;
    const rung = s.escalationLevel + 1;
    s.escalationLevel = rung;
    const step = ESCALATION_LADDER[Math.min(rung, ESCALATION_LADDER.length) - 1]!;
    return this.event(actor, null, at, rung === 1 ? 'overdue' : 'escalated', s.state, { rung, level: step.level, deadlineAt: s.schedule!.deadlineAt }, [
      note(`escalation-${rung}`, step.to(s), 'escalated', `逾期${rung === 1 ? '' : '升级'}督办（${step.nameZh}）：${s.title}`, `${s.departmentCode}办理期限${formatShanghai(s.schedule!.deadlineAt)}已过，未办结。`),
    ]);
  }

  cancel(reason: string, actor: Actor, now: Date): StepEvent {
    const before = this.view.state;
    this.view.state = 'cancelled';
    return this.event(actor, null, now.toISOString(), 'cancelled', before, { reason }, []);
  }

  private event(actor: Actor, requestId: string | null, at: string, action: string, before: StepState | null, details: Record<string, unknown>, notifications: NotificationDraft[]): StepEvent {
    this.view.seq += 1;
    return {
      seq: this.view.seq,
      at,
      actor,
      requestId,
      action,
      stateBefore: before,
      stateAfter: this.view.state,
      details,
      notifications,
      view: structuredCloneView(this.view),
    };
  }
}

export const URGE_LEVEL_NAMES_ZH: Record<UrgeLevel, string> = { normal: '一般', serious: '重要', severe: '紧急' };

function checkWorkingDays(n: number, field: string): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKING_DAYS) throw new StepRefusal('invalid_argument', `${field} must be a whole number of working days from 1 to ${MAX_WORKING_DAYS}`);
}

function note(key: string, to: Recipient, kind: NotificationDraft['kind'], title: string, body: string): NotificationDraft {
  return { key, to, kind, title, body };
}

function actionName(a: StepAction): string {
  return a.type === 'complete' ? 'completed' : a.type;
}

/** 2026-10-09 24:00 style, in Asia/Shanghai (fixed UTC+8), without depending on the host's time zone data. */
export function formatShanghai(iso: string): string {
  const t = new Date(Date.parse(iso) + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const midnight = t.getUTCHours() === 0 && t.getUTCMinutes() === 0;
  if (midnight) {
    const prev = new Date(t.getTime() - 86_400_000);
    return `${prev.getUTCFullYear()}-${pad(prev.getUTCMonth() + 1)}-${pad(prev.getUTCDate())} 24:00`;
  }
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}

/** Evidence and urges are arrays of plain objects: a JSON round trip is a faithful, deterministic copy. */
function structuredCloneView(v: StepView): StepView {
  return JSON.parse(JSON.stringify(v)) as StepView;
}

export type { DeadlineSpec, Evidence };
