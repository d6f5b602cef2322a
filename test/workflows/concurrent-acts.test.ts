/**
 * Acts that arrive at the same moment (test/replay/concurrency-scenarios.ts), live on the real servers: each scenario
 * reaches what its users expect, the workflow task really met its acts together, and the history the server recorded
 * replays against the same code. Before `application-one-lane`, two departments acting in one workflow task left an
 * application whose history no longer replayed (and whose next workflow task failed for good).
 */
import { CONCURRENCY_SCENARIOS, RACING_TIME_SCALE } from '../replay/concurrency-scenarios';
import { replayHistoryOf, tasksWithConcurrentArrivals } from '../support/concurrency';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let scaled: Harness;
beforeAll(async () => {
  [h, scaled] = await Promise.all([startHarness(), startHarness({ timeScaleFactor: RACING_TIME_SCALE })]);
});
afterAll(async () => {
  await Promise.all([h?.stop(), scaled?.stop()]);
});

describe.each(CONCURRENCY_SCENARIOS.map((s) => [`${s.workflowType}: ${s.name}`, s] as const))('%s', (_title, scenario) => {
  it('reaches its outcome, met its acts in one workflow task, and its history replays', async () => {
    const harness = scenario.timeScaled ? scaled : h;
    const workflowId = await scenario.run(harness);
    const history = await replayHistoryOf(harness.client, workflowId);
    expect(tasksWithConcurrentArrivals(history)).toBeGreaterThanOrEqual(1);
  });
});
