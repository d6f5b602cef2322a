/**
 * The problem ledger's machine without servers: the closed loop found → analysing → handling → feedback → closed, who
 * may do each act, a step given back, one reopen on an unsatisfied rating with escalation, and the end after a second.
 */
import {
  MAX_REOPENS,
  ProblemMachine,
  ProblemRefusal,
  newProblemView,
  problemEventTextZh,
  publicReporterId,
  type ProblemAction,
} from '../../domain/problem-ledger';
import type { Actor } from '../../domain/roles';

const supervisor: Actor = { userId: 'u-sup', username: 'supervisor', displayName: '督查室', role: 'supervisor', departmentCode: null, schoolId: null };
const officer: Actor = { userId: 'u-edu', username: 'edu', displayName: '教育局', role: 'officer', departmentCode: 'education', schoolId: null };
const reporter: Actor = { userId: publicReporterId('WT2026000001'), username: 'public', displayName: '群众', role: 'applicant', departmentCode: null, schoolId: null };

function machine() {
  return new ProblemMachine(newProblemView('WT2026000001', 'public'), publicReporterId('WT2026000001'));
}

function refusalOf(m: ProblemMachine, action: ProblemAction, actor: Actor): string {
  try {
    m.check(action, actor);
  } catch (err) {
    if (err instanceof ProblemRefusal) return err.code;
    throw err;
  }
  return 'allowed';
}

const analyse: ProblemAction = { type: 'analyse', analysis: '属学位分配问题' };
const assign: ProblemAction = { type: 'assign', departmentCode: 'education', deadlineClass: 'ordinary', instructions: '请核实并答复' };

/** Take a machine to feedback: analysed, assigned, handled. */
function toFeedback(m = machine()) {
  m.apply(analyse);
  m.apply(assign);
  m.view.handlingStepId = 'WT2026000001.handling-1';
  m.handlingEnded('WT2026000001.handling-1', { state: 'done', findings: '已安排就近入学' });
  return m;
}

describe('the closed loop', () => {
  it('goes found → analysing → handling → feedback → closed on a satisfied rating', () => {
    const m = machine();
    expect(m.view.state).toBe('found');
    expect(m.apply(analyse)).toMatchObject({ action: 'analysed' });
    expect(m.view.state).toBe('analysing');
    const assigned = m.apply(assign);
    expect(assigned.startHandling).toEqual({ round: 1, departmentCode: 'education', deadlineClass: 'ordinary', instructions: '请核实并答复' });
    expect(m.view.state).toBe('handling');
    m.view.handlingStepId = 'WT2026000001.handling-1';
    expect(m.handlingEnded('WT2026000001.handling-1', { state: 'done', findings: '已安排就近入学' })).toMatchObject({ action: 'handled' });
    expect(m.view).toMatchObject({ state: 'feedback', feedback: '已安排就近入学' });
    expect(m.apply({ type: 'rate', satisfied: true })).toMatchObject({ action: 'rated_satisfied' });
    expect(m.view.state).toBe('closed');
    expect(m.final).toBe(true);
  });

  it('a handling step given back returns the problem to the office for a new assignment', () => {
    const m = machine();
    m.apply(analyse);
    m.apply(assign);
    m.view.handlingStepId = 'WT2026000001.handling-1';
    expect(m.handlingEnded('WT2026000001.handling-1', { state: 'returned', reason: '非本部门职责' })).toMatchObject({ action: 'handling_returned' });
    expect(m.view.state).toBe('analysing');
    expect(m.apply({ ...assign, departmentCode: 'police' } as ProblemAction).startHandling).toMatchObject({ round: 2, departmentCode: 'police' });
  });

  it('ignores the end of a step that is no longer the current one', () => {
    const m = machine();
    m.apply(analyse);
    m.apply(assign);
    m.view.handlingStepId = 'WT2026000001.handling-2';
    expect(m.handlingEnded('WT2026000001.handling-1', { state: 'done', findings: 'x' })).toBeNull();
    expect(m.view.state).toBe('handling');
  });
});

describe('an unsatisfied reporter', () => {
  it(`reopens the problem ${MAX_REOPENS} time with a new handling round, escalated; a second time closes it unresolved`, () => {
    const m = toFeedback();
    const first = m.apply({ type: 'rate', satisfied: false });
    expect(first).toMatchObject({ action: 'reopened', escalate: { round: 1, final: false }, startHandling: { round: 2, departmentCode: 'education', deadlineClass: 'ordinary' } });
    expect(first.startHandling!.instructions).toContain('不满意');
    expect(m.view).toMatchObject({ state: 'handling', reopens: 1, round: 2, escalated: true, feedback: null });

    m.view.handlingStepId = 'WT2026000001.handling-2';
    m.handlingEnded('WT2026000001.handling-2', { state: 'done', findings: '已调整至邻近学校' });
    const second = m.apply({ type: 'rate', satisfied: false });
    expect(second).toMatchObject({ action: 'closed_unresolved', escalate: { round: 2, final: true } });
    expect(second.startHandling).toBeUndefined();
    expect(m.view.state).toBe('closed_unresolved');
    expect(m.view.ratings).toEqual([
      { round: 1, satisfied: false },
      { round: 2, satisfied: false },
    ]);
  });
});

describe('who may act', () => {
  it('only the supervision office analyses and assigns; only the reporter rates; each in its state', () => {
    const m = machine();
    expect(refusalOf(m, analyse, officer)).toBe('forbidden');
    expect(refusalOf(m, analyse, supervisor)).toBe('allowed');
    expect(refusalOf(m, assign, supervisor)).toBe('invalid_state');
    expect(refusalOf(m, { type: 'analyse', analysis: '  ' }, supervisor)).toBe('invalid_argument');
    expect(refusalOf(m, { type: 'rate', satisfied: true }, reporter)).toBe('invalid_state');

    toFeedback(m);
    expect(refusalOf(m, { type: 'rate', satisfied: true }, supervisor)).toBe('forbidden');
    expect(refusalOf(m, { type: 'rate', satisfied: true }, { ...reporter, userId: publicReporterId('WT2026000002') })).toBe('forbidden');
    expect(refusalOf(m, { type: 'rate', satisfied: true }, reporter)).toBe('allowed');
  });
});

describe('the reporter reads', () => {
  it('plain Chinese progress without the office internal notes', () => {
    const name = (code: string) => ({ education: '教育局' })[code] ?? code;
    expect(problemEventTextZh('assigned', { departmentCode: 'education', instructions: '内部交办意见' }, name)).toBe('已交教育局办理');
    expect(problemEventTextZh('analysed', { analysis: '内部研判' }, name)).toBe('督查室已分析研判');
    expect(problemEventTextZh('reopened', {}, name)).toContain('领导小组');
    expect(problemEventTextZh('something_internal', {}, name)).toBeNull();
  });
});
