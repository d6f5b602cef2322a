/**
 * Contract of the enrollment application workflow ("入学一件事"). Its input and history carry no personal data: the
 * form stays in PostgreSQL, and activities read what they need from there by application number.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../domain/roles';

export const APPLICATION_STATES = [
  'pre_review',
  'awaiting_supplement',
  'verifying',
  'assessing',
  'in_pool',
  'placed',
  'enrolled',
  'no_show',
  'rejected',
  'lapsed',
  'withdrawn',
] as const;
export type ApplicationState = (typeof APPLICATION_STATES)[number];
export const FINAL_APPLICATION_STATES: readonly ApplicationState[] = ['enrolled', 'no_show', 'rejected', 'lapsed', 'withdrawn'];

/** What a parent reads: plain Chinese. */
export const APPLICATION_STATE_NAMES_ZH: Record<ApplicationState, string> = {
  pre_review: '教育局预审中',
  awaiting_supplement: '待补正材料',
  verifying: '各部门核验中',
  assessing: '资格审核与积分计算中',
  in_pool: '待统筹安排学位',
  placed: '已安排学位，待报到',
  enrolled: '已报到入学',
  no_show: '逾期未报到',
  rejected: '未通过审核',
  lapsed: '逾期未补正，申请失效',
  withdrawn: '已撤回申请',
};

/** The departments that verify an application, and what each verifies (seed 001's division of responsibilities). */
export const VERIFICATIONS = {
  police: { titleZh: '核验居住证', kind: 'verification.residence_permit' },
  hrss: { titleZh: '核验就业与社会保险', kind: 'verification.employment' },
  housing: { titleZh: '核验房产或租赁备案', kind: 'verification.housing' },
  market: { titleZh: '核验营业执照', kind: 'verification.business_licence' },
} as const;
export type VerifyingDepartment = keyof typeof VERIFICATIONS;

export interface ApplicationInput {
  applicationNumber: string;
  applicantUserId: string;
  /** Verifications this application needs (market supervision only for a self-employed guardian). */
  verifications: VerifyingDepartment[];
  needyFamily: boolean;
  submittedAt: string;
  requestId?: string;
}

export interface Placement {
  roundId: string;
  schoolId: string;
  schoolNameZh: string;
  type: 'catchment' | 'adjusted' | 'purchased';
  reasonZh: string;
  /** Last day of the check-in window (YYYY-MM-DD, Asia/Shanghai), when the round has opened it. */
  checkInLastDay?: string;
}

export interface ApplicationView {
  applicationNumber: string;
  state: ApplicationState;
  /** requestedAt and workingDays let the deadline be counted again when the calendar changes (absent in old runs). */
  supplement: { items: string[]; deadlineAt: string; requestedBy: string; requestedAt?: string; workingDays?: number } | null;
  stepIds: Record<string, string>;
  eligible: boolean | null;
  pointsTotal: number | null;
  placement: Placement | null;
  seq: number;
}

export interface ApplicationActRequest {
  actor: Actor;
  requestId: string;
}

export const requestSupplementUpdate = defineUpdate<ApplicationView, [ApplicationActRequest & { items: string[]; workingDays: number }]>('requestSupplement');
export const supplementUpdate = defineUpdate<ApplicationView, [ApplicationActRequest & { note: string; materials: string[] }]>('supplement');
export const withdrawUpdate = defineUpdate<ApplicationView, [ApplicationActRequest & { reason: string }]>('withdraw');
export const checkInUpdate = defineUpdate<ApplicationView, [ApplicationActRequest & { result: 'checked_in' | 'no_show' }]>('checkIn');
/** Sent by the allocation round when results are published, and again when a waitlist move gives a seat. */
export const placementSignal = defineSignal<[Placement]>('placement');
/**
 * Sent by the allocation round when the waitlist moves a child to another seat. Unlike the signal it can be refused
 * (the child has left the pool, or the school is recording check-in), and the round moves nobody it did not reach.
 */
export const reassignPlacementUpdate = defineUpdate<ApplicationView, [Placement]>('reassignPlacement');
export const getApplicationQuery = defineQuery<ApplicationView>('getApplication');

export const makeApplicationWorkflowId = (applicationNumber: string): string => `application-${applicationNumber}`;
export const makeApplicationStepId = (applicationNumber: string, part: string): string => `${applicationNumber}.${part}`;
