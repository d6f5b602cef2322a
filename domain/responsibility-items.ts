/**
 * Responsibility items (责任清单) of a policy: who leads (牵头单位), who cooperates (配合单位), who is the leader in
 * charge (分管领导), when reports are due, and what evidence a report needs. Pure rules, no I/O: who may report on an
 * item, the cross-field checks an edit must pass, and the field-by-field changes an edit makes (for the audit trail).
 */
import type { ReportingRhythm } from './reporting-periods';
import type { CalendarDate } from './working-days';

export interface PolicyPhase {
  nameZh: string;
  startsOn: CalendarDate;
  endsOn: CalendarDate;
  /** Dated milestones inside the phase, e.g. 于10月20日前报送工作总结 (seed 004). */
  milestones?: { date: CalendarDate; nameZh: string }[];
}

export interface PolicyFields {
  titleZh: string;
  issuingBody: string;
  /** Null for a draft not yet issued (seed 000 is a 讨论稿). */
  issuedOn: CalendarDate | null;
  phases: PolicyPhase[];
  notesZh: string | null;
}

export interface ItemFields {
  number: number;
  /** A short title, for lists and step titles. */
  titleZh: string;
  /** The item's full text as the policy words it. */
  contentZh: string;
  leadDepartment: string;
  cooperatingDepartments: string[];
  /** 分管领导: a name or a post, e.g. 分管教育工作副旗长. */
  leaderInCharge: string;
  rhythm: ReportingRhythm | null;
  finalDeadline: CalendarDate | null;
  evidenceRequirements: string[];
}

export const ITEM_STATUSES = ['draft', 'running', 'closed'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export const ITEM_STATUS_NAMES_ZH: Record<ItemStatus, string> = { draft: '未启动', running: '推进中', closed: '已办结' };

export type ItemRole = 'lead' | 'cooperating';
export const ITEM_ROLE_NAMES_ZH: Record<ItemRole, string> = { lead: '牵头单位', cooperating: '配合单位' };

/** The department's part in the item, or null when the item does not name it. */
export function itemRoleOf(item: Pick<ItemFields, 'leadDepartment' | 'cooperatingDepartments'>, departmentCode: string | null | undefined): ItemRole | null {
  if (!departmentCode) return null;
  if (item.leadDepartment === departmentCode) return 'lead';
  return item.cooperatingDepartments.includes(departmentCode) ? 'cooperating' : null;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Checks that involve more than one field, run on the item as it would be after a create or an edit. `prefix` names
 * where the fields came from (body.), so a 400 points at the field to fix.
 */
export function itemProblems(item: ItemFields, knownDepartments: ReadonlySet<string>, prefix = 'body.'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!knownDepartments.has(item.leadDepartment)) problems.push({ field: `${prefix}leadDepartment`, message: `unknown department ${item.leadDepartment}` });
  const seen = new Set<string>();
  item.cooperatingDepartments.forEach((code, i) => {
    const field = `${prefix}cooperatingDepartments.${i}`;
    if (!knownDepartments.has(code)) problems.push({ field, message: `unknown department ${code}` });
    else if (code === item.leadDepartment) problems.push({ field, message: `${code} is the lead department and cannot also cooperate` });
    else if (seen.has(code)) problems.push({ field, message: `${code} is listed twice` });
    seen.add(code);
  });
  if (!item.rhythm && !item.finalDeadline) problems.push({ field: `${prefix}rhythm`, message: 'an item needs a reporting rhythm or a final deadline (finalDeadline)' });
  return problems;
}

export function policyProblems(policy: PolicyFields, prefix = 'body.'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  policy.phases.forEach((phase, i) => {
    if (phase.endsOn < phase.startsOn) problems.push({ field: `${prefix}phases.${i}.endsOn`, message: `ends (${phase.endsOn}) before it starts (${phase.startsOn})` });
    (phase.milestones ?? []).forEach((m, j) => {
      if (m.date < phase.startsOn || m.date > phase.endsOn) problems.push({ field: `${prefix}phases.${i}.milestones.${j}.date`, message: `${m.date} lies outside the phase ${phase.startsOn}..${phase.endsOn}` });
    });
  });
  return problems;
}

/** Field-by-field changes between two versions, for the audit row of an edit; empty when nothing changed. */
export function changesBetween<T extends object>(before: T, after: T): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[String(key)] = { from: a ?? null, to: b ?? null };
  }
  return changes;
}
