/**
 * The replay gate: recorded histories of every workflow type, made by the current code (scripts/record-histories.ts),
 * replayed against today's workflow code. A change that would break workflows already running in production —
 * a reordered activity, a removed timer, a renamed signal — fails here, in CI, before it ships. To change workflow
 * code safely, see "Changing workflow code" in ARCHITECTURE.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { encryptedDataConverter } from '../../platform/payload-codec';
import { TEST_PAYLOAD_KEYS } from '../support/harness';
import { tasksWithConcurrentArrivals } from '../support/concurrency';

const DIR = path.join(__dirname, 'histories');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.history.pb')).sort() : [];

it('has recorded histories of every workflow type', () => {
  const types = new Set(files.map((f) => f.split('--')[0]));
  // Read the names from the index rather than importing workflow code outside its sandbox.
  const index = fs.readFileSync(path.join(__dirname, '..', '..', 'workflows', 'index.ts'), 'utf8');
  const exported = [...index.matchAll(/export \{ (\w+) \}/g)].map((m) => m[1]!);
  expect([...types].sort()).toEqual(exported.sort());
});

// Every workflow type that officers act on holds, in the gate, a history whose tasks met several acts at once (or an
// act beside a signal or a timer): the shape that did not replay before application-one-lane.
it.each(['applicationWorkflow', 'departmentStepWorkflow', 'problemWorkflow', 'allocationRoundWorkflow', 'responsibilityItemWorkflow'])('%s has a recorded history with acts that arrived in one workflow task', (type) => {
  const concurrent = files
    .filter((f) => f.startsWith(`${type}--`))
    .filter((f) => tasksWithConcurrentArrivals(temporal.api.history.v1.History.decode(fs.readFileSync(path.join(DIR, f)))) > 0);
  expect(concurrent.length).toBeGreaterThan(0);
});

let replayed = 0;
afterAll(() => {
  const types = new Set(files.map((f) => f.split('--')[0])).size;
  process.stdout.write(`replay: ${replayed} of ${files.length} recorded histories of ${types} workflow types replayed without nondeterminism\n`);
});

describe.each(files)('%s', (file) => {
  it('replays against the current workflow code without nondeterminism', async () => {
    const history = temporal.api.history.v1.History.decode(fs.readFileSync(path.join(DIR, file)));
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS) }, history, file);
    replayed += 1;
  });
});
