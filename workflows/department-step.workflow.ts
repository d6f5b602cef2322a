/**
 * The department step workflow: one step per workflow (responsibility items, problems, steps an office sets by hand,
 * and applications started before they hosted their steps). The step itself lives in `hosted-step.ts`; this workflow
 * only gives it its handlers and ends when it ends.
 */
import { allHandlersFinished, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { StepInput, StepView } from '../contracts/department-step';
import { calendarChangedSignal, cancelStepSignal, getStepQuery, stepActionUpdate, systemActSignal } from '../contracts/department-step';
import { hostStep } from './hosted-step';

export async function departmentStepWorkflow(input: StepInput): Promise<StepView> {
  // Steps started before local activities keep running their recorded activities (ARCHITECTURE.md, patches).
  const local = patched('step-local-activities');
  const step = hostStep(input, { workflowId: workflowInfo().workflowId, local, searchAttributes: true });

  setHandler(getStepQuery, () => step.view);
  // The validator runs before the update is accepted: a refused act leaves no trace in the history.
  setHandler(stepActionUpdate, step.perform, { validator: step.check });
  setHandler(systemActSignal, step.systemAct);
  setHandler(calendarChangedSignal, ({ reason }) => step.calendarChanged(reason));
  setHandler(cancelStepSignal, ({ reason, actor }) => step.cancel(reason, actor));

  await step.stopped;
  await condition(allHandlersFinished);
  await step.drained();
  return step.view;
}
