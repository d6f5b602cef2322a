/** The default task queue; deployments and tests may override it through TEMPORAL_TASK_QUEUE. */
export const DEFAULT_TASK_QUEUE = 'enrollment';
