/**
 * Contract of the problem ledger workflow (问题台账): one workflow per problem. Its input and history carry no
 * personal data: the description, the contact phone and rating comments stay in PostgreSQL.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { NotificationDraft } from '../domain/department-step';
import type { ProblemAction, ProblemSource, ProblemView } from '../domain/problem-ledger';
import type { Actor } from '../domain/roles';

export interface ProblemInput {
  problemId: string;
  source: ProblemSource;
  /** The official who reported it; null for the public channel, whose reporter acts through a tracking code. */
  reporterUserId: string | null;
  /** Who filed it: the official, or the public channel's pseudo-user (no personal data). */
  submittedBy: Actor;
  requestId?: string;
}

export interface ProblemActRequest {
  action: ProblemAction;
  actor: Actor;
  requestId: string;
}

/** One event of a problem, as its activity records it. */
export interface ProblemEvent {
  problemId: string;
  seq: number;
  at: string;
  actor: Actor;
  requestId: string | null;
  action: string;
  stateBefore: string | null;
  details: Record<string, unknown>;
  view: ProblemView;
  notifications: (NotificationDraft & { stepId?: string })[];
  /** An unsatisfied rating: the rated handling step goes on the leading group's escalation list. */
  escalation?: { stepId: string } | null;
}

export const problemActUpdate = defineUpdate<ProblemView, [ProblemActRequest]>('problemAct');
export const getProblemQuery = defineQuery<ProblemView>('getProblem');

export const makeProblemWorkflowId = (problemId: string): string => `problem-${problemId}`;
/** One handling step per round: round 2 is the re-handling after an unsatisfied rating. */
export const makeProblemStepId = (problemId: string, round: number): string => `${problemId}.handling-${round}`;
export const PROBLEM_STEP_KIND = 'problem.handling';
