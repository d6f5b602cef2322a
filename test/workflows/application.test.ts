/**
 * Applications on the real servers, through the API as parents and officers use it: pre-review, 补正, parallel
 * verification, eligibility under both regimes, points, aid, withdrawal, and who may see what.
 */
import { startHarness, type Api, type Harness } from '../support/harness';
import { applicationForm } from '../support/application-fixtures';
import { ELIGIBLE_FACTS, applicationStep, submitApplication } from '../support/applications';
import { waitFor } from '../support/wait';
import { findFullIdNumbers } from '../../domain/personal-data';
import { documentPng, uploadAsParent } from '../support/web';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const submit = submitApplication;
const stepOf = applicationStep;

async function stateOf(api: Api, appNo: string, state: string) {
  return waitFor(async () => {
    const r = await api.get(`/api/applications/${appNo}`);
    return r.body.state === state ? r.body : undefined;
  }, { what: `application ${appNo} to reach ${state}` });
}

const FACTS = ELIGIBLE_FACTS;

async function verifyAll(appNo: string, facts: Record<string, Record<string, unknown>> = FACTS) {
  for (const dept of Object.keys(facts)) {
    const officer = await h.as(dept);
    const stepId = await stepOf(officer, appNo, dept);
    const r = await officer.post(`/api/steps/${stepId}/complete`, { outcome: 'confirmed', findings: '经核验属实', facts: facts[dept] });
    expect(r.status).toBe(200);
  }
}

async function passPreReview(appNo: string) {
  const edu = await h.as('edu');
  const stepId = await stepOf(edu, appNo, 'pre_review');
  expect((await edu.post(`/api/steps/${stepId}/complete`, { outcome: 'confirmed', findings: '材料齐全' })).status).toBe(200);
}

describe('an application through manual verification', () => {
  it('goes pre-review → parallel verification → eligibility and points → pool, with a Chinese timeline', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent);
    expect(appNo).toMatch(/^2027-DEMO-\d{6}$/);

    await stateOf(parent, appNo, 'pre_review');
    const first = await waitFor(async () => {
      const r = await parent.get(`/api/applications/${appNo}`);
      return r.body.steps.length === 1 ? r.body : undefined;
    });
    expect(first.holders).toEqual([{ code: 'education', nameZh: '教育局' }]);
    expect(first.steps[0]).toMatchObject({ departmentCode: 'education', light: 'white' });

    await passPreReview(appNo);
    const verifying = await stateOf(parent, appNo, 'verifying');
    await waitFor(async () => (await parent.get(`/api/applications/${appNo}`)).body.steps.length === 4);
    const during = await parent.get(`/api/applications/${appNo}`);
    expect(during.body.holders.map((x: any) => x.code).sort()).toEqual(['housing', 'hrss', 'police']);
    expect(verifying.stateZh).toBe('各部门核验中');

    await verifyAll(appNo);
    const pooled = await stateOf(parent, appNo, 'in_pool');
    expect(pooled.eligibility.eligible).toBe(true);
    expect(pooled.eligibility.rules.every((r: any) => r.passed)).toBe(true);
    // 40 months of permit → 3 full years × 2 = 6; 36 months of insurance → 6 × 0.5 = 3; registered rental 5.
    expect(pooled.points.lines.find((l: any) => l.code === 'residence_permit_years').points).toBe(6);
    expect(pooled.points.lines.find((l: any) => l.code === 'insurance_months').points).toBe(3);
    expect(pooled.points.lines.find((l: any) => l.code === 'rented_housing').points).toBe(5);
    const sum = pooled.points.lines.reduce((acc: number, l: any) => acc + l.tenths, 0);
    expect(sum / 10).toBe(pooled.pointsTotal);
    expect(pooled.pointsTotal).toBe(14);

    const texts = pooled.timeline.map((l: any) => l.textZh);
    expect(texts[0]).toBe('入学申请已提交，教育局受理');
    expect(texts).toEqual(expect.arrayContaining(['预审通过，转各部门核验', '公安局办理完毕：经核验属实', '资格审核通过，积分 14 分，等待统筹安排学位']));
    const notes = await parent.get('/api/notifications');
    expect(notes.body.items.map((n: any) => n.title)).toEqual(expect.arrayContaining([`资格审核通过（${appNo}）`]));
  });
});

describe('补正', () => {
  it('stops the pre-review clock while the parent supplements, then resumes it', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent);
    const edu = await h.as('edu');
    const stepId = await stepOf(edu, appNo, 'pre_review');

    const asked = await edu.post(`/api/applications/${appNo}/supplement-requests`, { items: ['租房合同备案证明'], workingDays: 3 });
    expect(asked.status).toBe(200);
    expect(asked.body.state).toBe('awaiting_supplement');
    const waiting = await parent.get(`/api/applications/${appNo}`);
    expect(waiting.body.supplement.items).toEqual(['租房合同备案证明']);
    const paused = await waitFor(async () => {
      const s = await edu.get(`/api/steps/${stepId}`);
      return s.body.paused ? s.body : undefined;
    });
    expect(paused.light).toBe('grey');

    // Another family cannot answer it; the right one can.
    const stranger = await h.newUser('applicant');
    expect((await stranger.post(`/api/applications/${appNo}/supplements`, { note: 'x' })).status).toBe(404);
    const answered = await parent.post(`/api/applications/${appNo}/supplements`, { note: '已补充备案证明', materials: [] });
    expect(answered.status).toBe(200);
    expect(answered.body.state).toBe('pre_review');
    await waitFor(async () => (await edu.get(`/api/steps/${stepId}`)).body.paused === null);

    const actions = (await h.pool.query(`SELECT action FROM audit_log WHERE stream_id = $1 ORDER BY seq`, [stepId])).rows.map((r) => r.action);
    // Resumed the same day with the days it kept, the deadline usually stays where it was (then no change is logged).
    expect(actions.slice(0, 3)).toEqual(['assigned', 'pause', 'resume']);
    const texts = (await parent.get(`/api/applications/${appNo}`)).body.timeline.map((l: any) => l.textZh);
    expect(texts).toEqual(expect.arrayContaining(['教育局要求补正材料：租房合同备案证明', '已补正材料，恢复审核']));
  });

  it('only the education bureau may ask for it', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent);
    await stateOf(parent, appNo, 'pre_review');
    const police = await h.as('police');
    expect((await police.post(`/api/applications/${appNo}/supplement-requests`, { items: ['x'] })).status).toBe(404);
    const supervisor = await h.as('supervisor');
    expect((await supervisor.post(`/api/applications/${appNo}/supplement-requests`, { items: ['x'] })).status).toBe(403);
  });
});

describe('eligibility regimes', () => {
  it('a family renting without registration fails the strict regime and passes the permit-only one', async () => {
    const strictParent = await h.newUser('applicant');
    const strictApp = await submit(strictParent, { housing: 'rented_unregistered' });
    await passPreReview(strictApp);
    await verifyAll(strictApp, { ...FACTS, housing: { rentalRegistered: false, communityResidenceProof: true } });
    const rejected = await stateOf(strictParent, strictApp, 'rejected');
    const failed = rejected.eligibility.rules.filter((r: any) => !r.passed).map((r: any) => r.code);
    expect(failed).toEqual(['rental_registered']);
    expect(rejected.eligibility.rules.length).toBeGreaterThan(1);

    const ampleParent = await h.newUser('applicant');
    const ampleApp = await submit(ampleParent, { housing: 'rented_unregistered', district: 'demo_ample' });
    await passPreReview(ampleApp);
    await verifyAll(ampleApp, { ...FACTS, housing: { rentalRegistered: false, communityResidenceProof: true } });
    const pooled = await stateOf(ampleParent, ampleApp, 'in_pool');
    expect(pooled.eligibility.rules.map((r: any) => r.code)).toEqual(['residence_permit']);
  });
});

describe('aid for a needy family', () => {
  it('runs a finance step whose decided amount is recorded', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent, { specialCategories: ['needy_family'] });
    await passPreReview(appNo);
    const finance = await h.as('finance');
    const aidStep = await stepOf(finance, appNo, 'aid');
    await verifyAll(appNo);
    await stateOf(parent, appNo, 'in_pool');
    expect((await finance.post(`/api/steps/${aidStep}/complete`, { outcome: 'confirmed', findings: '符合资助条件', facts: { amount: 1000 } })).status).toBe(200);
    const after = await waitFor(async () => {
      const r = await parent.get(`/api/applications/${appNo}`);
      return r.body.timeline.some((l: any) => l.textZh === '财政局审核通过学生资助，每年 1000 元') ? r.body : undefined;
    });
    expect(after.aid).toMatchObject({ granted: true, amount: 1000 });
    expect(after.state).toBe('in_pool');
  });
});

describe('withdrawal', () => {
  it('cancels the open steps and ends the application', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent);
    await passPreReview(appNo);
    await stateOf(parent, appNo, 'verifying');
    const police = await h.as('police');
    const stepId = await stepOf(police, appNo, 'police');
    const r = await parent.post(`/api/applications/${appNo}/withdraw`, { reason: '已回户籍地入学' });
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('withdrawn');
    await waitFor(async () => (await police.get(`/api/steps/${stepId}`)).body.state === 'cancelled');
    expect((await parent.post(`/api/applications/${appNo}/withdraw`, { reason: '再次' })).status).toBe(409);
  });
});

describe('bad input and duplicates', () => {
  it('refuses invalid forms naming the field, creating nothing', async () => {
    const parent = await h.newUser('applicant');
    const count = async () => (await h.pool.query('SELECT count(*)::int AS n FROM applications')).rows[0].n;
    const before = await count();

    const badChecksum = applicationForm();
    badChecksum.child.idNumber = badChecksum.child.idNumber.slice(0, 17) + (badChecksum.child.idNumber[17] === '0' ? '1' : '0');
    const r1 = await parent.post('/api/applications', badChecksum);
    expect(r1.status).toBe(400);
    expect(r1.body.error.fields).toEqual([{ field: 'body.child.idNumber', message: '身份证号校验位错误' }]);

    const badBirth = applicationForm();
    badBirth.child.birthDate = '2019-01-01';
    const r2 = await parent.post('/api/applications', badBirth);
    expect(r2.body.error.fields).toEqual([{ field: 'body.child.birthDate', message: '出生日期与身份证号不一致' }]);

    const unknownDistrict = await parent.post('/api/applications', applicationForm({ district: 'atlantis' }));
    expect(unknownDistrict.status).toBe(400);
    expect(unknownDistrict.body.error.fields[0].field).toBe('body.district');

    const badStage = applicationForm();
    badStage.stage = 'university';
    expect((await parent.post('/api/applications', badStage)).body.error.fields[0].field).toBe('body.stage');

    const notMine = await parent.post('/api/applications', applicationForm({ materials: [{ kind: 'residence_permit', fileId: 'c'.repeat(64), fileName: '居住证.jpg', mediaType: 'image/jpeg', size: 1000 }] }));
    expect(notMine.status).toBe(400);
    expect(notMine.body.error.fields[0].field).toBe('body.materials.0.fileId');

    const tooBig = await parent.post('/api/applications', applicationForm({ materials: [{ kind: 'other', fileId: 'd'.repeat(64), fileName: 'a.pdf', mediaType: 'application/pdf', size: 50 * 1024 * 1024 }] }));
    expect(tooBig.body.error.fields[0].field).toBe('body.materials.0.size');
    const wrongType = await parent.post('/api/applications', applicationForm({ materials: [{ kind: 'other', fileId: 'd'.repeat(64), fileName: 'a.gif', mediaType: 'image/gif', size: 10 }] }));
    expect(wrongType.body.error.fields[0].field).toBe('body.materials.0.mediaType');

    expect(await count()).toBe(before);
  });

  it('the same child submitted twice is the same application; another account gets 409', async () => {
    const parent = await h.newUser('applicant');
    const form = applicationForm();
    const a = await parent.post('/api/applications', form);
    const b = await parent.post('/api/applications', form);
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body).toEqual({ applicationNumber: a.body.applicationNumber, created: false });
    const other = await h.newUser('applicant');
    expect((await other.post('/api/applications', form)).status).toBe(409);
    const rows = await h.pool.query('SELECT count(*)::int AS n FROM applications WHERE application_number = $1', [a.body.applicationNumber]);
    expect(rows.rows[0].n).toBe(1);
  });
});

describe('who sees what', () => {
  it('a parent sees only their own; an officer only their department\'s steps, with ID numbers in full only for verifiers', async () => {
    const parent = await h.newUser('applicant');
    const form = applicationForm();
    const appNo = (await parent.post('/api/applications', form)).body.applicationNumber;
    await passPreReview(appNo);
    const police = await h.as('police');
    await stepOf(police, appNo, 'police');

    const stranger = await h.newUser('applicant');
    expect((await stranger.get(`/api/applications/${appNo}`)).status).toBe(404);
    expect((await stranger.get('/api/applications')).body.items).toEqual([]);

    const own = await parent.get(`/api/applications/${appNo}`);
    expect(own.body.form.child.idNumber).toBe(form.child.idNumber);

    const seenByPolice = await police.get(`/api/applications/${appNo}`);
    expect(seenByPolice.status).toBe(200);
    expect(seenByPolice.body.steps.map((s: any) => s.departmentCode)).toEqual(['police']);
    expect(seenByPolice.body.form.child.idNumber).toBe(form.child.idNumber);

    const supervisor = await h.as('supervisor');
    const seenBySupervisor = await waitFor(async () => {
      const r = await supervisor.get(`/api/applications/${appNo}`);
      return r.body.steps.length === 4 ? r : undefined;
    });
    expect(seenBySupervisor.body.form.child.idNumber).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
    expect(seenBySupervisor.body.form.guardians[0].phone).toBe('138****5678');
    expect(seenBySupervisor.body.steps.map((s: any) => s.departmentCode).sort()).toEqual(['education', 'housing', 'hrss', 'police']);

    const civil = await h.newUser('officer', { departmentCode: 'civil_affairs' });
    expect((await civil.get(`/api/applications/${appNo}`)).status).toBe(404);
    expect((await parent.get('/api/applications')).body.items.map((a: any) => a.applicationNumber)).toEqual([appNo]);

    // At rest the ID and phone numbers are sealed; the stored form has them masked only.
    const raw = await h.pool.query('SELECT form::text AS form, personal_sealed FROM applications WHERE application_number = $1', [appNo]);
    expect(findFullIdNumbers(raw.rows[0].form)).toEqual([]);
    expect(raw.rows[0].form).not.toContain('13812345678');
    expect(raw.rows[0].personal_sealed.toString('latin1')).not.toContain(form.child.idNumber);
  });
});

describe('data sharing first', () => {
  it('verifications the registries confirm complete at once, by the system, with the record as evidence', async () => {
    const parent = await h.newUser('applicant');
    const form = applicationForm({ housing: 'rented_registered' });
    const g = form.guardians[0];
    const imports: Record<string, string> = {
      police: `permit_number,id_number,issue_date,valid_until,community\n${form.residencePermit.number},${g.idNumber},2022-01-10,2030-01-09,幸福社区\n`,
      hrss: `id_number,employer_credit_code,insurance_months,employed\n${g.idNumber},${g.employment.creditCode},48,是\n`,
      housing: `id_number,kind,certificate_or_contract_number,registered\n${g.idNumber},rented,${form.housing.contractNumber},是\n`,
    };
    for (const [dept, csv] of Object.entries(imports)) {
      const officer = await h.as(dept);
      const r = await officer.post(`/api/registries/${dept}/imports`, { fileName: `${dept}.csv`, csv });
      expect({ dept, status: r.status }).toEqual({ dept, status: 201 });
    }
    const appNo = (await parent.post('/api/applications', form)).body.applicationNumber;
    await passPreReview(appNo);

    // Housing's registry confirms the registered rental but not the community's residence proof, which the strict
    // regime also needs: that part still comes from the housing department's officer.
    const police = await h.as('police');
    const policeStep = await stepOf(police, appNo, 'police');
    const detail = await waitFor(async () => {
      const r = await police.get(`/api/steps/${policeStep}`);
      return r.body.state === 'done' ? r.body : undefined;
    });
    expect(detail.outcome).toBe('confirmed');
    expect(detail.evidence[0].ref).toMatch(/^registry:police:/);
    expect(detail.timeline.map((e: any) => [e.action, e.actorRole])).toEqual([['assigned', 'admin'], ['completed', 'admin']]);
    const hrssStep = `${appNo}.hrss`;
    await waitFor(async () => (await (await h.as('hrss')).get(`/api/steps/${hrssStep}`)).body.state === 'done');

    const texts = (await parent.get(`/api/applications/${appNo}`)).body.timeline.map((l: any) => l.textZh);
    expect(texts.some((t: string) => t.startsWith('公安局：通过数据共享自动核验'))).toBe(true);
    const rows = await h.pool.query(`SELECT actor_user_id FROM audit_log WHERE stream_id = $1 AND action = 'completed'`, [policeStep]);
    expect(rows.rows).toEqual([{ actor_user_id: 'system' }]);
  });
});

describe("a family's files", () => {
  it('are read by the departments with a step on the application, and by nobody else who merely knows the file id', async () => {
    const parent = await h.newUser('applicant');
    const seed = Math.floor(Math.random() * 1e6);
    const onForm = await uploadAsParent(h, parent.token!, documentPng(seed));
    const inSupplement = await uploadAsParent(h, parent.token!, documentPng(seed + 1));
    const neverAttached = await uploadAsParent(h, parent.token!, documentPng(seed + 2));
    const appNo = await submit(parent, { materials: [{ kind: 'residence_permit', fileId: onForm.fileId, fileName: '居住证.png', mediaType: 'image/png', size: onForm.size }] });
    const read = async (username: string, fileId: string) => (await (await h.as(username)).get(`/api/materials/${fileId}`)).status;

    // Before verification only the education bureau has a step on the application.
    await stepOf(await h.as('edu'), appNo, 'pre_review');
    expect(await read('edu', onForm.fileId)).toBe(200);
    expect(await read('police', onForm.fileId)).toBe(404);

    const edu = await h.as('edu');
    expect((await edu.post(`/api/applications/${appNo}/supplement-requests`, { items: ['租房合同备案证明'], workingDays: 3 })).status).toBe(200);
    expect((await parent.post(`/api/applications/${appNo}/supplements`, { note: '已补充', materials: [inSupplement.fileId] })).status).toBe(200);
    await waitFor(async () => (await read('edu', inSupplement.fileId)) === 200, { what: 'the 补正 file readable by the education bureau' });
    await passPreReview(appNo);
    await stepOf(await h.as('police'), appNo, 'police');

    for (const fileId of [onForm.fileId, inSupplement.fileId]) {
      expect({ police: await read('police', fileId), housing: await read('housing', fileId) }).toEqual({ police: 200, housing: 200 });
      // Market supervision verifies only self-employed parents' licences: no step here, so not its business.
      expect(await read('market', fileId)).toBe(404);
      expect(await read('supervisor', fileId)).toBe(200);
    }
    // A file on no application is the family's alone (and the offices that oversee everything).
    expect(await read('police', neverAttached.fileId)).toBe(404);
    expect(await read('edu', neverAttached.fileId)).toBe(404);
    expect(await read('admin', neverAttached.fileId)).toBe(200);
    expect((await parent.get(`/api/materials/${neverAttached.fileId}`)).status).toBe(200);
  });
});
