/**
 * The status lights of the dispatch board (seed 002, 挂图作战), derived from a step's state and deadline only:
 *   green  = done or accepted
 *   blue   = submitted, awaiting review
 *   red    = overdue, or sent back by the reviewer
 *   yellow = due within one working day (from the start of the last working day)
 *   white  = in progress, not yet due soon
 *   grey   = not running: paused (clock stopped), returned or cancelled
 * The SQL twin of this function (db/repositories/steps.ts) must agree with it; a test compares them.
 */
export const LIGHTS = ['green', 'blue', 'red', 'yellow', 'white', 'grey'] as const;
export type Light = (typeof LIGHTS)[number];

export const LIGHT_NAMES_ZH: Record<Light, string> = {
  green: '绿灯（已办结）',
  blue: '蓝灯（待审核）',
  red: '红灯（逾期或退回重办）',
  yellow: '黄灯（即将到期）',
  white: '办理中',
  grey: '暂停或已终止',
};

export interface LightInput {
  state: string;
  paused: boolean;
  deadlineAt: Date | null;
  dueSoonAt: Date | null;
}

export function stepLight(s: LightInput, now: Date): Light {
  if (s.state === 'done' || s.state === 'accepted') return 'green';
  if (s.state === 'awaiting_review') return 'blue';
  if (s.state === 'returned' || s.state === 'cancelled' || s.paused) return 'grey';
  if (s.state === 'sent_back') return 'red';
  if (s.deadlineAt && now.getTime() >= s.deadlineAt.getTime()) return 'red';
  if (s.dueSoonAt && now.getTime() >= s.dueSoonAt.getTime()) return 'yellow';
  return 'white';
}
