/**
 * What people read about an application: the form masked for everyone who does not verify it, and the timeline in
 * plain Chinese built from the audit trail of the application and of its department steps.
 */
import { APPLICATION_STATE_NAMES_ZH, type ApplicationState } from '../contracts/application';
import type { ApplicationForm } from './application';
import { formatShanghai } from './department-step';
import { maskIdNumber, maskPhone } from './personal-data';
import { DEPARTMENTS } from './roles';

const DEPARTMENT_NAMES = new Map<string, string>(DEPARTMENTS.map((d) => [d.code, d.nameZh]));
export const departmentNameZh = (code: string | null | undefined): string => (code ? (DEPARTMENT_NAMES.get(code) ?? code) : '');

/** 张小明 → 张*明, 李明 → 李*: enough for a family to recognise, not enough to identify. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

export function maskForm(form: ApplicationForm): ApplicationForm {
  return {
    ...form,
    child: { ...form.child, name: maskName(form.child.name), idNumber: maskIdNumber(form.child.idNumber) },
    guardians: form.guardians.map((g) => ({ ...g, name: maskName(g.name), idNumber: maskIdNumber(g.idNumber), phone: maskPhone(g.phone) })),
  };
}

/** What is sealed at rest: the identifying numbers, by position in the form. */
export interface SealedPersonalData {
  childIdNumber: string;
  guardians: { idNumber: string; phone: string }[];
}

/** The form as stored in the clear (numbers masked in place) and the numbers to seal. */
export function splitPersonalData(form: ApplicationForm): { stored: ApplicationForm; sealed: SealedPersonalData } {
  return {
    stored: {
      ...form,
      child: { ...form.child, idNumber: maskIdNumber(form.child.idNumber) },
      guardians: form.guardians.map((g) => ({ ...g, idNumber: maskIdNumber(g.idNumber), phone: maskPhone(g.phone) })),
    },
    sealed: { childIdNumber: form.child.idNumber, guardians: form.guardians.map((g) => ({ idNumber: g.idNumber, phone: g.phone })) },
  };
}

export function mergePersonalData(stored: ApplicationForm, sealed: SealedPersonalData): ApplicationForm {
  return {
    ...stored,
    child: { ...stored.child, idNumber: sealed.childIdNumber },
    guardians: stored.guardians.map((g, i) => ({ ...g, idNumber: sealed.guardians[i]?.idNumber ?? g.idNumber, phone: sealed.guardians[i]?.phone ?? g.phone })),
  };
}

export interface TimelineEvent {
  stream: string;
  at: string;
  action: string;
  actorName: string;
  actorRole: string;
  actorDepartment?: string | null;
  details: Record<string, unknown>;
}

export interface TimelineLine {
  at: string;
  textZh: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function applicationEventText(e: TimelineEvent): string | null {
  const d = e.details;
  switch (e.action) {
    case 'submitted': return '入学申请已提交，教育局受理';
    case 'supplement_requested': return `教育局要求补正材料：${(d.items as string[]).join('；')}`;
    case 'supplement_deadline_moved': return `因${str(d.reason)}，补正期限调整为 ${formatShanghai(str(d.to))}`;
    case 'supplemented': return '已补正材料，恢复审核';
    case 'verification_started': return '预审通过，转各部门核验';
    case 'assessment_started': return '各部门核验完毕，进行资格审核与积分计算';
    case 'entered_pool': return `资格审核通过，积分 ${d.pointsTotal} 分，等待统筹安排学位`;
    case 'aid_decided': return d.granted ? `财政局审核通过学生资助，每年 ${d.amount} 元` : '财政局审核：暂不予资助';
    case 'placed': return `安排学位：${str(d.schoolNameZh)}（${str(d.reasonZh)}）`;
    default: return APPLICATION_STATE_NAMES_ZH[e.action as ApplicationState] ?? null;
  }
}

function stepEventText(e: TimelineEvent, dept: string): string | null {
  const d = e.details;
  switch (e.action) {
    case 'assigned': {
      const schedule = d.schedule as { deadlineAt?: string } | undefined;
      return `${dept}开始办理，办理期限 ${schedule?.deadlineAt ? formatShanghai(schedule.deadlineAt) : ''}`;
    }
    case 'completed':
      return e.actorName === '系统' ? `${dept}：通过数据共享自动核验（${str(d.findings)}）` : `${dept}办理完毕：${str(d.findings)}`;
    case 'return': return `${dept}退回：${str(d.reason)}`;
    case 'pause': return `${dept}暂停计时：${str(d.reason)}`;
    case 'resume': return `${dept}恢复计时`;
    case 'overdue': return `${dept}办理已超期，已督办`;
    case 'deadline_changed': return `${dept}办理期限调整为 ${formatShanghai(str(d.newDeadlineAt))}`;
    default: return null;
  }
}

/** One sentence per event a parent cares about; internal bookkeeping events are left out. */
export function timelineZh(events: TimelineEvent[], stepDepartments: Record<string, string>, applicationNumber: string): TimelineLine[] {
  const lines: TimelineLine[] = [];
  for (const e of events) {
    const text = e.stream === applicationNumber ? applicationEventText(e) : stepEventText(e, departmentNameZh(stepDepartments[e.stream]));
    if (text) lines.push({ at: e.at, textZh: text });
  }
  return lines;
}
