/**
 * Recorders of the replay gate (scripts/record-histories.ts) for the supervision workflows: a responsibility item over
 * one period that continues as new at its boundary (on a compressed schedule), an item with a final deadline taken to
 * its close (progress relayed, the consolidated report sent back and accepted), an item closed while it waits for its
 * first period, and a problem of the ledger around its loop with a reopen.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { makeProblemWorkflowId } from '../../contracts/problem';
import { makeItemWorkflowId } from '../../contracts/responsibility-item';
import { addCalendarDays, shanghaiDate } from '../../domain/working-days';
import { startHarness, type Api, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

type Save = (h: Harness, workflowId: string, name: string) => Promise<void>;

async function newItem(admin: Api, fields: Record<string, unknown>): Promise<string> {
  const policyId = `rec-${crypto.randomUUID().slice(0, 8)}`;
  await admin.post('/api/policies', { policyId, titleZh: '录制用政策', issuingBody: '录制' });
  const r = await admin.post(`/api/policies/${policyId}/items`, {
    number: 1,
    titleZh: '录制用事项',
    leadDepartment: 'health',
    cooperatingDepartments: ['red_cross'],
    leaderInCharge: '副旗长',
    ...fields,
  });
  if (r.status !== 201) throw new Error(`item not created: ${JSON.stringify(r.body)}`);
  return r.body.itemId as string;
}

async function boardRows(api: Api, itemId: string): Promise<{ stepId: string; role: string; period: string }[]> {
  return (await api.get(`/api/board?item=${itemId}`)).body.items;
}

export async function recordResponsibilityItemHistories(h: Harness, save: Save): Promise<void> {
  const admin = await h.as('admin');
  const supervisor = await h.as('supervisor');
  const lead = await h.newUser('officer', { departmentCode: 'health' });
  const coop = await h.newUser('officer', { departmentCode: 'red_cross' });

  // A final deadline far ahead: one period, closed when its report is accepted.
  const finalItem = await newItem(admin, { rhythm: null, finalDeadline: addCalendarDays(shanghaiDate(new Date()), 60) });
  await admin.post(`/api/items/${finalItem}/launch`, {});
  await waitFor(async () => (await boardRows(admin, finalItem)).length === 2, { what: 'the final period' });
  await coop.post(`/api/items/${finalItem}/progress-reports`, { findings: '已开展', period: 'final' });
  await waitFor(async () => (await admin.get(`/api/items/${finalItem}`)).body.timeline.some((e: { action: string }) => e.action === 'progress_reported'));
  await lead.post(`/api/items/${finalItem}/consolidated-reports`, { findings: '汇总', period: 'final' });
  await supervisor.post(`/api/items/${finalItem}/periods/final/review`, { decision: 'send_back', feedback: '补充材料' });
  await lead.post(`/api/items/${finalItem}/consolidated-reports`, { findings: '已补充', period: 'final' });
  await supervisor.post(`/api/items/${finalItem}/periods/final/review`, { decision: 'accept', feedback: '' });
  await save(h, makeItemWorkflowId(finalItem), 'final-deadline-accepted');

  // Launched for the next period and closed while waiting for it.
  const waiting = await newItem(admin, { rhythm: 'monthly' });
  await admin.post(`/api/items/${waiting}/launch`, { startWith: 'next' });
  await waitFor(async () => (await admin.get(`/api/items/${waiting}`)).body.timeline.some((e: { action: string }) => e.action === 'waiting_for_period'));
  await supervisor.post(`/api/items/${waiting}/close`, { reason: '录制' });
  await save(h, makeItemWorkflowId(waiting), 'closed-while-waiting');

  // A weekly item on a compressed schedule (a week lasts 8.4 s): the first run opens a period and continues as new.
  const fast = await startHarness({ timeScaleFactor: 72_000 });
  try {
    const fastAdmin = await fast.as('admin');
    const weekly = await newItem(fastAdmin, { rhythm: 'weekly' });
    await fastAdmin.post(`/api/items/${weekly}/launch`, { startWith: 'next' });
    const handle = fast.client.workflow.getHandle(makeItemWorkflowId(weekly));
    const firstRunId = (await handle.describe()).runId;
    const first = fast.client.workflow.getHandle(makeItemWorkflowId(weekly), firstRunId);
    await waitFor(async () => (await first.describe()).status.name === 'CONTINUED_AS_NEW', { timeoutMs: 60_000, what: 'the first run to continue as new' });
    const history = await first.fetchHistory();
    const file = path.join(__dirname, 'histories', 'responsibilityItemWorkflow--period-then-continue-as-new.history.pb');
    fs.writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
    await (await fast.as('supervisor')).post(`/api/items/${weekly}/close`, { reason: '录制结束' });
  } finally {
    await fast.stop();
  }
}

export async function recordProblemHistories(h: Harness, save: Save): Promise<void> {
  const supervisor = await h.as('supervisor');
  const housing = await h.newUser('officer', { departmentCode: 'housing' });
  const filed = await h.anonymous.post('/api/public/problems', { titleZh: '录制用问题', description: '录制', contactPhone: `139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}` });
  const { problemId, trackingCode } = filed.body as { problemId: string; trackingCode: string };
  const state = async () => (await h.anonymous.get(`/api/public/problems/${trackingCode}`)).body.state as string;
  await waitFor(async () => (await supervisor.get(`/api/problems/${problemId}`)).body.timeline?.length > 0);
  await supervisor.post(`/api/problems/${problemId}/analysis`, { analysis: '分析' });
  await supervisor.post(`/api/problems/${problemId}/assignment`, { departmentCode: 'housing', deadlineClass: 'ordinary', instructions: '办理' });
  for (const round of [1, 2]) {
    const stepId = `${problemId}.handling-${round}`;
    await waitFor(async () => (await housing.get(`/api/steps/${stepId}`)).status === 200);
    await housing.post(`/api/steps/${stepId}/complete`, { outcome: 'done', findings: `第${round}次办理结果` });
    await waitFor(async () => (await state()) === 'feedback');
    await h.anonymous.post(`/api/public/problems/${trackingCode}/rating`, { satisfied: round === 2 });
  }
  await save(h, makeProblemWorkflowId(problemId), 'reopened-then-satisfied');
}
