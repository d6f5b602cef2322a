/**
 * Recorder of the replay gate (scripts/record-histories.ts) for the allocation round: three children of one community
 * for two public seats, the round, a no-show whose seat goes to the waitlisted child, a check-in, and the round
 * closed. Also records the application paths that end in a no-show and in a waitlist move.
 */
import crypto from 'node:crypto';
import { makeApplicationWorkflowId } from '../../contracts/application';
import { upsertPolicy } from '../../db/repositories/applications';
import { DEMO_POINTS_RULES } from '../../domain/points';
import { applicationForm } from '../support/application-fixtures';
import type { Api, Harness } from '../support/harness';
import { waitFor } from '../support/wait';

type Save = (h: Harness, workflowId: string, name: string) => Promise<void>;

export async function upload(h: Harness, admin: Api, kind: string, csv: string): Promise<void> {
  const res = await fetch(`${h.baseUrl}/api/school-data/${kind}/imports?fileName=${kind}.csv`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  if (res.status !== 201) throw new Error(`${kind} import refused: ${await res.text()}`);
}

export async function toPool(h: Harness, district: string, permitMonths: number): Promise<{ parent: Api; appNo: string }> {
  const parent = await h.newUser('applicant');
  const appNo = (await parent.post('/api/applications', applicationForm({ district, year: 2027 }))).body.applicationNumber as string;
  const complete = async (username: string, part: string, facts: Record<string, unknown>) => {
    const api = await h.as(username);
    const stepId = `${appNo}.${part}`;
    await waitFor(async () => (await api.get(`/api/steps/${stepId}`)).status === 200);
    await api.post(`/api/steps/${stepId}/complete`, { outcome: 'confirmed', findings: '属实', facts });
  };
  await complete('edu', 'pre_review', {});
  await complete('police', 'police', { valid: true, months: permitMonths });
  await complete('hrss', 'hrss', { employed: true, insuranceMonths: 0 });
  await complete('housing', 'housing', { rentalRegistered: true, communityResidenceProof: true });
  await waitFor(async () => (await parent.get(`/api/applications/${appNo}`)).body.state === 'in_pool', { timeoutMs: 60_000 });
  return { parent, appNo };
}

/** A district of the test's own for primary 1 in 2027, admitting on the residence permit alone, with the demo points. */
export async function permitOnlyPolicy(h: Harness, district: string, districtNameZh: string): Promise<void> {
  await upsertPolicy(h.pool, {
    district, districtNameZh, year: 2027, stage: 'primary_1',
    eligibility: { regime: { kind: 'permit_only' }, basisZh: districtNameZh },
    pointsRules: { basisZh: DEMO_POINTS_RULES.basisZh, rules: DEMO_POINTS_RULES.rules }, checklist: [], notesZh: null,
  });
}

export async function recordAllocationRoundHistories(h: Harness, save: Save): Promise<void> {
  const d = `rec${crypto.randomBytes(3).toString('hex')}`;
  await permitOnlyPolicy(h, d, '录制区');
  const admin = await h.as('admin');
  await upload(h, admin, 'schools', `学校代码,学校名称,区县代码,办学性质,学段\n${d}-p1,录制第一小学,${d},公办,小学一年级\n${d}-p2,录制第二小学,${d},公办,小学一年级\n`);
  await upload(h, admin, 'seats', `学校代码,年度,学段,招生学位数,政府购买学位数,购买单价（元/生·年）\n${d}-p1,2027,小学一年级,1,,\n${d}-p2,2027,小学一年级,1,,\n`);
  await upload(h, admin, 'catchments', `区县代码,学段,街道（乡镇）,社区（村）,划片学校代码\n${d},小学一年级,演示街道,幸福社区,${d}-p1\n`);
  await upload(h, admin, 'distances', `学校代码,相邻学校代码,距离（公里）\n${d}-p1,${d}-p2,1.2\n`);
  const [a, b, c] = [await toPool(h, d, 60), await toPool(h, d, 48), await toPool(h, d, 24)];

  const edu = await h.as('edu');
  const roundId = (await edu.post('/api/allocation-rounds', { district: d, year: 2027, stage: 'primary_1' })).body.roundId as string;
  await waitFor(async () => (await edu.get(`/api/allocation-rounds/${roundId}`)).body.phase === 'check_in', { timeoutMs: 60_000 });
  const p1 = await h.newUser('school', { schoolId: `${d}-p1` });
  const p2 = await h.newUser('school', { schoolId: `${d}-p2` });
  await waitFor(async () => (await a.parent.get(`/api/applications/${a.appNo}`)).body.state === 'placed');
  await p1.post(`/api/applications/${a.appNo}/check-in`, { result: 'no_show' });
  await waitFor(async () => (await c.parent.get(`/api/applications/${c.appNo}`)).body.state === 'placed', { timeoutMs: 60_000 });
  await waitFor(async () => (await b.parent.get(`/api/applications/${b.appNo}`)).body.state === 'placed');
  await p2.post(`/api/applications/${b.appNo}/check-in`, { result: 'checked_in' });
  await p1.post(`/api/applications/${c.appNo}/check-in`, { result: 'checked_in' });
  await edu.post(`/api/allocation-rounds/${roundId}/close`, {});
  await save(h, roundId, 'no-show-moves-waitlist-closed');
  await save(h, makeApplicationWorkflowId(a.appNo), 'placed-no-show');
  await save(h, makeApplicationWorkflowId(c.appNo), 'waitlisted-then-placed-enrolled');
}
