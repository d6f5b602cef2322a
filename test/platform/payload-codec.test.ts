import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { makeStepWorkflowId, type StepInput } from '../../contracts/department-step';
import { ENCRYPTED_ENCODING, EncryptionCodec, parsePayloadKeys } from '../../platform/payload-codec';
import { parseConfig } from '../../platform/config';
import { startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;

describe('the payload codec', () => {
  const payload = defaultPayloadConverter.toPayload({ title: '核验居住证', applicationNumber: '2027-DEMO-000001' });

  it('seals payloads so the data is not readable, and opens them again', async () => {
    const codec = new EncryptionCodec(parsePayloadKeys(key('k1', 1)));
    const [sealed] = await codec.encode([payload]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('2027-DEMO-000001');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ title: '核验居住证', applicationNumber: '2027-DEMO-000001' });
  });

  it('rotates keys: the newest seals, older ones still open what they sealed, an unknown key is an error', async () => {
    const old = new EncryptionCodec(parsePayloadKeys(key('k1', 1)));
    const rotated = new EncryptionCodec(parsePayloadKeys(`${key('k2', 2)},${key('k1', 1)}`));
    const [byOld] = await old.encode([payload]);
    const [byNew] = await rotated.encode([payload]);
    expect(Buffer.from(byNew!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([byOld!]))[0]!)).toMatchObject({ applicationNumber: '2027-DEMO-000001' });
    await expect(old.decode([byNew!])).rejects.toThrow(/key "k2"/);
  });

  it('refuses a tampered payload, and passes through one written before encryption', async () => {
    const codec = new EncryptionCodec(parsePayloadKeys(key('k1', 1)));
    const [sealed] = await codec.encode([payload]);
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow();
    expect(await codec.decode([payload])).toEqual([payload]);
  });

  it('rejects a malformed key setting, naming it', () => {
    expect(() => parseConfig({ PAYLOAD_KEYS: 'k1:short' })).toThrow(/PAYLOAD_KEYS: key "k1" must be 32 bytes/);
    expect(() => parseConfig({ PAYLOAD_KEYS: `${key('a', 1)},${key('a', 2)}` })).toThrow(/PAYLOAD_KEYS: key ids must be unique/);
  });
});

describe('payloads in the Temporal server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('are encrypted in the history the server keeps (what its UI shows)', async () => {
    const marker = `标记-${crypto.randomUUID()}`;
    const stepId = `enc-${crypto.randomUUID()}`;
    const input: StepInput = {
      stepId, departmentCode: 'police', title: marker, kind: 'verification', subject: { type: 'standalone', id: stepId }, deadline: { class: 'urgent' },
      requiresReview: false, createdBy: { userId: 'u', username: 'supervisor', displayName: '督查室', role: 'supervisor', departmentCode: null, schoolId: null },
    };
    await h.client.workflow.start('departmentStepWorkflow', { taskQueue: h.taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
    await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [stepId])).rowCount === 1);
    // Read the history as the server stores it, with a client that has no key.
    const connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
    try {
      const raw = await new Client({ connection }).workflow.getHandle(makeStepWorkflowId(stepId)).fetchHistory();
      const bytes = JSON.stringify(raw);
      expect(bytes).not.toContain(marker);
      const started = raw.events![0]!.workflowExecutionStartedEventAttributes!;
      expect(Buffer.from(started.input!.payloads![0]!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      // The service itself still reads it.
      expect((await h.client.workflow.getHandle(makeStepWorkflowId(stepId)).query('getStep')) as { title: string }).toMatchObject({ title: marker });
    } finally {
      await connection.close();
    }
  });
});
