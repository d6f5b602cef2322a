/**
 * Custom search attributes the workflows set, so the Temporal UI and visibility queries can find a department's
 * steps or an application's workflows. The embedded dev server registers them at start; against an external server
 * the worker registers any that are missing.
 */
export const SEARCH_ATTRIBUTES = {
  DepartmentCode: 'Keyword',
  StepState: 'Keyword',
  ApplicationNumber: 'Keyword',
  ItemCode: 'Keyword',
  DeadlineAt: 'Datetime',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
