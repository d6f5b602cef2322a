/**
 * A whole allocation round on the real servers, through the API as the bureau, parents, schools and finance use it:
 * schools loaded from spreadsheets, four children brought to the pool, a what-if, the round (catchment, adjusted,
 * purchased, waitlisted), results on the parents' application pages, a no-show whose seat goes to the waitlisted
 * child, a check-in, the finance record of the purchased seat, the numbers, and closing the round.
 */
import crypto from 'node:crypto';
import { upsertPolicy } from '../../db/repositories/applications';
import { DEMO_POINTS_RULES } from '../../domain/points';
import { applicationForm } from '../support/application-fixtures';
import { applicationStep } from '../support/applications';
import { startHarness, type Api, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

// A district of this test's own, so other test files' applications never enter its pool.
const D = `rt${crypto.randomBytes(3).toString('hex')}`;
const P1 = `${D}-p1`;
const P2 = `${D}-p2`;
const R1 = `${D}-r1`;

async function upload(admin: Api, kind: string, csv: string) {
  const res = await fetch(`${h.baseUrl}/api/school-data/${kind}/imports?fileName=${kind}.csv`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  expect({ kind, status: res.status, body: res.status === 201 ? null : await res.text() }).toEqual({ kind, status: 201, body: null });
}

const stepOf = applicationStep;

async function stateOf(api: Api, appNo: string, state: string) {
  return waitFor(
    async () => {
      const r = await api.get(`/api/applications/${appNo}`);
      return r.body.state === state ? r.body : undefined;
    },
    { what: `application ${appNo} to reach ${state}`, timeoutMs: 60_000 },
  );
}

/** Submit, pass pre-review and the three verifications; residence-permit months decide the points (2 per year). */
async function toPool(permitMonths: number, district = D): Promise<{ parent: Api; appNo: string }> {
  const parent = await h.newUser('applicant');
  const r = await parent.post('/api/applications', applicationForm({ district, year: 2027 }));
  expect(r.status).toBe(201);
  const appNo = r.body.applicationNumber as string;
  const edu = await h.as('edu');
  const pre = await stepOf(edu, appNo, 'pre_review');
  expect((await edu.post(`/api/steps/${pre}/complete`, { outcome: 'confirmed', findings: '材料齐全' })).status).toBe(200);
  const facts: Record<string, Record<string, unknown>> = {
    police: { valid: true, months: permitMonths },
    hrss: { employed: true, insuranceMonths: 0 },
    housing: { rentalRegistered: true, communityResidenceProof: true },
  };
  for (const dept of Object.keys(facts)) {
    const officer = await h.as(dept);
    const stepId = await stepOf(officer, appNo, dept);
    expect((await officer.post(`/api/steps/${stepId}/complete`, { outcome: 'confirmed', findings: '经核验属实', facts: facts[dept] })).status).toBe(200);
  }
  await stateOf(parent, appNo, 'in_pool');
  return { parent, appNo };
}

async function policy(district: string) {
  await upsertPolicy(h.pool, {
    district,
    districtNameZh: '统筹测试区',
    year: 2027,
    stage: 'primary_1',
    eligibility: { regime: { kind: 'permit_only' }, basisZh: '测试：凭居住证入学' },
    pointsRules: { basisZh: DEMO_POINTS_RULES.basisZh, rules: DEMO_POINTS_RULES.rules },
    checklist: [],
    notesZh: null,
  });
}

/** Three schools of a district: P1 (the community's catchment school) and P2 with one seat each, R1 with one purchasable seat. */
async function schools(admin: Api, district: string) {
  const [p1, p2, r1] = [`${district}-p1`, `${district}-p2`, `${district}-r1`];
  await upload(admin, 'schools', `学校代码,学校名称,区县代码,办学性质,学段\n${p1},测试第一小学,${district},公办,小学一年级\n${p2},测试第二小学,${district},公办,小学一年级\n${r1},测试明德民办学校,${district},民办,小学一年级\n`);
  await upload(admin, 'seats', `学校代码,年度,学段,招生学位数,政府购买学位数,购买单价（元/生·年）\n${p1},2027,小学一年级,1,,\n${p2},2027,小学一年级,1,,\n${r1},2027,小学一年级,30,1,8000\n`);
  await upload(admin, 'catchments', `区县代码,学段,街道（乡镇）,社区（村）,划片学校代码\n${district},小学一年级,演示街道,幸福社区,${p1}\n`);
  await upload(admin, 'distances', `学校代码,相邻学校代码,距离（公里）\n${p1},${p2},1.2\n${p1},${r1},2\n`);
}

async function roundInCheckIn(edu: Api, district: string) {
  const started = await edu.post('/api/allocation-rounds', { district, year: 2027, stage: 'primary_1' });
  expect(started.status).toBe(201);
  const roundId = started.body.roundId as string;
  const round = await waitFor(
    async () => {
      const r = await edu.get(`/api/allocation-rounds/${roundId}`);
      return r.body.phase === 'check_in' ? r.body : undefined;
    },
    { what: 'the round to publish', timeoutMs: 60_000 },
  );
  return { roundId, round, started: started.body };
}

describe('an allocation round', () => {
  it('places, publishes to parents, moves the waitlist on a no-show, and records purchased seats for finance', async () => {
    await policy(D);
    // ---- Schools from the bureau's spreadsheets: one seat at each public school, one purchasable seat ----
    await schools(await h.as('admin'), D);

    // ---- Four children of the same community; 60, 48, 36, 24 months of residence permit rank them A > B > C > D ----
    const [a, b, c, d] = await Promise.all([toPool(60), toPool(48), toPool(36), toPool(24)]);

    // ---- What-if before the round: the catchment school is three seats short; nothing is published ----
    const edu = await h.as('edu');
    const whatIf = await edu.post('/api/allocation/what-if', { district: D, year: 2027, stage: 'primary_1' });
    expect(whatIf.status).toBe(200);
    expect(whatIf.body.schools.find((s: any) => s.schoolId === P1)).toMatchObject({ demand: 4, seats: 1, shortfall: 3, wouldPlace: 1 });
    expect(whatIf.body.stages[0].numbers).toMatchObject({ applicants: 4, placed: 3, unplaced: 1, purchasedSeats: 1, purchasedCost: 8000 });
    expect((await a.parent.get(`/api/applications/${a.appNo}`)).body.state).toBe('in_pool');

    // ---- The round ----
    const { roundId, round, started } = await roundInCheckIn(edu, D);
    expect(roundId).toBe(`allocation-round-${D}-2027-primary_1-1`);
    expect(started.rulesZh.join('')).toContain('政府购买学位');
    // Starting again finds the open round instead of opening a second one.
    const again = await edu.post('/api/allocation-rounds', { district: D, year: 2027, stage: 'primary_1' });
    expect(again.status).toBe(200);
    expect(again.body.roundId).toBe(roundId);
    expect(round.poolSize).toBe(4);
    expect(round.published).toBe(4);
    expect(round.progress).toMatchObject({ phase: 'check_in', placed: 3, unplaced: 1, published: 4, toPublish: 0 });
    expect(round.checkIn.lastDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(round.timeline.map((e: any) => e.action)).toEqual(['round_started', 'pool_frozen', 'allocated', 'results_published']);

    // ---- Results, with reasons, on the parents' own application pages ----
    const seen = async (x: { parent: Api; appNo: string }) => stateOf(x.parent, x.appNo, 'placed');
    const [pa, pb, pc] = await Promise.all([seen(a), seen(b), seen(c)]);
    expect(pa.placement).toMatchObject({ roundId, schoolId: P1, type: 'catchment', schoolNameZh: '测试第一小学', checkInLastDay: round.checkIn.lastDay });
    expect(pa.placement.reasonZh).toContain('划片学校（测试第一小学）有学位，按划片入学');
    expect(pb.placement).toMatchObject({ schoolId: P2, type: 'adjusted' });
    expect(pb.placement.reasonZh).toContain('划片学校测试第一小学学位已满，调剂至就近有学位的测试第二小学');
    expect(pc.placement).toMatchObject({ schoolId: R1, type: 'purchased' });
    expect(pc.placement.reasonZh).toContain('政府购买学位');
    expect(pc.timeline.map((l: any) => l.textZh)).toEqual(expect.arrayContaining([expect.stringContaining('安排学位：测试明德民办学校')]));
    const waiting = await d.parent.get(`/api/applications/${d.appNo}`);
    expect(waiting.body.state).toBe('in_pool');
    const dNotes = await d.parent.get('/api/notifications');
    expect(dNotes.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ title: `学位安排结果：候补（${d.appNo}）`, body: expect.stringContaining('候补') })]));

    // ---- The purchased seat is on the finance bureau's list, and finance was told ----
    const finance = await h.as('finance');
    const seats = await finance.get(`/api/purchased-seats?roundId=${roundId}`);
    expect(seats.status).toBe(200);
    expect(seats.body.items).toEqual([expect.objectContaining({ applicationNumber: c.appNo, schoolId: R1, schoolNameZh: '测试明德民办学校', price: 8000, year: 2027, status: 'active' })]);
    expect(seats.body).toMatchObject({ activeSeats: 1, totalCost: 8000 });
    const financeNotes = await finance.get('/api/notifications');
    expect(financeNotes.body.items.map((n: any) => n.title)).toEqual(expect.arrayContaining([`政府购买学位清单（2027年，${D}区第1轮）`]));

    // ---- A school sees only its own children; P1 records that A did not come ----
    const schoolP1 = await h.newUser('school', { schoolId: P1 });
    const list = await schoolP1.get(`/api/allocation-rounds/${roundId}/placements`);
    expect(list.body.items.map((p: any) => p.applicationNumber)).toEqual([a.appNo]);
    expect((await schoolP1.post(`/api/applications/${b.appNo}/check-in`, { result: 'checked_in' })).status).toBe(404);
    const noShow = await schoolP1.post(`/api/applications/${a.appNo}/check-in`, { result: 'no_show' });
    expect(noShow.status).toBe(200);
    expect(noShow.body.state).toBe('no_show');

    // ---- The freed seat goes to the waitlisted child D, who is told why ----
    const pd = await stateOf(d.parent, d.appNo, 'placed');
    expect(pd.placement).toMatchObject({ roundId, schoolId: P1, type: 'catchment' });
    expect(pd.placement.reasonZh).toContain('划片学校（测试第一小学）有学位释放，按候补排序递补入学');
    const moves = await waitFor(async () => {
      const r = await edu.get(`/api/allocation-rounds/${roundId}/moves`);
      return r.body.items.length === 1 ? r.body.items : undefined;
    });
    expect(moves[0]).toMatchObject({ seq: 1, applicationNumber: d.appNo, fromSchoolId: null, fromType: 'unplaced', toSchoolId: P1, toType: 'catchment', releasedApplication: a.appNo, releaseCause: 'no_show' });
    const audit = await h.pool.query(`SELECT action, details FROM audit_log WHERE stream_id = $1 ORDER BY seq`, [roundId]);
    expect(audit.rows.map((r) => r.action)).toEqual(['round_started', 'pool_frozen', 'allocated', 'results_published', 'seat_released', 'seat_moved']);
    expect(audit.rows[5].details).toMatchObject({ applicationNumber: d.appNo, toSchoolId: P1, releasedApplication: a.appNo });

    // ---- B checks in at P2; the numbers now ----
    const schoolP2 = await h.newUser('school', { schoolId: P2 });
    expect((await schoolP2.post(`/api/applications/${b.appNo}/check-in`, { result: 'checked_in' })).body.state).toBe('enrolled');
    const numbers = await waitFor(async () => {
      const r = await edu.get(`/api/allocation-rounds/${roundId}/numbers`);
      return r.body.numbers?.unplaced === 0 ? r.body : undefined;
    });
    expect(numbers.numbers).toMatchObject({ applicants: 3, placed: 3, unplaced: 0, purchasedSeats: 1, purchasedCost: 8000, publicPlaced: 2 });
    expect(numbers.numbers.targets).toEqual([
      expect.objectContaining({ code: 'placement_100', met: true }),
      expect.objectContaining({ code: 'public_95', met: false, actual: 2 / 3 }),
      expect.objectContaining({ code: 'public_100', met: false }),
    ]);
    expect(numbers.firstResult).toMatchObject({ applicants: 4, placed: 3, unplaced: 1 });
    expect(numbers.finance).toEqual({ purchasedSeats: 1, purchasedCost: 8000 });

    // ---- The bureau closes the round ----
    expect((await finance.post(`/api/allocation-rounds/${roundId}/close`, {})).status).toBe(403);
    const closed = await edu.post(`/api/allocation-rounds/${roundId}/close`, { reason: '报到工作结束' });
    expect(closed.status).toBe(200);
    expect(closed.body.phase).toBe('closed');
    const after = await edu.get(`/api/allocation-rounds/${roundId}`);
    expect(after.body.closedAt).not.toBeNull();
    expect(after.body.timeline.at(-1)).toMatchObject({ action: 'round_closed', actorName: '教育局经办人' });
  });

  it('brings an adjusted child home when a catchment seat is given up, and cancels a withdrawn purchased seat', async () => {
    const E = `rt${crypto.randomBytes(3).toString('hex')}`;
    await policy(E);
    await schools(await h.as('admin'), E);
    const [a, b, c] = await Promise.all([toPool(60, E), toPool(48, E), toPool(36, E)]);
    const edu = await h.as('edu');
    const { roundId } = await roundInCheckIn(edu, E);
    await stateOf(b.parent, b.appNo, 'placed');
    expect((await c.parent.get(`/api/applications/${c.appNo}`)).body.placement).toMatchObject({ schoolId: `${E}-r1`, type: 'purchased' });

    // A gives up the catchment seat: nobody waits for it, so B, adjusted away from home, returns (an update B accepts).
    expect((await a.parent.post(`/api/applications/${a.appNo}/withdraw`, { reason: '已回户籍地入学' })).status).toBe(200);
    const home = await waitFor(async () => {
      const r = await b.parent.get(`/api/applications/${b.appNo}`);
      return r.body.placement?.schoolId === `${E}-p1` ? r.body : undefined;
    }, { what: 'B to return home' });
    expect(home.state).toBe('placed');
    expect(home.placement).toMatchObject({ type: 'catchment' });
    expect(home.placement.reasonZh).toContain('由原安排的测试第二小学转回划片学校就读');
    // P2 no longer has B: its school cannot record B's check-in; P1 can.
    const schoolP2 = await h.newUser('school', { schoolId: `${E}-p2` });
    expect((await schoolP2.post(`/api/applications/${b.appNo}/check-in`, { result: 'checked_in' })).status).toBe(404);
    const schoolP1 = await h.newUser('school', { schoolId: `${E}-p1` });
    expect((await schoolP1.post(`/api/applications/${b.appNo}/check-in`, { result: 'checked_in' })).body.state).toBe('enrolled');

    // C withdraws from the purchased seat: finance no longer pays for it.
    expect((await c.parent.post(`/api/applications/${c.appNo}/withdraw`, { reason: '家长放弃' })).status).toBe(200);
    const finance = await h.as('finance');
    const cancelled = await waitFor(async () => {
      const r = await finance.get(`/api/purchased-seats?roundId=${roundId}`);
      return r.body.items[0]?.status === 'cancelled' ? r.body : undefined;
    }, { what: 'the purchased seat to be cancelled' });
    expect(cancelled).toMatchObject({ activeSeats: 0, totalCost: 0 });
    const moves = (await edu.get(`/api/allocation-rounds/${roundId}/moves`)).body.items;
    expect(moves.map((m: any) => `${m.applicationNumber}:${m.fromSchoolId}->${m.toSchoolId}:${m.toType}:${m.releaseCause}`)).toEqual([`${b.appNo}:${E}-p2->${E}-p1:catchment:withdrawn`]);
    const progress = await waitFor(async () => {
      const r = await edu.get(`/api/allocation-rounds/${roundId}`);
      return r.body.progress?.releases === 2 && r.body.progress.pendingReleases === 0 ? r.body.progress : undefined;
    });
    expect(progress).toMatchObject({ moves: 1, placed: 1, unplaced: 0 });
    expect((await edu.post(`/api/allocation-rounds/${roundId}/close`, {})).status).toBe(200);
  });
});
