/**
 * A scheduled progress report that cannot be made (issue 23): before, it retried for ever and its schedule skipped
 * every later run. Now the run fails, the supervision office and the administrator are told, and the schedule's next
 * run is made as usual. The report activity is made to fail for the first run only, on a worker of this file's own.
 */
import crypto from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { encryptedDataConverter } from '../../platform/payload-codec';
import { TEST_PAYLOAD_KEYS, TEST_PERSONAL_DATA_KEY, startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

let h: Harness;
let worker: Worker;
let connection: NativeConnection;
let running: Promise<void>;
const taskQueue = `report-failure-${crypto.randomUUID()}`;
let failuresLeft = 1;

beforeAll(async () => {
  h = await startHarness();
  const activities = createActivities({ pool: h.pool, personalDataKey: TEST_PERSONAL_DATA_KEY });
  worker = await Worker.create({
    connection: (connection = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS })),
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS),
    activities: {
      ...activities,
      // What an error in the data or the code looks like to the workflow: the same failure on every attempt.
      async generateProgressReport(input: Parameters<typeof activities.generateProgressReport>[0]) {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw ApplicationFailure.nonRetryable('Maximum call stack size exceeded', 'RangeError');
        }
        return activities.generateProgressReport(input);
      },
    },
  });
  running = worker.run();
});
afterAll(async () => {
  worker.shutdown();
  await running;
  await connection.close();
  await h.stop();
});

const failureNotices = async (since: Date) =>
  (await h.pool.query(`SELECT recipient_role, title, body FROM notifications WHERE dedupe_key LIKE 'report-failed:%' AND created_at >= $1 ORDER BY recipient_role`, [since])).rows;

it('a failed scheduled report is told to the office and the administrator, and the next scheduled run still runs', async () => {
  const since = new Date(Date.now() - 1000);
  const scheduleId = `report-failure-${crypto.randomUUID().slice(0, 8)}`;
  const schedule = await h.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '5 seconds' }] },
    action: { type: 'startWorkflow', workflowType: 'progressReportWorkflow', taskQueue, args: [{ kind: 'weekly', trigger: 'schedule' }], workflowId: `${scheduleId}-run` },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  });
  try {
    // The first run fails, and says so to the people who can act on it.
    const notices = await waitFor(async () => {
      const rows = await failureNotices(since);
      return rows.length === 2 ? rows : undefined;
    }, { what: 'the failure notices', timeoutMs: 60_000 });
    expect(notices.map((n) => n.recipient_role)).toEqual(['admin', 'supervisor']);
    for (const n of notices) expect(n.title).toBe('周报生成失败（定时生成）');
    expect(notices[1].body).toContain('下一期周报仍将按时生成');
    expect(notices[1].body).not.toMatch(/[A-Za-z]{4,}/); // the office is told in Chinese; the technical reason is the administrator's
    expect(notices[0].body).toContain('Maximum call stack size exceeded');

    // The schedule goes on: a later run is made and completes.
    const done = await waitFor(async () => {
      const d = await schedule.describe();
      const ids = d.info.recentActions.map((a) => a.action.workflow.workflowId);
      for (const id of ids) {
        const status = (await h.client.workflow.getHandle(id).describe()).status.name;
        if (status === 'COMPLETED') return { ids, status };
      }
      return undefined;
    }, { what: 'a later scheduled run to complete', timeoutMs: 90_000 });
    const statuses = await Promise.all(done.ids.map(async (id) => (await h.client.workflow.getHandle(id).describe()).status.name));
    expect(statuses[0]).toBe('FAILED');
    expect(statuses).toContain('COMPLETED');
  } finally {
    await schedule.delete();
  }
});
