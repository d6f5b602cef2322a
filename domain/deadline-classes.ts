/**
 * The "1-3-5" rule of the dispatch platform (seed 002): urgent matters in 1 working day, ordinary in 3, complex in 5.
 * A step may instead carry any explicit number of working days.
 */
export const DEADLINE_CLASSES = { urgent: 1, ordinary: 3, complex: 5 } as const;
export type DeadlineClass = keyof typeof DEADLINE_CLASSES;

export const DEADLINE_CLASS_NAMES_ZH: Record<DeadlineClass | 'custom', string> = {
  urgent: '紧急（1个工作日）',
  ordinary: '一般（3个工作日）',
  complex: '复杂（5个工作日）',
  custom: '指定工作日',
};

export type DeadlineSpec = { class: DeadlineClass } | { workingDays: number };

export const MAX_WORKING_DAYS = 250;

export function workingDaysOf(spec: DeadlineSpec): number {
  return 'class' in spec ? DEADLINE_CLASSES[spec.class] : spec.workingDays;
}

export function classOf(spec: DeadlineSpec): DeadlineClass | 'custom' {
  return 'class' in spec ? spec.class : 'custom';
}
