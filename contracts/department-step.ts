/**
 * Contract of the department step workflow: one department's piece of work with a working-day deadline.
 * The API, parent workflows and the step workflow share these definitions. Message names are wire contracts:
 * never rename a deployed one.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../domain/roles';
import type { DeadlineSpec } from '../domain/deadline-classes';

export const STEP_STATES = ['open', 'signed', 'awaiting_review', 'sent_back', 'done', 'accepted', 'returned', 'cancelled'] as const;
export type StepState = (typeof STEP_STATES)[number];
/** States in which the department still owes work and the clock runs (unless paused). */
export const WORKING_STATES: readonly StepState[] = ['open', 'signed', 'sent_back'];
export const TERMINAL_STATES: readonly StepState[] = ['done', 'accepted', 'returned', 'cancelled'];

export const STEP_STATE_NAMES_ZH: Record<StepState, string> = {
  open: '待签收',
  signed: '办理中',
  awaiting_review: '待审核',
  sent_back: '退回重办',
  done: '已办结',
  accepted: '审核通过',
  returned: '已退件',
  cancelled: '已撤销',
};

export interface StepSubject {
  type: 'application' | 'item' | 'problem' | 'standalone';
  id: string;
  label?: string;
}

export interface Evidence {
  name: string;
  /** A stored file's content hash, a registry record id, or a link. */
  ref: string;
}

export type StepOutcome = 'confirmed' | 'not_confirmed' | 'done';
/** Structured findings a department records with its outcome (e.g. insurance months), read by eligibility and points. */
export type StepFacts = Record<string, string | number | boolean>;

export interface StepInput {
  stepId: string;
  departmentCode: string;
  title: string;
  kind: string;
  subject: StepSubject;
  deadline: DeadlineSpec;
  requiresReview: boolean;
  /** Working days between escalation rungs after the deadline (default 1). */
  escalationIntervalWorkingDays?: number;
  /** When the work was assigned; defaults to the workflow's start. ISO 8601. */
  assignedAt?: string;
  createdBy: Actor;
  requestId?: string;
  parentWorkflowId?: string;
  /**
   * Data sharing first: a registry already confirmed the matter, so the step completes at once with the system as
   * the actor and the matched record as evidence.
   */
  systemCompletion?: { outcome: StepOutcome; findings: string; evidence: Evidence[]; facts?: StepFacts };
}

export interface StepSchedule {
  deadlineAt: string;
  dueSoonAt: string;
  /** The last working day (Asia/Shanghai calendar date) before the deadline falls. */
  lastDay: string;
  /** True when a day counted lies in a year whose official calendar is not yet known. */
  provisional: boolean;
  /** When each escalation rung fires: rung 1 at the deadline, then one interval apart. */
  escalationAts: string[];
}

export interface UrgeNotice {
  seq: number;
  number: string;
  level: UrgeLevel;
  message: string;
  issuedBy: string;
  issuedAt: string;
  reply: string | null;
  repliedAt: string | null;
}

export const URGE_LEVELS = ['normal', 'serious', 'severe'] as const;
export type UrgeLevel = (typeof URGE_LEVELS)[number];

/** Everything a person can do to a step. One update carries them all, so one validator guards them all. */
export type StepAction =
  | { type: 'sign' }
  | { type: 'complete'; outcome: StepOutcome; findings: string; evidence: Evidence[]; facts?: StepFacts }
  | { type: 'return'; reason: string }
  | { type: 'request_extension'; workingDays: number; reason: string }
  | { type: 'decide_extension'; approve: boolean; comment?: string }
  | { type: 'urge'; message: string; level: UrgeLevel }
  | { type: 'reply_urge'; urgeNumber: string; reply: string }
  | { type: 'reassign'; departmentCode: string; reason: string }
  | { type: 'comment'; text: string }
  | { type: 'change_deadline'; deadline: DeadlineSpec; reason: string }
  | { type: 'review'; decision: 'accept' | 'send_back'; feedback: string }
  | { type: 'pause'; reason: string }
  | { type: 'resume'; note?: string };

export type StepActionType = StepAction['type'];

export interface StepActionRequest {
  /**
   * The step acted on. Required by a workflow that hosts several steps (an application hosts its departments'
   * steps); a step workflow of its own ignores it. The API always sends it.
   */
  stepId?: string;
  action: StepAction;
  actor: Actor;
  requestId: string;
}

export interface StepActionResult {
  state: StepState;
  seq: number;
  deadlineAt: string | null;
  urgeNumber?: string;
}

export interface StepView {
  stepId: string;
  workflowId: string;
  departmentCode: string;
  title: string;
  kind: string;
  subject: StepSubject;
  state: StepState;
  paused: { since: string; reason: string; remainingWorkingDays: number } | null;
  requiresReview: boolean;
  deadlineSpec: DeadlineSpec;
  assignedAt: string;
  schedule: StepSchedule | null;
  overdue: boolean;
  reminderSent: boolean;
  escalationLevel: number;
  pendingExtension: { workingDays: number; reason: string; requestedBy: string; requestedAt: string } | null;
  urges: UrgeNotice[];
  outcome: StepOutcome | null;
  findings: string | null;
  evidence: Evidence[];
  facts: StepFacts;
  seq: number;
}

export const stepActionUpdate = defineUpdate<StepActionResult, [StepActionRequest]>('stepAction');
/** Acts by a parent workflow (pause while the applicant supplements, resume): checked like an update, never rejected loudly. */
export const systemActSignal = defineSignal<[StepActionRequest]>('systemAct');
/**
 * stepId: which hosted step (an application's); absent or ignored in a step's own workflow. supplement: the
 * application's 补正 deadline (counted in working days) is to be counted again; an application awaiting it only.
 */
export const calendarChangedSignal = defineSignal<[{ reason: string; stepId?: string; supplement?: boolean }]>('calendarChanged');
export const cancelStepSignal = defineSignal<[{ reason: string; actor: Actor }]>('cancelStep');
/** The argument names the step in a workflow that hosts several; a step's own workflow ignores it. */
export const getStepQuery = defineQuery<StepView, [stepId?: string]>('getStep');

export const makeStepWorkflowId = (stepId: string): string => `step-${stepId}`;

/**
 * The step id of a standalone step the supervision office assigns under a key of its own (POST /api/steps with
 * stepKey): `task:<key>`. Keys are letters, digits, `_ . -` only, and no system step id (an application's
 * `{no}.police`, an item's `{item}.{period}.consolidated`) starts with `task:`, so no key can name a step the
 * service made.
 */
export const standaloneStepId = (stepKey: string): string => `task:${stepKey}`;
