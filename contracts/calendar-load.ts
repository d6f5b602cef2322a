/**
 * Loading a year's official calendar: one durable operation (calendarLoadWorkflow) that stores the year and then
 * moves every open deadline it touches, 补正 deadlines included, to the end, whatever is interrupted on the way.
 */
export interface CalendarLoadInput {
  year: number;
  notice: string;
  offDays: { date: string; name: string }[];
  workDays: { date: string; name: string }[];
  /** The administrator loading it (users.id). */
  loadedBy: string;
  /** What the plausibility check found and the administrator confirmed (domain/calendar-notice.ts); kept in the history. */
  confirmedProblems: string[];
}

export interface CalendarLoadResult {
  year: number;
  /** Some date's working status differs from before, or the year was provisional. */
  changed: boolean;
  movedDates: string[];
  /** Open steps told to count their deadlines again. */
  stepsSignalled: number;
  /** Applications awaiting 补正 told to count the parent's deadline again. */
  supplementsSignalled: number;
}

/** One workflow per year and content: the same load repeated joins (or repeats) it; a different one is a new load. */
export const makeCalendarLoadWorkflowId = (year: number, contentDigest: string): string => `calendar-load-${year}-${contentDigest}`;
