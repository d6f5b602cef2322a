/**
 * Loading a year's official calendar as the administrator relies on it: one durable operation that moves every open
 * deadline it touches, 补正 deadlines included, whatever interrupts it. A database and a Temporal namespace of this
 * file's own: it loads 2027, which every other file counts with the provisional rule.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCalendarLoadActivities } from '../../activities/calendar-load';
import { replaceYear } from '../../db/repositories/calendar';
import { submitApplication } from '../support/applications';
import { startHarnessOnOwnDatabase, type Harness } from '../support/harness';
import { startStandaloneStep } from '../support/steps';
import { waitFor } from '../support/wait';

let h: Harness;

beforeAll(async () => {
  h = await startHarnessOnOwnDatabase('calendar');
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const stepRow = async (stepId: string) => (await h.pool.query<{ last_day: string; deadline_provisional: boolean }>(`SELECT to_char(last_day, 'YYYY-MM-DD') AS last_day, deadline_provisional FROM steps WHERE step_id = $1`, [stepId])).rows[0]!;

/** Steps assigned on 1 March of a provisional year: three days off right after it move each deadline by three. */
async function stepsIn(year: number, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await startStandaloneStep(h, `cal${year}`, { departmentCode: 'police', assignedAt: `${year}-03-01T01:00:00Z` }));
  await waitFor(async () => (await Promise.all(ids.map(stepRow))).every((r) => r.deadline_provisional), { what: 'the steps counted provisionally' });
  return ids;
}

const noticeOf = (year: number) => ({
  notice: `国务院办公厅关于${year}年部分节假日安排的通知（测试）`,
  offDays: [`${year}-03-02`, `${year}-03-03`, `${year}-03-04`].map((date) => ({ date, name: '测试假日' })),
  workDays: [],
  // Only test days: no 元旦, no 国庆节. The administrator confirms.
  confirmUnusual: true,
});

it('refuses a notice missing statutory holidays with the dates named and stores nothing, until the administrator confirms', async () => {
  const office = await h.as('admin');
  const { confirmUnusual: _, ...unconfirmed } = noticeOf(2093);
  const refused = await office.request('PUT', '/api/calendar/2093', unconfirmed);
  expect(refused.status).toBe(400);
  expect(refused.body.error.code).toBe('calendar_notice_unusual');
  expect(refused.body.error.fields).toEqual(expect.arrayContaining([{ field: 'body.offDays', message: expect.stringContaining('2093-01-01') }, { field: 'body.offDays', message: expect.stringContaining('2093-10-01、2093-10-02、2093-10-03') }]));
  expect(refused.body.error.message).toContain('已核对通知原文');
  expect((await office.get('/api/calendar/2093')).body.stored).toBeNull();
  const loaded = await office.request('PUT', '/api/calendar/2093', noticeOf(2093));
  expect(loaded.status).toBe(200);
  expect(loaded.body).toMatchObject({ year: 2093, changed: true, finished: true });
  expect((await office.get('/api/calendar/2093')).body.status).toBe('official');
});

it('a load interrupted after it stored the year: the same load again moves every deadline it had not', async () => {
  const ids = await stepsIn(2092, 4);
  const before = await Promise.all(ids.map(stepRow));
  const { confirmUnusual: _, ...notice } = noticeOf(2092);
  // What an interruption right after storing left behind (the API process died before signalling anything).
  const loadedBy = (await h.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`)).rows[0]!.id;
  await replaceYear(h.pool, { year: 2092, ...notice, loadedBy });
  const office = await h.as('admin');
  const again = await office.request('PUT', '/api/calendar/2092', noticeOf(2092));
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ changed: false, finished: true });
  expect(again.body.stepsSignalled).toBeGreaterThanOrEqual(ids.length);
  const after = await waitFor(async () => {
    const rows = await Promise.all(ids.map(stepRow));
    return rows.every((r, i) => r.last_day !== before[i]!.last_day && !r.deadline_provisional) ? rows : undefined;
  }, { what: 'every deadline moved' });
  expect(new Set(after.map((r) => r.last_day)).size).toBe(1);
  const changes = await h.pool.query(`SELECT stream_id FROM audit_log WHERE stream_id = ANY($1) AND action = 'deadline_changed'`, [ids]);
  expect(changes.rows.map((r) => r.stream_id).sort()).toEqual([...ids].sort());
});

it('an attempt cut short goes on after the last step it signalled (its heartbeat), and signals the rest once', async () => {
  await stepsIn(2091, 5);
  const activities = createCalendarLoadActivities({ pool: h.pool, client: () => h.client });
  const input = { year: 2091, reason: '2091年工作日安排更新：测试' };
  let last: unknown;
  const first = new MockActivityEnvironment();
  let beats = 0;
  first.on('heartbeat', (d: unknown) => {
    last = structuredClone(d); // as Temporal keeps it: a copy, not the attempt's live object
    if (++beats === 2) throw new Error('the worker died');
  });
  await expect(first.run(activities.moveOpenDeadlines, input)).rejects.toThrow('the worker died');
  expect(last).toMatchObject({ stepsSignalled: 2 });

  const second = new MockActivityEnvironment({ heartbeatDetails: structuredClone(last) });
  const signalledAgain: string[] = [];
  second.on('heartbeat', (d: { stepsAfter: string; supplementsDone: boolean }) => {
    if (!d.supplementsDone) signalledAgain.push(d.stepsAfter);
  });
  const done = (await second.run(activities.moveOpenDeadlines, input)) as { stepsSignalled: number };
  expect(done.stepsSignalled).toBeGreaterThanOrEqual(5);
  // Neither of the first attempt's two steps is signalled again: the second signals the other three.
  expect(signalledAgain).toHaveLength(3);
  expect(signalledAgain.filter((id) => id <= (last as { stepsAfter: string }).stepsAfter)).toEqual([]);
});

it('a parent’s 补正 deadline follows the calendar: moved, recorded with the reason, the parent told', async () => {
  const parent = await h.newUser('applicant');
  const appNo = await submitApplication(parent);
  const edu = await h.as('edu');
  await waitFor(async () => (await edu.get(`/api/steps/${appNo}.pre_review`)).status === 200, { what: 'the pre-review step' });
  // 20 working days from today (December 2026) ends in January 2027, which is provisional until loaded.
  const asked = await edu.post(`/api/applications/${appNo}/supplement-requests`, { items: ['租房合同备案证明'], workingDays: 20 });
  expect(asked.status).toBe(200);
  const oldDeadline = (await parent.get(`/api/applications/${appNo}`)).body.supplement.deadlineAt as string;
  expect(oldDeadline.startsWith('2027-')).toBe(true);

  const office = await h.as('admin');
  const offDays = ['2027-01-01', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08'].map((date) => ({ date, name: date === '2027-01-01' ? '元旦' : '测试假日' }));
  const loaded = await office.request('PUT', '/api/calendar/2027', { notice: '国务院办公厅关于2027年部分节假日安排的通知（测试）', offDays, workDays: [], confirmUnusual: true });
  expect(loaded.status).toBe(200);
  expect(loaded.body.supplementsSignalled).toBeGreaterThanOrEqual(1);

  const moved = await waitFor(async () => {
    const r = await h.pool.query(`SELECT details FROM audit_log WHERE stream_id = $1 AND action = 'supplement_deadline_moved'`, [appNo]);
    return r.rows[0]?.details as { from: string; to: string; reason: string } | undefined;
  }, { what: 'the 补正 deadline moved' });
  expect(moved.from).toBe(oldDeadline);
  expect(Date.parse(moved.to)).toBeGreaterThan(Date.parse(oldDeadline));
  expect(moved.reason).toContain('2027年工作日安排更新');
  const view = await parent.get(`/api/applications/${appNo}`);
  expect(view.body.supplement.deadlineAt).toBe(moved.to);
  const notes = await parent.get('/api/notifications');
  expect(notes.body.items.map((n: { title: string }) => n.title)).toContain(`补正期限已调整（申请编号 ${appNo}）`);
});
