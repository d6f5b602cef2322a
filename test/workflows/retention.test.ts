/** The retention purge on the real servers: personal data of old closed applications goes, the statistics stay. */
import crypto from 'node:crypto';
import { ensureSchedules } from '../../platform/schedules';
import { applicationForm } from '../support/application-fixtures';
import { startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

// The smallest valid PNG: signature, IHDR, IDAT, IEND.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a50000000049454e44ae426082', 'hex');

it('purges a closed application older than the retention period, keeping what statistics need', async () => {
  const parent = await h.newUser('applicant');
  const upload = await fetch(`${h.baseUrl}/api/materials`, { method: 'POST', headers: { 'content-type': 'image/png', authorization: `Bearer ${parent.token}` }, body: Buffer.concat([PNG, crypto.randomBytes(8)]) });
  expect(upload.status).toBeLessThan(300);
  const material = (await upload.json()) as { fileId: string; size: number };
  const form = applicationForm({ materials: [{ kind: 'residence_permit', fileId: material.fileId, fileName: '居住证.png', mediaType: 'image/png', size: material.size }] });
  const appNo = (await parent.post('/api/applications', form)).body.applicationNumber as string;
  await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [`${appNo}.pre_review`])).rowCount === 1);
  expect((await parent.post(`/api/applications/${appNo}/withdraw`, { reason: '回户籍地' })).status).toBe(200);

  // Closed long ago, and a fresh one that must stay untouched.
  await h.pool.query(`UPDATE applications SET updated_at = now() - interval '800 days' WHERE application_number = $1`, [appNo]);
  const result = await h.client.workflow.execute('retentionPurgeWorkflow', { taskQueue: h.taskQueue, workflowId: `retention-test-${crypto.randomUUID()}` });
  expect((result as { purged: number }).purged).toBeGreaterThanOrEqual(1);

  const row = (await h.pool.query('SELECT form, personal_sealed, child_name_masked, state, district, year, purged_at FROM applications WHERE application_number = $1', [appNo])).rows[0];
  expect(row.personal_sealed).toBeNull();
  expect(row.purged_at).not.toBeNull();
  expect(JSON.stringify(row.form)).not.toContain('王小明');
  expect(row.form).toMatchObject({ enrollmentYear: 2027, district: 'demo', stage: 'primary_1', purged: true });
  expect(row).toMatchObject({ state: 'withdrawn', district: 'demo', year: 2027 });
  expect((await h.pool.query('SELECT count(*)::int AS n FROM materials WHERE file_id = $1', [material.fileId])).rows[0].n).toBe(0);
  // The parent still sees that the application existed and how it ended, without the personal data.
  const seen = await parent.get(`/api/applications/${appNo}`);
  expect(seen.body).toMatchObject({ state: 'withdrawn', childName: '（已按保存期限清除）' });
});

it('the daily schedule exists once, however often the worker starts', async () => {
  await ensureSchedules(h.client, h.taskQueue);
  expect(await ensureSchedules(h.client, h.taskQueue)).toEqual([]);
  const schedules: string[] = [];
  for await (const s of h.client.schedule.list()) schedules.push(s.scheduleId);
  expect(schedules.filter((id) => id === 'retention-purge-daily')).toHaveLength(1);
  const described = await h.client.schedule.getHandle('retention-purge-daily').describe();
  expect(described.spec.timezone).toBe('Asia/Shanghai');
});
