/**
 * Records a history of every workflow type from the current code, for the replay gate (test/replay). Run it after a
 * deliberate, safe change to workflow code (see ARCHITECTURE.md, "Changing workflow code"), and commit the files:
 *
 *   npx tsx scripts/record-histories.ts
 *
 * It starts its own throwaway Temporal dev server and PostgreSQL, drives each workflow through its main paths with the
 * real worker and activities, and writes test/replay/histories/<workflowType>--<scenario>.history.pb. Files it does not
 * write are kept: they hold histories of earlier code, which the gate must go on replaying. Options:
 *
 *   --only NAME[,NAME]  record only these groups: diagnostics, step, application, retention, sweep, calendar, report,
 *                       item, problem,
 *                       round, concurrency (test/replay/concurrency-scenarios.ts)
 *   --suffix S          append -S to every scenario name (to keep the previous recording of a changed path)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { expect } from 'expect';
import { makeApplicationWorkflowId, placementSignal } from '../contracts/application';
import { makeStepWorkflowId, stepActionUpdate, type StepAction, type StepInput } from '../contracts/department-step';
import { makeRoundTripWorkflowId } from '../contracts/diagnostics';
import { startEmbeddedPostgres } from '../platform/postgres-server';
import { startTemporalDevServer } from '../platform/temporal-server';
import { createPool } from '../db/pool';
import { prepareDatabase } from '../db/prepare';
import { seedDemoData } from '../db/seed-demo';
import type { Actor } from '../domain/roles';
import { buildWorkflowBundle } from '../worker/create-worker';
import { addCalendarDays, shanghaiDate } from '../domain/working-days';
import { applicationForm } from '../test/support/application-fixtures';
import { startHarness, type Harness } from '../test/support/harness';
import { freePort } from '../test/support/ports';
import { waitFor } from '../test/support/wait';
import { recordProblemHistories, recordResponsibilityItemHistories } from '../test/replay/supervision-recorders';
import { recordAllocationRoundHistories } from '../test/replay/allocation-recorder';
import { CONCURRENCY_SCENARIOS, RACING_TIME_SCALE } from '../test/replay/concurrency-scenarios';

// The scenarios check their outcomes as the tests do (the recorder runs outside Jest).
Object.assign(globalThis, { expect });

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'test', 'replay', 'histories');
const say = (l: string) => process.stdout.write(`[record] ${l}\n`);

const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ONLY = arg('--only')?.split(',');
const SUFFIX = arg('--suffix');

/** Saves the workflow's history once it has closed (or at once, for a scenario that leaves it open). */
async function save(h: Harness, workflowId: string, scenario: string, open = scenario.endsWith('running')): Promise<void> {
  const name = SUFFIX ? `${scenario}-${SUFFIX}` : scenario;
  const handle = h.client.workflow.getHandle(workflowId);
  await waitFor(async () => (await handle.describe()).status.name !== 'RUNNING' || open, { timeoutMs: 60_000, what: `${workflowId} to close` });
  const history = await handle.fetchHistory();
  const type = (await handle.describe()).type;
  // Stored as the protobuf encoding: exact, and independent of JSON conventions between SDK versions.
  const file = path.join(OUT, `${type}--${name}.history.pb`);
  if (fs.existsSync(file)) say(`overwriting ${path.relative(ROOT, file)}`);
  fs.writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
  say(`${path.relative(ROOT, file)} (${history.events?.length ?? 0} events)`);
}

const officer = (departmentCode: string): Actor => ({ userId: `rec-${departmentCode}`, username: departmentCode, displayName: `${departmentCode}经办人`, role: 'officer', departmentCode, schoolId: null });
const supervisor: Actor = { userId: 'rec-supervisor', username: 'supervisor', displayName: '督查室', role: 'supervisor', departmentCode: null, schoolId: null };

async function recordStep(h: Harness): Promise<void> {
  const stepId = `rec-${crypto.randomUUID().slice(0, 8)}`;
  const input: StepInput = {
    stepId, departmentCode: 'police', title: '核验居住证', kind: 'verification', subject: { type: 'standalone', id: stepId },
    deadline: { class: 'ordinary' }, requiresReview: true, createdBy: supervisor, assignedAt: '2026-09-29T02:00:00Z',
  };
  const handle = await h.client.workflow.start('departmentStepWorkflow', { taskQueue: h.taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
  const act = (action: StepAction, actor: Actor) =>
    handle.executeUpdate(stepActionUpdate, { args: [{ action, actor, requestId: crypto.randomUUID() }] });
  await waitFor(async () => (await h.pool.query(`SELECT 1 FROM steps WHERE step_id = $1 AND escalation_level = 3`, [stepId])).rowCount === 1);
  await act({ type: 'sign' }, officer('police'));
  const urged = await act({ type: 'urge', message: '请加快办理', level: 'serious' }, supervisor);
  await act({ type: 'reply_urge', urgeNumber: urged.urgeNumber!, reply: '正在办理' }, officer('police'));
  await act({ type: 'request_extension', workingDays: 2, reason: '需调档' }, officer('police'));
  await act({ type: 'decide_extension', approve: true }, supervisor);
  await act({ type: 'pause', reason: '等待补正' }, officer('police'));
  await act({ type: 'resume' }, officer('police'));
  await act({ type: 'comment', text: '已核实' }, officer('police'));
  await act({ type: 'complete', outcome: 'confirmed', findings: '有效', evidence: [{ name: '居住证', ref: 'x' }] }, officer('police'));
  await act({ type: 'review', decision: 'send_back', feedback: '补充证据' }, supervisor);
  await act({ type: 'complete', outcome: 'confirmed', findings: '有效', evidence: [] }, officer('police'));
  await act({ type: 'review', decision: 'accept', feedback: '' }, supervisor);
  await save(h, handle.workflowId, 'full-lifecycle');
}

async function recordApplication(h: Harness): Promise<void> {
  const parent = await h.newUser('applicant');
  const form = applicationForm({ specialCategories: ['needy_family'] });
  const appNo = (await parent.post('/api/applications', form)).body.applicationNumber as string;
  const edu = await h.as('edu');
  const stepOf = async (part: string) => {
    const id = `${appNo}.${part}`;
    await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [id])).rowCount === 1);
    return id;
  };
  await stepOf('pre_review');
  await edu.post(`/api/applications/${appNo}/supplement-requests`, { items: ['社区居住证明'], workingDays: 3 });
  await parent.post(`/api/applications/${appNo}/supplements`, { note: '已补', materials: [] });
  await edu.post(`/api/steps/${await stepOf('pre_review')}/complete`, { outcome: 'confirmed', findings: '齐全' });
  const facts: Record<string, Record<string, unknown>> = { police: { valid: true, months: 30 }, hrss: { employed: true, insuranceMonths: 24 }, housing: { rentalRegistered: true, communityResidenceProof: true } };
  for (const dept of Object.keys(facts)) {
    const api = await h.as(dept);
    await api.post(`/api/steps/${await stepOf(dept)}/complete`, { outcome: 'confirmed', findings: '属实', facts: facts[dept] });
  }
  await (await h.as('finance')).post(`/api/steps/${await stepOf('aid')}/complete`, { outcome: 'confirmed', findings: '符合', facts: { amount: 800 } });
  await waitFor(async () => (await h.pool.query(`SELECT 1 FROM applications WHERE application_number = $1 AND state = 'in_pool'`, [appNo])).rowCount === 1);
  const handle = h.client.workflow.getHandle(makeApplicationWorkflowId(appNo));
  await handle.signal(placementSignal, { roundId: 'rec-round', schoolId: 'demo-primary-1', schoolNameZh: '示范区第一小学', type: 'catchment', reasonZh: '划片学校有学位' });
  await waitFor(async () => (await h.pool.query(`SELECT 1 FROM applications WHERE application_number = $1 AND state = 'placed'`, [appNo])).rowCount === 1);
  const school = await h.as('school');
  await school.post(`/api/applications/${appNo}/check-in`, { result: 'checked_in' });
  await save(h, handle.workflowId, 'supplement-verify-aid-placed-enrolled');

  const quitter = await h.newUser('applicant');
  const other = (await quitter.post('/api/applications', applicationForm())).body.applicationNumber as string;
  await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [`${other}.pre_review`])).rowCount === 1);
  await quitter.post(`/api/applications/${other}/withdraw`, { reason: '回户籍地' });
  await save(h, makeApplicationWorkflowId(other), 'withdrawn-in-pre-review');
}

async function recordDiagnostics(h: Harness): Promise<void> {
  const id = crypto.randomUUID();
  await h.client.workflow.execute('diagnosticsRoundTripWorkflow', { taskQueue: h.taskQueue, workflowId: makeRoundTripWorkflowId(id), args: [{ id, message: 'replay', requestedBy: null }] });
  await save(h, makeRoundTripWorkflowId(id), 'round-trip');
}

async function recordRetention(h: Harness): Promise<void> {
  const workflowId = `retention-record-${crypto.randomUUID().slice(0, 8)}`;
  await h.client.workflow.execute('retentionPurgeWorkflow', { taskQueue: h.taskQueue, workflowId });
  await save(h, workflowId, 'nothing-due');
}

/** An administrator's load of a provisional year's calendar that moves a step's deadline. */
async function recordCalendarLoad(h: Harness): Promise<void> {
  const year = 2089;
  const stepId = `calendar-record-${crypto.randomUUID().slice(0, 8)}`;
  const input: StepInput = {
    stepId, departmentCode: 'police', title: '核验居住证', kind: 'verification', subject: { type: 'standalone', id: stepId },
    deadline: { class: 'ordinary' }, requiresReview: false, createdBy: supervisor, assignedAt: `${year}-03-01T01:00:00Z`,
  };
  await h.client.workflow.start('departmentStepWorkflow', { taskQueue: h.taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
  await waitFor(async () => (await h.pool.query(`SELECT 1 FROM steps WHERE step_id = $1`, [stepId])).rowCount === 1);
  const workflowId = `calendar-load-record-${crypto.randomUUID().slice(0, 8)}`;
  const loadedBy = (await h.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`)).rows[0]!.id;
  const offDays = [`${year}-03-02`, `${year}-03-03`].map((date) => ({ date, name: '记录用假日' }));
  const result = await h.client.workflow.execute('calendarLoadWorkflow', {
    taskQueue: h.taskQueue, workflowId, args: [{ year, notice: '记录用通知', offDays, workDays: [], loadedBy, confirmedProblems: ['记录用'] }],
  });
  expect(result.stepsSignalled).toBeGreaterThanOrEqual(1);
  await save(h, workflowId, 'moves-a-deadline');

  // An application whose parent has a 补正 deadline when a notice makes its last working days holidays; then withdrawn.
  const parent = await h.newUser('applicant');
  const appNo = (await parent.post('/api/applications', applicationForm())).body.applicationNumber as string;
  await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [`${appNo}.pre_review`])).rowCount === 1);
  await (await h.as('edu')).post(`/api/applications/${appNo}/supplement-requests`, { items: ['社区居住证明'], workingDays: 10 });
  const deadlineAt = (await parent.get(`/api/applications/${appNo}`)).body.supplement.deadlineAt as string;
  const lastDay = shanghaiDate(new Date(Date.parse(deadlineAt) - 1));
  const deadlineYear = Number(lastDay.slice(0, 4));
  const lastDays = [0, -1, -2].map((n) => addCalendarDays(lastDay, n)).filter((d) => d.startsWith(`${deadlineYear}-`));
  await h.client.workflow.execute('calendarLoadWorkflow', {
    taskQueue: h.taskQueue, workflowId: `calendar-load-record-${crypto.randomUUID().slice(0, 8)}`,
    args: [{ year: deadlineYear, notice: '记录用通知', offDays: lastDays.map((date) => ({ date, name: '记录用假日' })), workDays: [], loadedBy, confirmedProblems: ['记录用'] }],
  });
  await waitFor(async () => (await h.pool.query(`SELECT 1 FROM audit_log WHERE stream_id = $1 AND action = 'supplement_deadline_moved'`, [appNo])).rowCount === 1);
  await parent.post(`/api/applications/${appNo}/withdraw`, { reason: '回户籍地' });
  await save(h, makeApplicationWorkflowId(appNo), 'supplement-deadline-moved-by-calendar');
}

/** A sweep after an operator terminated a standalone step: the step is closed in the read model. */
async function recordEndedRunsSweep(h: Harness): Promise<void> {
  const stepId = `sweep-record-${crypto.randomUUID().slice(0, 8)}`;
  const input: StepInput = {
    stepId, departmentCode: 'police', title: '核验居住证', kind: 'verification', subject: { type: 'standalone', id: stepId },
    deadline: { class: 'ordinary' }, requiresReview: false, createdBy: supervisor,
  };
  const handle = await h.client.workflow.start('departmentStepWorkflow', { taskQueue: h.taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
  await waitFor(async () => (await h.pool.query(`SELECT 1 FROM steps WHERE step_id = $1`, [stepId])).rowCount === 1);
  await handle.terminate('记录用：运维终止');
  const workflowId = `ended-runs-sweep-record-${crypto.randomUUID().slice(0, 8)}`;
  const swept = await h.client.workflow.execute('endedRunsSweepWorkflow', { taskQueue: h.taskQueue, workflowId });
  expect(swept.stepsClosed).toBeGreaterThanOrEqual(1);
  await save(h, workflowId, 'terminated-step-closed');
}

/** A scheduled-style run (the period just ended), and an on-demand one for a given period. */
async function recordProgressReport(h: Harness): Promise<void> {
  const scheduled = `progress-report-record-${crypto.randomUUID().slice(0, 8)}`;
  await h.client.workflow.execute('progressReportWorkflow', { taskQueue: h.taskQueue, workflowId: scheduled, args: [{ kind: 'weekly', trigger: 'schedule' }] });
  await save(h, scheduled, 'scheduled-weekly');
  const onDemand = `progress-report-record-${crypto.randomUUID().slice(0, 8)}`;
  const period = { kind: 'monthly', label: '2026-10', labelZh: '2026年10月', startsAt: '2026-09-30T16:00:00.000Z', endsAt: '2026-10-31T16:00:00.000Z', asOf: '2026-10-31T16:00:00.000Z', complete: true, reportId: 'monthly-2026-10' };
  await h.client.workflow.execute('progressReportWorkflow', { taskQueue: h.taskQueue, workflowId: onDemand, args: [{ kind: 'monthly', period, trigger: 'on_demand', requestedBy: '督查室' }] });
  await save(h, onDemand, 'on-demand-monthly');
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'record-histories-'));
  const pg = await startEmbeddedPostgres({ dataDir: tmp, port: await freePort(), database: 'record' });
  const temporal = await startTemporalDevServer({ port: await freePort(), uiPort: await freePort(), namespace: 'default', toolsDir: path.join(ROOT, '.tools'), cliPath: process.env.TEMPORAL_CLI_PATH });
  let h: Harness | undefined;
  try {
    const pool = createPool(pg.url, 2);
    await prepareDatabase(pool);
    await seedDemoData(pool);
    await pool.end();
    const bundle = await buildWorkflowBundle();
    const bundlePath = path.join(tmp, 'bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    Object.assign(process.env, { TEST_DATABASE_URL: pg.url, TEST_TEMPORAL_ADDRESS: temporal.address, TEST_WORKFLOW_BUNDLE: bundlePath });
    h = await startHarness();
    fs.mkdirSync(OUT, { recursive: true });
    for (const [group, recorder] of Object.entries(RECORDERS)) {
      if (!ONLY || ONLY.includes(group)) await recorder(h, save);
    }
  } finally {
    await h?.stop();
    await temporal.stop();
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

type Recorder = (h: Harness, save: (h: Harness, workflowId: string, name: string) => Promise<void>) => Promise<void>;

/** Acts that arrive in one workflow task, on purpose (the time-raced ones on a compressed schedule of their own). */
async function recordConcurrencyHistories(h: Harness): Promise<void> {
  let scaled: Harness | undefined;
  try {
    for (const scenario of CONCURRENCY_SCENARIOS) {
      const on = scenario.timeScaled ? (scaled ??= await startHarness({ timeScaleFactor: RACING_TIME_SCALE })) : h;
      // Most leave their workflow open (an application in the pool): what the gate needs is the tasks they made.
      await save(on, await scenario.run(on), scenario.name, true);
    }
  } finally {
    await scaled?.stop();
  }
}

/** Every workflow type has a recorder here (one scenario or more each); the gate checks each type has a history. */
export const RECORDERS: Record<string, Recorder> = {
  diagnostics: recordDiagnostics,
  step: recordStep,
  application: recordApplication,
  retention: recordRetention,
  sweep: recordEndedRunsSweep,
  calendar: recordCalendarLoad,
  report: recordProgressReport,
  item: recordResponsibilityItemHistories,
  problem: recordProblemHistories,
  round: recordAllocationRoundHistories,
  concurrency: recordConcurrencyHistories,
};

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
