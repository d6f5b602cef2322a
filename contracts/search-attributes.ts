import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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

/** Typed keys for setting the attributes from workflow code and for starting workflows with them. */
export const SA = {
  DepartmentCode: defineSearchAttributeKey('DepartmentCode', SearchAttributeType.KEYWORD),
  StepState: defineSearchAttributeKey('StepState', SearchAttributeType.KEYWORD),
  ApplicationNumber: defineSearchAttributeKey('ApplicationNumber', SearchAttributeType.KEYWORD),
  ItemCode: defineSearchAttributeKey('ItemCode', SearchAttributeType.KEYWORD),
  DeadlineAt: defineSearchAttributeKey('DeadlineAt', SearchAttributeType.DATETIME),
};
