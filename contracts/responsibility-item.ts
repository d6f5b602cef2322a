/**
 * Contract of the responsibility item workflow: one run per reporting period, continued as new at each period
 * boundary. The API, the workflow and its activities share these definitions. Message names are wire contracts:
 * never rename a deployed one.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StepState } from './department-step';
import type { NotificationDraft } from '../domain/department-step';
import type { PeriodOpening } from '../domain/reporting-periods';
import type { ItemRole, ItemStatus } from '../domain/responsibility-items';
import type { Actor } from '../domain/roles';

export interface ItemRunInput {
  itemId: string;
  /** The last sequence number written to the item's run stream in the audit trail; carried across continue-as-new. */
  seq: number;
  opening: PeriodOpening;
  launchedBy: Actor;
  requestId?: string;
  /** Periods opened by the earlier runs of this item. */
  periodsOpened: number;
}

export interface PeriodRef {
  label: string;
  labelZh: string;
  startsAt: string;
  endsAt: string;
  last: boolean;
}

export interface ItemDepartmentRef {
  code: string;
  nameZh: string;
}

/** What the planning activity answers: the period to open now, or how long to wait. Instants are real time. */
export type ItemPeriodPlan =
  | { kind: 'closed' }
  | { kind: 'wait'; untilAt: string; next: PeriodRef; reason: string }
  | { kind: 'skip'; period: PeriodRef; untilAt: string; reason: string }
  | {
      kind: 'open';
      period: PeriodRef;
      assignedAt: string;
      departmentWorkingDays: number;
      consolidatedWorkingDays: number;
      item: { number: number; titleZh: string; lead: ItemDepartmentRef; cooperating: ItemDepartmentRef[] };
    };

export interface ItemStepRef {
  stepId: string;
  departmentCode: string;
  role: ItemRole;
  /** 1, or more when the lead's last report of an item with a final deadline had to be opened again. */
  attempt: number;
  /** The step's final state once it has ended; null while it runs (or when this run does not follow it). */
  endedAs: StepState | null;
}

export interface ItemRunView {
  itemId: string;
  status: 'waiting' | 'open' | 'closed';
  period: PeriodRef | null;
  waitingUntil: string | null;
  steps: ItemStepRef[];
  seq: number;
}

/** One event of an item's run, as its activity records it: the audit row, the projections, the notifications. */
export interface ItemEvent {
  itemId: string;
  seq: number;
  at: string;
  actor: Actor;
  requestId: string | null;
  action: string;
  stateAfter: string;
  details: Record<string, unknown>;
  status?: ItemStatus;
  currentPeriod?: string | null;
  period?: PeriodRef & { state: 'open' | 'closed' | 'skipped' };
  /** The steps the event opens in `period`. */
  periodSteps?: { stepId: string; departmentCode: string; role: ItemRole; attempt: number }[];
  notifications?: (NotificationDraft & { stepId?: string })[];
}

/** Stop the item: no further periods; the open steps of the item are cancelled. */
export const closeItemSignal = defineSignal<[{ reason: string; actor: Actor; requestId: string }]>('closeItem');
export const getItemRunQuery = defineQuery<ItemRunView>('getItemRun');

export const makeItemWorkflowId = (itemId: string): string => `item-${itemId}`;

/** Audit-trail streams of an item: its edits (written by the API) and its runs (written by the workflow). */
export const itemEditStream = (itemId: string): string => `item:${itemId}`;
export const itemRunStream = (itemId: string): string => `item-run:${itemId}`;
export const policyEditStream = (policyId: string): string => `policy:${policyId}`;

/**
 * Step ids of an item's period: stable, so a replayed or repeated start finds the same step. The lead's consolidated
 * report is `…consolidated` (`…consolidated-2` for a re-opened last report); a cooperating department's progress
 * report is `…progress.<department>`.
 */
export function makeItemStepId(itemId: string, periodLabel: string, role: ItemRole, departmentCode: string, attempt = 1): string {
  if (role === 'lead') return `${itemId}.${periodLabel}.consolidated${attempt > 1 ? `-${attempt}` : ''}`;
  return `${itemId}.${periodLabel}.progress.${departmentCode}`;
}

export const ITEM_STEP_KINDS = { lead: 'item.consolidated_report', cooperating: 'item.progress_report' } as const;
