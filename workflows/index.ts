// Every workflow the worker runs. Function names are wire contracts: never rename a deployed one.
export { diagnosticsRoundTripWorkflow } from './diagnostics-round-trip.workflow';
export { departmentStepWorkflow } from './department-step.workflow';
export { applicationWorkflow } from './application.workflow';
