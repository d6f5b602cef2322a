// Every workflow the worker runs. Function names are wire contracts: never rename a deployed one.
export { diagnosticsRoundTripWorkflow } from './diagnostics-round-trip.workflow';
export { departmentStepWorkflow } from './department-step.workflow';
export { applicationWorkflow } from './application.workflow';
export { allocationRoundWorkflow } from './allocation-round.workflow';
export { responsibilityItemWorkflow } from './responsibility-item.workflow';
export { problemWorkflow } from './problem.workflow';
export { retentionPurgeWorkflow } from './retention-purge.workflow';
export { progressReportWorkflow } from './progress-report.workflow';
export { endedRunsSweepWorkflow } from './ended-runs-sweep.workflow';
export { calendarLoadWorkflow } from './calendar-load.workflow';
