/**
 * The department step as a pure state machine, driven directly with fixed instants and a hand-made schedule:
 * who may do what, in which state, what each act changes, the reminder and escalation clock, and the events the
 * workflow records. No servers.
 */
import {
  StepMachine,
  StepRefusal,
  newStepView,
  type RefusalCode,
  type StepEvent,
} from '../../domain/department-step';
import {
  STEP_STATES,
  WORKING_STATES,
  type StepAction,
  type StepActionType,
  type StepInput,
  type StepSchedule,
  type StepState,
} from '../../contracts/department-step';
import { stepLight } from '../../domain/lights';
import { SYSTEM_ACTOR, type Actor } from '../../domain/roles';

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: a police step of the ordinary class (3 working days) assigned Monday 2026-11-02 10:00 Asia/Shanghai.
// ---------------------------------------------------------------------------------------------------------------

const ASSIGNED = new Date('2026-11-02T02:00:00Z');
/** Thursday 2026-11-05 24:00 Shanghai. */
const SCHEDULE: StepSchedule = {
  deadlineAt: '2026-11-05T16:00:00.000Z',
  // The start of the last working day (Thursday 00:00 Shanghai).
  dueSoonAt: '2026-11-04T16:00:00.000Z',
  lastDay: '2026-11-05',
  provisional: false,
  // Rung 1 at the deadline, then one working day apart (Friday 24:00, then Monday 24:00 after the weekend).
  escalationAts: ['2026-11-05T16:00:00.000Z', '2026-11-06T16:00:00.000Z', '2026-11-09T16:00:00.000Z'],
};
/** Tuesday, before the step is due soon. */
const EARLY = new Date('2026-11-03T02:00:00Z');
/** Thursday 10:00 Shanghai: due soon, not yet overdue. */
const DUE_SOON = new Date('2026-11-05T02:00:00Z');
/** Friday 10:00 Shanghai: past the deadline (rung 1), before rung 2. */
const OVERDUE = new Date('2026-11-06T02:00:00Z');

const DEPT = 'police';
const OTHER_DEPT = 'education';

function person(userId: string, role: Actor['role'], departmentCode: string | null = null, schoolId: string | null = null): Actor {
  return { userId, username: userId, displayName: userId, role, departmentCode, schoolId };
}

const ACTORS = {
  ownOfficer: person('officer-police', 'officer', DEPT),
  otherOfficer: person('officer-education', 'officer', OTHER_DEPT),
  supervisor: person('supervisor-1', 'supervisor'),
  leader: person('leader-1', 'leader'),
  admin: person('admin-1', 'admin'),
  applicant: person('parent-1', 'applicant'),
  school: person('school-1', 'school', null, 'school-001'),
  system: SYSTEM_ACTOR,
} as const;
type ActorName = keyof typeof ACTORS;
const ACTOR_NAMES = Object.keys(ACTORS) as ActorName[];

const officer = ACTORS.ownOfficer;
const supervisor = ACTORS.supervisor;

function input(overrides: Partial<StepInput> = {}): StepInput {
  return {
    stepId: 's-1',
    departmentCode: DEPT,
    title: '核验居住证',
    kind: 'verification.residence_permit',
    subject: { type: 'application', id: 'app-1' },
    deadline: { class: 'ordinary' },
    requiresReview: false,
    createdBy: supervisor,
    ...overrides,
  };
}

/** A freshly assigned step (state open, schedule set, seq 1). */
function assigned(overrides: Partial<StepInput> = {}, schedule: StepSchedule | null = SCHEDULE): StepMachine {
  const m = new StepMachine(newStepView(input(overrides), 'step-s-1', ASSIGNED.toISOString()), { from: ASSIGNED.toISOString(), workingDays: 3 });
  if (schedule) m.assign(SYSTEM_ACTOR, ASSIGNED, 'req-assign', { ...schedule, escalationAts: [...schedule.escalationAts] });
  return m;
}

const act = {
  sign: (): StepAction => ({ type: 'sign' }),
  complete: (findings = '居住证真实有效'): StepAction => ({ type: 'complete', outcome: 'confirmed', findings, evidence: [{ name: '核验记录', ref: 'rec-1' }] }),
  return: (): StepAction => ({ type: 'return', reason: '材料不属于本部门' }),
  requestExtension: (workingDays = 2): StepAction => ({ type: 'request_extension', workingDays, reason: '需外省协查' }),
  decideExtension: (approve: boolean): StepAction => ({ type: 'decide_extension', approve, comment: approve ? '同意' : '不同意' }),
  urge: (): StepAction => ({ type: 'urge', message: '请尽快办理', level: 'normal' }),
  replyUrge: (urgeNumber: string): StepAction => ({ type: 'reply_urge', urgeNumber, reply: '正在办理，明日办结' }),
  reassign: (departmentCode = OTHER_DEPT): StepAction => ({ type: 'reassign', departmentCode, reason: '职责调整' }),
  comment: (): StepAction => ({ type: 'comment', text: '已电话联系申请人' }),
  changeDeadline: (workingDays = 5): StepAction => ({ type: 'change_deadline', deadline: { workingDays }, reason: '事项复杂' }),
  review: (decision: 'accept' | 'send_back', feedback = ''): StepAction => ({ type: 'review', decision, feedback }),
  pause: (): StepAction => ({ type: 'pause', reason: '等待申请人补正材料' }),
  resume: (): StepAction => ({ type: 'resume', note: '材料已补正' }),
};

/** check, then apply: what the workflow does for an update. */
function perform(m: StepMachine, action: StepAction, actor: Actor, now: Date, extra: { remainingWorkingDays?: number } = {}): StepEvent {
  m.check(action, actor, now);
  return m.apply(action, actor, now, `req-${m.view.seq + 1}`, extra);
}

function refusal(fn: () => unknown): StepRefusal {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StepRefusal);
    return err as StepRefusal;
  }
  throw new Error('expected a StepRefusal, nothing was thrown');
}

function expectRefused(fn: () => unknown, code: RefusalCode, message?: RegExp): void {
  const err = refusal(fn);
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
}

/** Put a machine into a state the way the workflow would get there (through acts). */
function inState(state: StepState, overrides: Partial<StepInput> = {}): StepMachine {
  const m = assigned({ requiresReview: state === 'awaiting_review' || state === 'accepted' || state === 'sent_back', ...overrides });
  switch (state) {
    case 'open':
      break;
    case 'signed':
      perform(m, act.sign(), officer, EARLY);
      break;
    case 'awaiting_review':
      perform(m, act.complete(), officer, EARLY);
      break;
    case 'sent_back':
      perform(m, act.complete(), officer, EARLY);
      perform(m, act.review('send_back', '证据不足'), supervisor, EARLY);
      break;
    case 'done':
      perform(m, act.complete(), officer, EARLY);
      break;
    case 'accepted':
      perform(m, act.complete(), officer, EARLY);
      perform(m, act.review('accept', '同意'), supervisor, EARLY);
      break;
    case 'returned':
      perform(m, act.return(), officer, EARLY);
      break;
    case 'cancelled':
      m.cancel('申请已撤回', SYSTEM_ACTOR, EARLY);
      break;
  }
  expect(m.view.state).toBe(state);
  return m;
}

function lightOf(m: StepMachine, now: Date) {
  const s = m.view;
  return stepLight(
    {
      state: s.state,
      paused: s.paused !== null,
      deadlineAt: s.schedule ? new Date(s.schedule.deadlineAt) : null,
      dueSoonAt: s.schedule ? new Date(s.schedule.dueSoonAt) : null,
    },
    now,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The permission matrix
// ---------------------------------------------------------------------------------------------------------------

interface MatrixRow {
  /** A machine in which the action is valid for anyone allowed to do it. */
  setup: () => StepMachine;
  action: (m: StepMachine) => StepAction;
  now: Date;
  allowed: readonly ActorName[];
}

const OWN_DEPARTMENT: readonly ActorName[] = ['ownOfficer', 'system'];
const SUPERVISION: readonly ActorName[] = ['supervisor', 'system'];

const MATRIX: Record<StepActionType, MatrixRow> = {
  sign: { setup: () => assigned(), action: act.sign, now: EARLY, allowed: OWN_DEPARTMENT },
  complete: { setup: () => assigned(), action: () => act.complete(), now: EARLY, allowed: OWN_DEPARTMENT },
  return: { setup: () => assigned(), action: act.return, now: EARLY, allowed: OWN_DEPARTMENT },
  request_extension: { setup: () => assigned(), action: () => act.requestExtension(), now: EARLY, allowed: OWN_DEPARTMENT },
  decide_extension: {
    setup: () => {
      const m = assigned();
      perform(m, act.requestExtension(), officer, EARLY);
      return m;
    },
    action: () => act.decideExtension(true),
    now: EARLY,
    allowed: SUPERVISION,
  },
  urge: { setup: () => assigned(), action: act.urge, now: DUE_SOON, allowed: SUPERVISION },
  reply_urge: {
    setup: () => {
      const m = assigned();
      perform(m, act.urge(), supervisor, DUE_SOON);
      return m;
    },
    action: (m) => act.replyUrge(m.view.urges[0]!.number),
    now: DUE_SOON,
    allowed: OWN_DEPARTMENT,
  },
  reassign: { setup: () => assigned(), action: () => act.reassign(), now: EARLY, allowed: SUPERVISION },
  comment: { setup: () => assigned(), action: act.comment, now: EARLY, allowed: ['ownOfficer', 'supervisor', 'leader', 'admin', 'system'] },
  change_deadline: { setup: () => assigned(), action: () => act.changeDeadline(), now: EARLY, allowed: SUPERVISION },
  review: { setup: () => inState('awaiting_review'), action: () => act.review('accept', '同意'), now: EARLY, allowed: SUPERVISION },
  pause: { setup: () => assigned(), action: act.pause, now: EARLY, allowed: OWN_DEPARTMENT },
  resume: {
    setup: () => {
      const m = assigned();
      perform(m, act.pause(), officer, EARLY, { remainingWorkingDays: 2 });
      return m;
    },
    action: act.resume,
    now: EARLY,
    allowed: OWN_DEPARTMENT,
  },
};

const MATRIX_CELLS = (Object.keys(MATRIX) as StepActionType[]).flatMap((type) =>
  ACTOR_NAMES.map((actor) => ({ type, actor, allowed: MATRIX[type].allowed.includes(actor) })),
);

describe('the permission matrix', () => {
  it('covers every action type', () => {
    // A new action type added to the contract must get a row here (the Record type enforces it at compile time too).
    expect(Object.keys(MATRIX).sort()).toEqual(
      ['sign', 'complete', 'return', 'request_extension', 'decide_extension', 'urge', 'reply_urge', 'reassign', 'comment', 'change_deadline', 'review', 'pause', 'resume'].sort(),
    );
  });

  it.each(MATRIX_CELLS)('$type by $actor: allowed = $allowed', ({ type, actor, allowed }) => {
    const row = MATRIX[type];
    const m = row.setup();
    const before = JSON.stringify(m.view);
    const action = row.action(m);
    expect(action.type).toBe(type);
    if (allowed) {
      expect(() => m.check(action, ACTORS[actor], row.now)).not.toThrow();
      // And the allowed act can actually be applied.
      const event = m.apply(action, ACTORS[actor], row.now, 'req-x', { remainingWorkingDays: 2 });
      expect(event.actor).toEqual(ACTORS[actor]);
    } else {
      expectRefused(() => m.check(action, ACTORS[actor], row.now), 'forbidden');
      // check changes nothing.
      expect(JSON.stringify(m.view)).toBe(before);
    }
  });

  it('refuses a forbidden actor before looking at the state', () => {
    // An officer of another department signing a finished step is told "forbidden", not "invalid state".
    expectRefused(() => inState('done').check(act.sign(), ACTORS.otherOfficer, EARLY), 'forbidden', /police/);
  });

  it('after a reassignment the new department owns the step and the old one does not', () => {
    const m = assigned();
    perform(m, act.reassign(OTHER_DEPT), supervisor, EARLY);
    expectRefused(() => m.check(act.sign(), ACTORS.ownOfficer, EARLY), 'forbidden');
    expect(() => m.check(act.sign(), ACTORS.otherOfficer, EARLY)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// State rules
// ---------------------------------------------------------------------------------------------------------------

const NOT_OPEN = STEP_STATES.filter((s) => s !== 'open');
const NOT_WORKING = STEP_STATES.filter((s) => !WORKING_STATES.includes(s));
const NOT_AWAITING_REVIEW = STEP_STATES.filter((s) => s !== 'awaiting_review');

describe('state rules', () => {
  it('sign is allowed when open', () => {
    expect(() => assigned().check(act.sign(), officer, EARLY)).not.toThrow();
  });

  it.each(NOT_OPEN)('sign is refused when %s', (state) => {
    expectRefused(() => inState(state).check(act.sign(), officer, EARLY), 'invalid_state', new RegExp(state));
  });

  it.each(WORKING_STATES)('complete is allowed from %s', (state) => {
    expect(() => inState(state).check(act.complete(), officer, EARLY)).not.toThrow();
  });

  it.each(NOT_WORKING)('complete is refused from %s', (state) => {
    expectRefused(() => inState(state).check(act.complete(), officer, EARLY), 'invalid_state');
  });

  it.each(WORKING_STATES)('complete is refused while a %s step is paused', (state) => {
    const m = inState(state);
    perform(m, act.pause(), officer, EARLY, { remainingWorkingDays: 2 });
    expectRefused(() => m.check(act.complete(), officer, EARLY), 'invalid_state', /paused/);
  });

  it('complete needs findings', () => {
    expectRefused(() => assigned().check(act.complete('   '), officer, EARLY), 'invalid_argument', /findings/);
  });

  it('review is allowed when awaiting review', () => {
    expect(() => inState('awaiting_review').check(act.review('accept'), supervisor, EARLY)).not.toThrow();
  });

  it.each(NOT_AWAITING_REVIEW)('review is refused when %s', (state) => {
    expectRefused(() => inState(state).check(act.review('accept', '同意'), supervisor, EARLY), 'invalid_state');
  });

  it.each(['', '   '])('send_back needs feedback (%j is refused)', (feedback) => {
    expectRefused(() => inState('awaiting_review').check(act.review('send_back', feedback), supervisor, EARLY), 'invalid_argument', /feedback/);
  });

  it('send_back with feedback is allowed; accept needs none', () => {
    const m = inState('awaiting_review');
    expect(() => m.check(act.review('send_back', '证据不足'), supervisor, EARLY)).not.toThrow();
    expect(() => m.check(act.review('accept', ''), supervisor, EARLY)).not.toThrow();
  });

  it.each(STEP_STATES)('resume is refused when %s and not paused', (state) => {
    expectRefused(() => inState(state).check(act.resume(), officer, EARLY), 'invalid_state', /not paused/);
  });

  it('pause is refused when already paused', () => {
    const m = assigned();
    perform(m, act.pause(), officer, EARLY, { remainingWorkingDays: 2 });
    expectRefused(() => m.check(act.pause(), officer, EARLY), 'invalid_state', /already paused/);
  });

  it('a second extension request while one is pending is refused', () => {
    const m = assigned();
    perform(m, act.requestExtension(2), officer, EARLY);
    expectRefused(() => m.check(act.requestExtension(1), officer, EARLY), 'invalid_state', /extension/);
  });

  it('a new extension request is allowed once the previous one is decided', () => {
    const m = assigned();
    perform(m, act.requestExtension(2), officer, EARLY);
    perform(m, act.decideExtension(false), supervisor, EARLY);
    expect(() => m.check(act.requestExtension(1), officer, EARLY)).not.toThrow();
  });

  it('decide_extension is refused when nothing is pending', () => {
    expectRefused(() => assigned().check(act.decideExtension(true), supervisor, EARLY), 'invalid_state', /no extension/);
  });

  describe('urge', () => {
    it('is refused before the step is due soon', () => {
      expectRefused(() => assigned().check(act.urge(), supervisor, EARLY), 'invalid_state', /due soon or overdue/);
      // One millisecond before dueSoonAt is still too early.
      expectRefused(() => assigned().check(act.urge(), supervisor, new Date(Date.parse(SCHEDULE.dueSoonAt) - 1)), 'invalid_state');
    });

    it('is allowed from the instant the step is due soon', () => {
      expect(() => assigned().check(act.urge(), supervisor, new Date(SCHEDULE.dueSoonAt))).not.toThrow();
      expect(() => assigned().check(act.urge(), supervisor, DUE_SOON)).not.toThrow();
    });

    it('is allowed when overdue, even where the schedule alone would not say so', () => {
      const m = assigned();
      m.fireTimedEvent('reminder', DUE_SOON, SYSTEM_ACTOR);
      m.fireTimedEvent('overdue', OVERDUE, SYSTEM_ACTOR);
      expect(m.view.overdue).toBe(true);
      // Checked with an earlier "now": the overdue flag is enough.
      expect(() => m.check(act.urge(), supervisor, EARLY)).not.toThrow();
    });

    it('is allowed on a sent-back step before it is due soon', () => {
      expect(() => inState('sent_back').check(act.urge(), supervisor, EARLY)).not.toThrow();
    });

    it('is refused on a step without a schedule that is neither overdue nor sent back', () => {
      expectRefused(() => assigned({}, null).check(act.urge(), supervisor, OVERDUE), 'invalid_state');
    });

    it.each(NOT_WORKING)('is refused when %s', (state) => {
      expectRefused(() => inState(state).check(act.urge(), supervisor, OVERDUE), 'invalid_state');
    });

    it('needs a message', () => {
      expectRefused(() => assigned().check({ type: 'urge', message: ' ', level: 'serious' }, supervisor, DUE_SOON), 'invalid_argument', /message/);
    });
  });

  describe('reply to an urging notice', () => {
    function urged(): StepMachine {
      const m = assigned();
      perform(m, act.urge(), supervisor, DUE_SOON);
      return m;
    }

    it('to an unknown number is invalid_argument', () => {
      expectRefused(() => urged().check(act.replyUrge('s-1-99'), officer, DUE_SOON), 'invalid_argument', /s-1-99/);
    });

    it('to a known number is allowed once, then invalid_state', () => {
      const m = urged();
      expect(m.view.urges.map((u) => u.number)).toEqual(['s-1-1']);
      perform(m, act.replyUrge('s-1-1'), officer, DUE_SOON);
      expect(m.view.urges[0]).toMatchObject({ reply: '正在办理，明日办结', repliedAt: DUE_SOON.toISOString() });
      expectRefused(() => m.check(act.replyUrge('s-1-1'), officer, DUE_SOON), 'invalid_state', /already been answered/);
    });
  });

  describe('working days', () => {
    it.each([0, -1, 1.5, 251, Number.NaN])('request_extension of %p days is invalid_argument naming workingDays', (days) => {
      expectRefused(() => assigned().check(act.requestExtension(days), officer, EARLY), 'invalid_argument', /^workingDays\b/);
    });

    it.each([0, -1, 1.5, 251, Number.NaN])('change_deadline to %p days is invalid_argument naming deadline.workingDays', (days) => {
      expectRefused(() => assigned().check(act.changeDeadline(days), supervisor, EARLY), 'invalid_argument', /^deadline\.workingDays\b/);
    });

    it.each([1, 250])('%p working days is accepted', (days) => {
      expect(() => assigned().check(act.requestExtension(days), officer, EARLY)).not.toThrow();
      expect(() => assigned().check(act.changeDeadline(days), supervisor, EARLY)).not.toThrow();
    });

    it('change_deadline to a class is accepted', () => {
      expect(() => assigned().check({ type: 'change_deadline', deadline: { class: 'complex' }, reason: '事项复杂' }, supervisor, EARLY)).not.toThrow();
    });
  });

  describe('reassign', () => {
    it('to the same department is invalid_argument naming departmentCode', () => {
      expectRefused(() => assigned().check(act.reassign(DEPT), supervisor, EARLY), 'invalid_argument', /^departmentCode/);
    });

    it.each(NOT_WORKING)('is refused when %s', (state) => {
      expectRefused(() => inState(state).check(act.reassign(), supervisor, EARLY), 'invalid_state');
    });
  });

  it('change_deadline is allowed while awaiting review but not once terminal', () => {
    expect(() => inState('awaiting_review').check(act.changeDeadline(), supervisor, EARLY)).not.toThrow();
    for (const state of ['done', 'accepted', 'returned', 'cancelled'] as const) {
      expectRefused(() => inState(state).check(act.changeDeadline(), supervisor, EARLY), 'invalid_state');
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Transitions and the events they record
// ---------------------------------------------------------------------------------------------------------------

describe('transitions and events', () => {
  it('assign records the schedule and notifies the department', () => {
    const m = new StepMachine(newStepView(input(), 'step-s-1', ASSIGNED.toISOString()), { from: ASSIGNED.toISOString(), workingDays: 3 });
    const e = m.assign(SYSTEM_ACTOR, ASSIGNED, 'req-assign', SCHEDULE);
    expect(e).toMatchObject({ seq: 1, action: 'assigned', stateBefore: null, stateAfter: 'open', requestId: 'req-assign', at: ASSIGNED.toISOString() });
    expect(e.view.schedule).toEqual(SCHEDULE);
    expect(e.notifications).toEqual([expect.objectContaining({ to: { department: DEPT }, kind: 'assigned' })]);
    expect(e.notifications[0]!.body).toContain('2026-11-05 24:00');
  });

  it('sign moves open → signed', () => {
    const e = perform(assigned(), act.sign(), officer, EARLY);
    expect(e).toMatchObject({ action: 'sign', stateBefore: 'open', stateAfter: 'signed', notifications: [] });
  });

  it('complete with requiresReview → awaiting_review, a "submitted" notification to the supervision office, blue light', () => {
    const m = assigned({ requiresReview: true });
    const e = perform(m, act.complete(), officer, EARLY);
    expect(e).toMatchObject({ action: 'completed', stateBefore: 'open', stateAfter: 'awaiting_review' });
    expect(e.notifications).toHaveLength(1);
    expect(e.notifications[0]).toMatchObject({ kind: 'submitted', to: { role: 'supervisor' } });
    expect(e.view).toMatchObject({ outcome: 'confirmed', findings: '居住证真实有效', evidence: [{ name: '核验记录', ref: 'rec-1' }] });
    expect(m.terminal).toBe(false);
    expect(m.clockRunning).toBe(false);
    expect(lightOf(m, OVERDUE)).toBe('blue');
  });

  it('complete without review → done, no notification, terminal, green light', () => {
    const m = assigned({ requiresReview: false });
    const e = perform(m, act.complete(), officer, EARLY);
    expect(e).toMatchObject({ action: 'completed', stateBefore: 'open', stateAfter: 'done' });
    expect(e.notifications).toEqual([]);
    expect(m.terminal).toBe(true);
    expect(lightOf(m, OVERDUE)).toBe('green');
  });

  it('complete from sent_back resubmits for review', () => {
    const m = inState('sent_back');
    const e = perform(m, act.complete('补充证据后确认'), officer, EARLY);
    expect(e).toMatchObject({ stateBefore: 'sent_back', stateAfter: 'awaiting_review' });
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'submitted', to: { role: 'supervisor' } })]);
  });

  it('review accept → accepted: terminal, green light, decision to the department', () => {
    const m = inState('awaiting_review');
    const e = perform(m, act.review('accept', '同意'), supervisor, EARLY);
    expect(e).toMatchObject({ action: 'review', stateBefore: 'awaiting_review', stateAfter: 'accepted', details: { decision: 'accept' } });
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'decision', to: { department: DEPT } })]);
    expect(m.terminal).toBe(true);
    expect(m.nextTimedEvent()).toBeNull();
    expect(lightOf(m, OVERDUE)).toBe('green');
  });

  it('review send_back → sent_back: red light, the department works again', () => {
    const m = inState('awaiting_review');
    const e = perform(m, act.review('send_back', '证据不足'), supervisor, EARLY);
    expect(e).toMatchObject({ stateBefore: 'awaiting_review', stateAfter: 'sent_back', details: { decision: 'send_back', feedback: '证据不足' } });
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'decision', to: { department: DEPT } })]);
    expect(m.terminal).toBe(false);
    expect(m.clockRunning).toBe(true);
    // Red even before the step is due soon.
    expect(lightOf(m, EARLY)).toBe('red');
  });

  it('return → returned: terminal, grey light', () => {
    const m = assigned();
    const e = perform(m, act.return(), officer, EARLY);
    expect(e).toMatchObject({ action: 'return', stateAfter: 'returned', details: { reason: '材料不属于本部门' } });
    expect(m.terminal).toBe(true);
    expect(lightOf(m, OVERDUE)).toBe('grey');
  });

  it('reassign: new department, back to open, basis restarts from the act with the class days, new department notified', () => {
    const m = assigned();
    perform(m, act.sign(), officer, EARLY);
    // An approved extension and a fired reminder and rung belong to the old department; all are reset.
    perform(m, act.requestExtension(2), officer, EARLY);
    perform(m, act.decideExtension(true), supervisor, EARLY);
    expect(m.basis.workingDays).toBe(5);
    m.fireTimedEvent('reminder', DUE_SOON, SYSTEM_ACTOR);
    m.fireTimedEvent('overdue', OVERDUE, SYSTEM_ACTOR);
    perform(m, act.requestExtension(1), officer, OVERDUE);
    m.replanReason = null;

    const at = new Date('2026-11-06T03:30:00Z');
    const e = perform(m, act.reassign(OTHER_DEPT), supervisor, at);
    expect(e).toMatchObject({ action: 'reassign', stateBefore: 'signed', stateAfter: 'open', details: { from: DEPT, to: OTHER_DEPT, reason: '职责调整' } });
    expect(m.view).toMatchObject({ departmentCode: OTHER_DEPT, state: 'open', reminderSent: false, overdue: false, escalationLevel: 0, pendingExtension: null });
    expect(m.basis).toEqual({ from: at.toISOString(), workingDays: 3 });
    expect(m.replanReason).toEqual(expect.stringContaining(OTHER_DEPT));
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'assigned', to: { department: OTHER_DEPT } })]);
  });

  it('reassign of a custom-days step restarts with its own working days', () => {
    const m = assigned({ deadline: { workingDays: 7 } });
    const e = perform(m, act.reassign(OTHER_DEPT), supervisor, EARLY);
    expect(m.basis).toEqual({ from: EARLY.toISOString(), workingDays: 7 });
    expect(e.view.departmentCode).toBe(OTHER_DEPT);
  });

  it('request_extension records the request and notifies the supervision office', () => {
    const m = assigned();
    const e = perform(m, act.requestExtension(2), officer, EARLY);
    expect(m.view.pendingExtension).toEqual({ workingDays: 2, reason: '需外省协查', requestedBy: officer.displayName, requestedAt: EARLY.toISOString() });
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'extension_requested', to: { role: 'supervisor' } })]);
    expect(m.replanReason).toBeNull();
    expect(m.basis.workingDays).toBe(3);
  });

  it('decide_extension approve adds the days to the basis and asks for a replan', () => {
    const m = assigned();
    perform(m, act.requestExtension(2), officer, EARLY);
    const e = perform(m, act.decideExtension(true), supervisor, EARLY);
    expect(m.basis).toEqual({ from: ASSIGNED.toISOString(), workingDays: 5 });
    expect(m.replanReason).not.toBeNull();
    expect(m.view.pendingExtension).toBeNull();
    expect(e.details).toMatchObject({ approve: true, workingDays: 2 });
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'decision', to: { department: DEPT } })]);
  });

  it('decide_extension refuse leaves the basis alone and asks for no replan', () => {
    const m = assigned();
    perform(m, act.requestExtension(2), officer, EARLY);
    const e = perform(m, act.decideExtension(false), supervisor, EARLY);
    expect(m.basis).toEqual({ from: ASSIGNED.toISOString(), workingDays: 3 });
    expect(m.replanReason).toBeNull();
    expect(m.view.pendingExtension).toBeNull();
    expect(e.details).toMatchObject({ approve: false, workingDays: 2 });
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'decision', to: { department: DEPT } })]);
  });

  it('change_deadline swaps the class days in the basis and asks for a replan', () => {
    const m = assigned();
    perform(m, act.requestExtension(2), officer, EARLY);
    perform(m, act.decideExtension(true), supervisor, EARLY);
    m.replanReason = null;
    const e = perform(m, act.changeDeadline(10), supervisor, EARLY);
    // 3 (ordinary) + 2 (extension) − 3 + 10.
    expect(m.basis.workingDays).toBe(12);
    expect(m.view.deadlineSpec).toEqual({ workingDays: 10 });
    expect(m.replanReason).not.toBeNull();
    expect(e.details).toMatchObject({ from: 3, to: 10 });
  });

  it('pause records the remaining working days given in extra; resume restarts the basis from now with them', () => {
    const m = assigned();
    const p = perform(m, act.pause(), officer, EARLY, { remainingWorkingDays: 2 });
    expect(m.view.paused).toEqual({ since: EARLY.toISOString(), reason: '等待申请人补正材料', remainingWorkingDays: 2 });
    expect(p.details).toMatchObject({ remainingWorkingDays: 2, deadlineAt: SCHEDULE.deadlineAt });
    expect(p.stateAfter).toBe('open');
    expect(m.clockRunning).toBe(false);
    expect(lightOf(m, OVERDUE)).toBe('grey');
    expect(m.replanReason).toBeNull();

    const later = new Date('2026-11-10T01:00:00Z');
    const r = perform(m, act.resume(), officer, later);
    expect(m.view.paused).toBeNull();
    expect(m.basis).toEqual({ from: later.toISOString(), workingDays: 2 });
    expect(m.replanReason).not.toBeNull();
    expect(r.details).toMatchObject({ pausedSince: EARLY.toISOString(), remainingWorkingDays: 2, note: '材料已补正' });
    expect(m.clockRunning).toBe(true);
  });

  it('resume with no working day left still gives at least one', () => {
    const m = assigned();
    perform(m, act.pause(), officer, OVERDUE, { remainingWorkingDays: 0 });
    perform(m, act.resume(), officer, OVERDUE);
    expect(m.basis).toEqual({ from: OVERDUE.toISOString(), workingDays: 1 });
  });

  describe('acts that move the deadline while the step is paused', () => {
    const PAUSED_AT = EARLY;
    const RESUMED_AT = new Date('2026-11-10T02:00:00Z');

    // Regression: the days granted during a pause are added to what the clock resumes with.
    it('an extension approved during a pause still counts after resume', () => {
      const m = assigned();
      perform(m, act.pause(), officer, PAUSED_AT, { remainingWorkingDays: 2 });
      perform(m, act.requestExtension(3), officer, PAUSED_AT);
      perform(m, act.decideExtension(true), supervisor, PAUSED_AT);
      perform(m, act.resume(), officer, RESUMED_AT);
      expect(m.basis).toEqual({ from: RESUMED_AT.toISOString(), workingDays: 5 });
    });

    // Regression: ordinary (3) → complex (5) during a pause with 2 days left resumes with 4.
    it('a deadline class changed during a pause still counts after resume', () => {
      const m = assigned();
      perform(m, act.pause(), officer, PAUSED_AT, { remainingWorkingDays: 2 });
      perform(m, { type: 'change_deadline', deadline: { class: 'complex' }, reason: '事项复杂' }, supervisor, PAUSED_AT);
      perform(m, act.resume(), officer, RESUMED_AT);
      expect(m.basis).toEqual({ from: RESUMED_AT.toISOString(), workingDays: 4 });
    });

    // Regression: the new department gets the full time of the step's class, not the old department's pause.
    it('a step reassigned while paused gives the new department the full class time', () => {
      const m = assigned();
      perform(m, act.pause(), officer, PAUSED_AT, { remainingWorkingDays: 1 });
      perform(m, act.reassign(OTHER_DEPT), supervisor, PAUSED_AT);
      if (m.view.paused) perform(m, act.resume(), ACTORS.otherOfficer, RESUMED_AT);
      expect(m.basis.workingDays).toBe(3);
    });
  });

  it('urge numbers the notice, notifies the department, and leaves the state alone', () => {
    const m = assigned();
    const e = perform(m, act.urge(), supervisor, DUE_SOON);
    expect(e).toMatchObject({ action: 'urge', stateBefore: 'open', stateAfter: 'open', details: { urgeNumber: 's-1-1', level: 'normal' } });
    expect(e.notifications).toEqual([expect.objectContaining({ kind: 'urged', to: { department: DEPT } })]);
    const second = m.apply({ type: 'urge', message: '再次催办', level: 'severe' }, supervisor, DUE_SOON, 'r', { urgeNumber: 'DB-2026-0007' });
    expect(second.details).toMatchObject({ urgeNumber: 'DB-2026-0007', level: 'severe' });
    expect(m.view.urges.map((u) => [u.seq, u.number])).toEqual([[1, 's-1-1'], [2, 'DB-2026-0007']]);
  });

  it('cancel ends the step from any working state', () => {
    const m = inState('signed');
    const e = m.cancel('申请已撤回', SYSTEM_ACTOR, EARLY);
    expect(e).toMatchObject({ action: 'cancelled', stateBefore: 'signed', stateAfter: 'cancelled', details: { reason: '申请已撤回' } });
    expect(m.terminal).toBe(true);
    expect(m.nextTimedEvent()).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The clock
// ---------------------------------------------------------------------------------------------------------------

describe('the clock', () => {
  const at = (iso: string) => Date.parse(iso);

  it('reminder at dueSoonAt, rung 1 (overdue) at the deadline, rungs 2 and 3 (escalation), then nothing', () => {
    const m = assigned();
    expect(m.nextTimedEvent()).toEqual({ kind: 'reminder', at: at(SCHEDULE.dueSoonAt) });

    const reminder = m.fireTimedEvent('reminder', new Date(SCHEDULE.dueSoonAt), SYSTEM_ACTOR);
    expect(reminder).toMatchObject({ action: 'reminder_sent', stateBefore: 'open', stateAfter: 'open' });
    expect(reminder.notifications).toEqual([expect.objectContaining({ kind: 'reminder', to: { department: DEPT } })]);
    expect(m.view).toMatchObject({ reminderSent: true, overdue: false, escalationLevel: 0 });
    expect(m.nextTimedEvent()).toEqual({ kind: 'overdue', at: at(SCHEDULE.escalationAts[0]!), rung: 1 });

    const rung1 = m.fireTimedEvent('overdue', new Date(SCHEDULE.escalationAts[0]!), SYSTEM_ACTOR);
    expect(rung1).toMatchObject({ action: 'overdue', details: { rung: 1, level: 'department_head' } });
    expect(rung1.notifications).toEqual([expect.objectContaining({ kind: 'escalated', to: { department: DEPT } })]);
    expect(m.view).toMatchObject({ overdue: true, escalationLevel: 1 });
    expect(m.nextTimedEvent()).toEqual({ kind: 'escalation', at: at(SCHEDULE.escalationAts[1]!), rung: 2 });

    const rung2 = m.fireTimedEvent('escalation', new Date(SCHEDULE.escalationAts[1]!), SYSTEM_ACTOR);
    expect(rung2).toMatchObject({ action: 'escalated', details: { rung: 2, level: 'supervision_office' } });
    expect(rung2.notifications).toEqual([expect.objectContaining({ kind: 'escalated', to: { role: 'supervisor' } })]);
    expect(m.nextTimedEvent()).toEqual({ kind: 'escalation', at: at(SCHEDULE.escalationAts[2]!), rung: 3 });

    const rung3 = m.fireTimedEvent('escalation', new Date(SCHEDULE.escalationAts[2]!), SYSTEM_ACTOR);
    expect(rung3).toMatchObject({ action: 'escalated', details: { rung: 3, level: 'leading_group' } });
    expect(rung3.notifications).toEqual([expect.objectContaining({ kind: 'escalated', to: { role: 'leader' } })]);
    expect(m.view.escalationLevel).toBe(3);
    expect(m.nextTimedEvent()).toBeNull();
  });

  it('a step first seen overdue skips the reminder and fires rung 1', () => {
    const m = assigned();
    m.fireTimedEvent('overdue', OVERDUE, SYSTEM_ACTOR);
    expect(m.view).toMatchObject({ reminderSent: true, overdue: true, escalationLevel: 1 });
    expect(m.nextTimedEvent()).toEqual({ kind: 'escalation', at: at(SCHEDULE.escalationAts[1]!), rung: 2 });
  });

  it('is null while paused, and runs again after resume', () => {
    const m = assigned();
    perform(m, act.pause(), officer, EARLY, { remainingWorkingDays: 2 });
    expect(m.nextTimedEvent()).toBeNull();
    perform(m, act.resume(), officer, EARLY);
    expect(m.nextTimedEvent()).toEqual({ kind: 'reminder', at: at(SCHEDULE.dueSoonAt) });
  });

  it('is null while awaiting review', () => {
    expect(inState('awaiting_review').nextTimedEvent()).toBeNull();
  });

  it.each(['done', 'accepted', 'returned', 'cancelled'] as const)('is null when %s', (state) => {
    expect(inState(state).nextTimedEvent()).toBeNull();
  });

  it('is null before the first schedule', () => {
    expect(assigned({}, null).nextTimedEvent()).toBeNull();
  });

  it.each(['signed', 'sent_back'] as const)('runs when %s', (state) => {
    expect(inState(state).nextTimedEvent()).toEqual({ kind: 'reminder', at: at(SCHEDULE.dueSoonAt) });
  });

  describe('applySchedule', () => {
    /** A step past rung 2 of the original schedule. */
    function escalatedTwice(): StepMachine {
      const m = assigned();
      m.fireTimedEvent('reminder', new Date(SCHEDULE.dueSoonAt), SYSTEM_ACTOR);
      m.fireTimedEvent('overdue', new Date(SCHEDULE.escalationAts[0]!), SYSTEM_ACTOR);
      m.fireTimedEvent('escalation', new Date(SCHEDULE.escalationAts[1]!), SYSTEM_ACTOR);
      expect(m.view).toMatchObject({ escalationLevel: 2, overdue: true, reminderSent: true });
      return m;
    }
    /** Saturday 2026-11-07 10:00 Shanghai: after rung 2 of SCHEDULE, before rung 3. */
    const SATURDAY = new Date('2026-11-07T02:00:00Z');

    it('a later deadline far enough away resets the ladder and re-arms the reminder', () => {
      const m = escalatedTwice();
      const later: StepSchedule = {
        deadlineAt: '2026-11-11T16:00:00.000Z',
        dueSoonAt: '2026-11-10T16:00:00.000Z',
        lastDay: '2026-11-11',
        provisional: false,
        escalationAts: ['2026-11-11T16:00:00.000Z', '2026-11-12T16:00:00.000Z', '2026-11-13T16:00:00.000Z'],
      };
      const e = m.applySchedule(later, 'extension approved', SATURDAY, SYSTEM_ACTOR, 'req-plan');
      expect(e).not.toBeNull();
      expect(e).toMatchObject({
        action: 'deadline_changed',
        stateBefore: 'open',
        stateAfter: 'open',
        requestId: 'req-plan',
        details: { oldDeadlineAt: SCHEDULE.deadlineAt, newDeadlineAt: later.deadlineAt, oldLastDay: '2026-11-05', newLastDay: '2026-11-11', reason: 'extension approved' },
        notifications: [],
      });
      expect(m.view).toMatchObject({ escalationLevel: 0, overdue: false, reminderSent: false, schedule: later });
      expect(m.nextTimedEvent()).toEqual({ kind: 'reminder', at: at(later.dueSoonAt) });
      expect(lightOf(m, SATURDAY)).toBe('white');
    });

    it('a later deadline already passed lowers the level to the rungs already passed', () => {
      const m = escalatedTwice();
      // New deadline Friday 24:00: at Saturday, rung 1 of the new ladder has passed, rung 2 (Monday) has not.
      const later: StepSchedule = {
        deadlineAt: '2026-11-06T16:00:00.000Z',
        dueSoonAt: '2026-11-05T16:00:00.000Z',
        lastDay: '2026-11-06',
        provisional: false,
        escalationAts: ['2026-11-06T16:00:00.000Z', '2026-11-09T16:00:00.000Z', '2026-11-10T16:00:00.000Z'],
      };
      expect(m.applySchedule(later, 'calendar changed', SATURDAY, SYSTEM_ACTOR, null)).not.toBeNull();
      expect(m.view).toMatchObject({ escalationLevel: 1, overdue: true, reminderSent: true });
      expect(m.nextTimedEvent()).toEqual({ kind: 'escalation', at: at(later.escalationAts[1]!), rung: 2 });
    });

    it('a later deadline never raises the level above what has fired', () => {
      const m = assigned();
      m.fireTimedEvent('reminder', new Date(SCHEDULE.dueSoonAt), SYSTEM_ACTOR);
      m.fireTimedEvent('overdue', new Date(SCHEDULE.escalationAts[0]!), SYSTEM_ACTOR);
      // Every rung of the new ladder is already in the past, but only one has been sent.
      const later: StepSchedule = { ...SCHEDULE, deadlineAt: '2026-11-05T16:00:01.000Z', escalationAts: ['2026-11-05T16:00:01.000Z', '2026-11-05T16:00:02.000Z', '2026-11-05T16:00:03.000Z'] };
      m.applySchedule(later, 'x', new Date('2026-11-20T00:00:00Z'), SYSTEM_ACTOR, null);
      expect(m.view.escalationLevel).toBe(1);
      expect(m.nextTimedEvent()).toEqual({ kind: 'escalation', at: at(later.escalationAts[1]!), rung: 2 });
    });

    it('the same deadline returns null, records nothing, and clears replanReason', () => {
      const m = assigned();
      perform(m, act.requestExtension(2), officer, EARLY);
      perform(m, act.decideExtension(true), supervisor, EARLY);
      expect(m.replanReason).not.toBeNull();
      const seq = m.view.seq;
      expect(m.applySchedule({ ...SCHEDULE, escalationAts: [...SCHEDULE.escalationAts] }, 'same', EARLY, SYSTEM_ACTOR, null)).toBeNull();
      expect(m.view.seq).toBe(seq);
      expect(m.replanReason).toBeNull();
    });

    it('the same deadline turning from provisional to official is recorded', () => {
      const m = assigned({}, { ...SCHEDULE, provisional: true });
      const e = m.applySchedule(SCHEDULE, 'official calendar published', EARLY, SYSTEM_ACTOR, null);
      expect(e).toMatchObject({ action: 'deadline_changed', details: { provisional: false } });
    });

    it('an earlier deadline keeps the ladder where it is', () => {
      const m = assigned();
      m.fireTimedEvent('reminder', DUE_SOON, SYSTEM_ACTOR);
      const earlier: StepSchedule = {
        deadlineAt: '2026-11-04T16:00:00.000Z',
        dueSoonAt: '2026-11-03T16:00:00.000Z',
        lastDay: '2026-11-04',
        provisional: false,
        escalationAts: ['2026-11-04T16:00:00.000Z', '2026-11-05T16:00:00.000Z', '2026-11-06T16:00:00.000Z'],
      };
      expect(m.applySchedule(earlier, 'deadline class changed', DUE_SOON, SYSTEM_ACTOR, null)).not.toBeNull();
      expect(m.view).toMatchObject({ reminderSent: true, escalationLevel: 0, overdue: false });
      // Rung 1 of the new ladder is already due: the workflow fires it at once.
      expect(m.nextTimedEvent()).toEqual({ kind: 'overdue', at: at(earlier.escalationAts[0]!), rung: 1 });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Event sequence and snapshots
// ---------------------------------------------------------------------------------------------------------------

describe('events', () => {
  it('every event increments seq by one and the view carries the same seq', () => {
    const m = new StepMachine(newStepView(input({ requiresReview: true }), 'step-s-1', ASSIGNED.toISOString()), { from: ASSIGNED.toISOString(), workingDays: 3 });
    expect(m.view.seq).toBe(0);
    const events: StepEvent[] = [];
    events.push(m.assign(SYSTEM_ACTOR, ASSIGNED, null, SCHEDULE));
    events.push(perform(m, act.sign(), officer, EARLY));
    events.push(perform(m, act.comment(), ACTORS.leader, EARLY));
    events.push(perform(m, act.requestExtension(2), officer, EARLY));
    events.push(perform(m, act.decideExtension(true), supervisor, EARLY));
    events.push(m.applySchedule({ ...SCHEDULE, deadlineAt: '2026-11-09T16:00:00.000Z', dueSoonAt: '2026-11-08T16:00:00.000Z' }, 'extension', EARLY, SYSTEM_ACTOR, null)!);
    events.push(m.fireTimedEvent('reminder', new Date('2026-11-08T16:00:00Z'), SYSTEM_ACTOR));
    events.push(perform(m, act.urge(), supervisor, new Date('2026-11-09T02:00:00Z')));
    events.push(perform(m, act.replyUrge('s-1-1'), officer, new Date('2026-11-09T03:00:00Z')));
    events.push(perform(m, act.pause(), officer, new Date('2026-11-09T04:00:00Z'), { remainingWorkingDays: 1 }));
    events.push(perform(m, act.resume(), officer, new Date('2026-11-10T04:00:00Z')));
    events.push(perform(m, act.complete(), officer, new Date('2026-11-10T05:00:00Z')));
    events.push(perform(m, act.review('send_back', '补充'), supervisor, new Date('2026-11-10T06:00:00Z')));
    events.push(perform(m, act.reassign(OTHER_DEPT), supervisor, new Date('2026-11-10T07:00:00Z')));
    events.push(m.cancel('撤销', SYSTEM_ACTOR, new Date('2026-11-10T08:00:00Z')));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (const e of events) expect(e.view.seq).toBe(e.seq);
    expect(m.view.seq).toBe(events.length);
    // Each event's stateAfter is the next event's stateBefore (where the event has one).
    for (let i = 1; i < events.length; i++) expect(events[i]!.stateBefore).toBe(events[i - 1]!.stateAfter);
  });

  it('an event carries a deep copy of the view: later acts do not change it', () => {
    const m = assigned();
    const signed = perform(m, act.sign(), officer, EARLY);
    const snapshot = JSON.parse(JSON.stringify(signed.view));

    perform(m, act.urge(), supervisor, DUE_SOON);
    perform(m, act.replyUrge('s-1-1'), officer, DUE_SOON);
    perform(m, act.requestExtension(2), officer, DUE_SOON);
    perform(m, act.complete(), officer, DUE_SOON);
    m.view.schedule!.escalationAts.push('2026-12-01T00:00:00.000Z');
    m.view.schedule!.deadlineAt = '2026-12-01T00:00:00.000Z';
    m.view.subject.label = 'changed';
    m.view.evidence.push({ name: 'x', ref: 'y' });

    expect(signed.view).toEqual(snapshot);
    expect(signed.view).toMatchObject({ state: 'signed', urges: [], pendingExtension: null, evidence: [], seq: 2 });
    expect(signed.view.schedule).toEqual(SCHEDULE);
  });

  it('mutating an event view does not change the machine', () => {
    const m = assigned();
    const e = perform(m, act.urge(), supervisor, DUE_SOON);
    e.view.urges[0]!.reply = 'forged';
    e.view.schedule!.deadlineAt = '2000-01-01T00:00:00.000Z';
    e.view.state = 'done';
    expect(m.view.urges[0]!.reply).toBeNull();
    expect(m.view.schedule!.deadlineAt).toBe(SCHEDULE.deadlineAt);
    expect(m.view.state).toBe('open');
    expect(() => m.check(act.replyUrge('s-1-1'), officer, DUE_SOON)).not.toThrow();
  });
});
