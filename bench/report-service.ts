/**
 * Renderers of the service benchmarks (enroll-e2e, complete-to-visible, inbox-100k, deadline-storm, worker-memory) for
 * BENCHMARKS.md, in bench/report.ts's conventions: one block per benchmark and size between markers, one table with
 * the figure, the service's value, its baseline measured in the same run, the ratio, and the machine, date and commit.
 */
import type { EnrollBenchResult, VisibleBenchResult } from './enroll';
import type { Distribution, Machine } from './env';
import { machineLine } from './machine';
import type { InboxBenchResult } from './inbox';
import type { StormBenchResult } from './deadline-storm';
import type { MemoryBenchResult } from './worker-memory';

export interface RenderedServiceBlock {
  key: string;
  markdown: string;
}

type Stamped<T> = T & { commit?: string; loadAverage1m?: number };

const num = (n: number | null | undefined, d = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(d));
const int = (n: number) => n.toLocaleString('en-US');
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a !== null && a !== undefined && b && b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : '–');

function table(r: Stamped<{ machine: Machine; measuredAt: string }>, columns: [string, string], rows: [string, string, string, string][]): string[] {
  const machine = machineLine(r.machine);
  const date = r.measuredAt.slice(0, 10);
  const commit = r.commit ?? '(not recorded)';
  return [
    `| figure | ${columns[0]} | ${columns[1]} | ratio | machine | date | commit |`,
    '| --- | ---: | ---: | ---: | --- | --- | --- |',
    ...rows.map(([f, v, b, q]) => `| ${f} | ${v} | ${b} | ${q} | ${machine} | ${date} | ${commit} |`),
  ];
}

const load = (r: { loadAverage1m?: number; machine: Machine }) =>
  r.loadAverage1m !== undefined ? ` Load average (1 min) when the run started: ${r.loadAverage1m} on ${r.machine.nproc} CPUs.` : '';

const latencyRows = (label: string, a: Distribution | null, b: Distribution | null, ps: ('p50' | 'p95' | 'p99')[] = ['p50', 'p95', 'p99']): [string, string, string, string][] =>
  a && b ? ps.map((p) => [`${label} ${p} (ms)`, num(a[p]), num(b[p]), ratio(a[p], b[p])]) : [];

export function renderEnroll(r: Stamped<EnrollBenchResult>): RenderedServiceBlock {
  const s = r.service;
  const b = r.baseline;
  const p = r.params;
  const perApp = (cpu: Record<string, number>, k: string, apps: number) => (cpu[k] === undefined ? null : (cpu[k]! / apps) * 1000);
  // API and PostgreSQL are not on the baseline's path at all: their baseline figure is what they spent idling.
  const cpuKeys: [string, string, string, boolean][] = [
    ['temporal', 'temporal', 'Temporal server', true],
    ['worker', 'bareWorker', 'worker', true],
    ['api', 'api', 'API (not on the baseline path)', false],
    ['postgres', 'postgres', 'PostgreSQL (not on the baseline path)', false],
    ['driver', 'driver', 'load generator', true],
  ];
  const rows: [string, string, string, string][] = [
    ['completed applications per second', num(s.throughput, 2), num(b.throughput, 2), ratio(s.throughput, b.throughput)],
    ['wall time, whole run (s)', num(s.seconds.total), num(b.seconds.total), ratio(s.seconds.total, b.seconds.total)],
    ['— submit and verify (s)', num(s.seconds.verify), num(b.seconds.verify), ratio(s.seconds.verify, b.seconds.verify)],
    ...(p.allocationRound
      ? ([
          ['— allocation round until every child is placed (s)', num(s.seconds.allocate), num(b.seconds.allocate), ratio(s.seconds.allocate, b.seconds.allocate)],
          ['— check-in (s)', num(s.seconds.checkIn), num(b.seconds.checkIn), ratio(s.seconds.checkIn, b.seconds.checkIn)],
        ] as [string, string, string, string][])
      : []),
    ...latencyRows('completion call', s.completion, b.completion),
    ...latencyRows('submission call', s.submission, b.submission, ['p50', 'p95']),
    ...latencyRows('check-in call', s.checkIn, b.checkIn, ['p50', 'p95']),
  ];
  const w = r.perApplication;
  if (w?.service && w.baseline) {
    rows.push(
      ['workflows per application', num(w.service.workflows), num(w.baseline.workflows), ratio(w.service.workflows, w.baseline.workflows)],
      ['workflow tasks per application', num(w.service.workflowTasks), num(w.baseline.workflowTasks), ratio(w.service.workflowTasks, w.baseline.workflowTasks)],
      ['activities per application', num(w.service.activities), num(w.baseline.activities), '–'],
      ['history events per application', num(w.service.historyEvents), num(w.baseline.historyEvents), ratio(w.service.historyEvents, w.baseline.historyEvents)],
      ['history size per application (KiB, payloads encrypted)', num(w.service.historyKiB), num(w.baseline.historyKiB), ratio(w.service.historyKiB, w.baseline.historyKiB)],
    );
  }
  for (const [sk, bk, label, compare] of cpuKeys) {
    const sv = perApp(r.cpu.service, sk, s.completed);
    const bv = perApp(r.cpu.baseline, bk, 2 * b.completed);
    if (sv !== null || bv !== null) rows.push([`CPU per application: ${label} (ms)`, num(sv, 0), num(bv, 0), compare ? ratio(sv, bv) : '–']);
  }
  if (s.workerPeakRssMiB !== null) rows.push(['worker peak RSS during the run (MiB)', num(s.workerPeakRssMiB), '–', '–']);
  const markdown = [
    `### ${int(p.applications)} applications, ${p.concurrency} in flight`,
    '',
    `${r.servers}. Each application: submitted by a parent, pre-reviewed by the education bureau, verified by police, hrss and housing through the API (${p.completionsPerApplication} completion calls)` +
      (p.allocationRound ? ', then one allocation round for all of them and check-in by the schools.' : '; no allocation round in this checkout.') +
      ' Baseline: a bare workflow per application (bench/workflows) receiving the same messages in the same order (start, four completion updates, placement signal, check-in update) straight from the Temporal client, nothing else; two runs, before and after the service run, pooled.' +
      ` Worker cache: ${s.workerCache ?? '–'} workflows.`,
    '',
    ...table(r, ['service', 'baseline'], rows),
    '',
    `Target: at least half the baseline's throughput — ${r.targetMet ? '**met**' : '**not met**'} (${num(r.ratio.throughput, 2)}×). Baseline runs: ${b.throughputs.map((x) => num(x, 2)).join(' and ')} applications/s.` +
      ` CPU seconds over the service run: ${Object.entries(r.cpu.service).map(([k, v]) => `${k} ${num(v)}`).join(', ')}; over both baseline runs: ${Object.entries(r.cpu.baseline).map(([k, v]) => `${k} ${num(v)}`).join(', ')}.` +
      (r.notes.length ? ` ${r.notes.join(' ')}` : '') +
      load(r),
  ].join('\n');
  return { key: `enroll-e2e:${p.applications}`, markdown };
}

export function renderVisible(r: Stamped<VisibleBenchResult>): RenderedServiceBlock {
  const rows: [string, string, string, string][] = [
    ...(['p50', 'p95', 'p99'] as const).map((k): [string, string, string, string] => [`${k} (ms)`, num(r.visible[k]), num(r.inboxRead[k]), ratio(r.visible[k], r.inboxRead[k])]),
    ['samples', int(r.visible.n), int(r.inboxRead.n), '–'],
  ];
  const markdown = [
    `### sampled during enroll-e2e with ${int(r.params.applications)} applications (every ${r.params.visibleEvery}th completion)`,
    '',
    `${r.servers}. From the moment a completion call (POST /api/steps/:id/complete) answers until the officer's inbox filtered to the application (GET /api/steps?state=open,signed,sent_back,awaiting_review&subjectType=application&subjectId=…, the inbox page's search) no longer lists the step, reading it again every 5 ms. Baseline: one read of the same inbox just before the call, while the step is listed — the least any "is it gone yet" can take.`,
    '',
    ...table(r, ['complete-to-visible', 'one inbox read'], rows),
    '',
    `Reads after the response that still listed the step: ${int(r.staleReads)} over ${int(r.visible.n)} samples` +
      (r.staleReads === 0 ? ' — the update answers only once the activity has written the read model, so the first read after the response never lists the step.' : '.') +
      load(r),
  ].join('\n');
  return { key: `complete-to-visible:${r.params.applications}`, markdown };
}

export function renderInbox(r: Stamped<InboxBenchResult>): RenderedServiceBlock {
  const p = r.params;
  const rows: [string, string, string, string][] = [];
  for (const [label, f] of [['inbox', r.inbox], ['overdue list', r.overdue]] as const) {
    rows.push(
      [`${label} p50 (ms)`, num(f.api.p50), num(f.raw.p50), ratio(f.api.p50, f.raw.p50)],
      [`${label} p95 (ms)`, num(f.api.p95), num(f.raw.p95), ratio(f.api.p95, f.raw.p95)],
      [`${label} requests per second, ${p.clients} clients`, num(f.apiPerSecond), num(f.rawPerSecond), ratio(f.apiPerSecond, f.rawPerSecond)],
    );
  }
  const verdict = (label: string, f: InboxBenchResult['inbox']) =>
    `${label}: p95 under 50 ms — ${f.targetP95Under50 ? 'met' : '**not met**'} (${num(f.api.p95)} ms); within 3× the raw query — ${f.targetWithin3x ? 'met' : '**not met**'} (${num(f.ratio.p95, 2)}×); ${num(f.rows, 0)} rows, ${int(f.responseBytes)} bytes per response.`;
  const markdown = [
    `### ${int(p.steps)} open steps, ${p.departments} departments, ${p.clients} concurrent clients`,
    '',
    `${r.servers}. The steps read model of a database of its own, ${num(p.tableMiB)} MiB with its indexes; about ${int(p.overduePerDepartment)} overdue steps per department. Inbox: GET /api/steps?state=open,signed,sent_back,awaiting_review&page=1&pageSize=${p.pageSize} (the inbox page's default); overdue list: GET /api/steps/overdue (its first page of 50 and the total); each client an officer, rotating over the departments, ${p.requestsPerClient} requests per client per endpoint. Baseline: the same repository functions (the same SQL) straight on a pool of the same size, same clients and departments, alternated with the API runs.`,
    '',
    ...table(r, ['API', 'raw SQL'], rows),
    '',
    `${verdict('Inbox', r.inbox)} ${verdict('Overdue list', r.overdue)} Sequential scan on steps: inbox ${r.seqScan.inbox ? '**yes**' : 'no'}, overdue list ${r.seqScan.overdue ? '**yes**' : 'no'}.${load(r)}`,
    '',
    '<details><summary>Plans (EXPLAIN ANALYZE, BUFFERS) of the statements the routes run, and the indexes on steps</summary>',
    '',
    'Inbox, count:',
    '```',
    r.plans.inboxCount,
    '```',
    'Inbox, first page:',
    '```',
    r.plans.inboxPage,
    '```',
    'Overdue list of a department, count:',
    '```',
    r.plans.overdueCount ?? '(not recorded)',
    '```',
    'Overdue list of a department, first page:',
    '```',
    r.plans.overdue,
    '```',
    'Indexes:',
    '```',
    ...r.indexes,
    '```',
    '</details>',
  ].join('\n');
  return { key: `inbox-100k:${p.steps}`, markdown };
}

export function renderStorm(r: Stamped<StormBenchResult>): RenderedServiceBlock {
  const s = r.steps;
  const b = r.bare;
  const rows: [string, string, string, string][] = [
    ...(['p50', 'p95', 'p99', 'max'] as const).map((k): [string, string, string, string] => [`lag, deadline → escalation (audit \`at\`), ${k} (ms)`, num(s.lag[k], 0), num(b.lag[k], 0), ratio(s.lag[k], b.lag[k])]),
    ...(['p50', 'p99'] as const).map((k): [string, string, string, string] => [`lag, deadline → escalation committed (\`recorded_at\`), ${k} (ms)`, num(s.recordedLag[k], 0), num(b.lag[k], 0), ratio(s.recordedLag[k], b.lag[k])]),
    ['last one, after the deadline (s)', num(s.secondsToLastEscalation), num(b.secondsToLast), ratio(s.secondsToLastEscalation, b.secondsToLast)],
    ['creating them (s)', num(s.creationSeconds), num(b.creationSeconds), ratio(s.creationSeconds, b.creationSeconds)],
    ['worker CPU over creation and storm (s)', num(s.cpu.worker), num(b.cpu.bareWorker), ratio(s.cpu.worker, b.cpu.bareWorker)],
    ...(s.cpu.temporal !== undefined ? ([['Temporal server CPU over creation and storm (s)', num(s.cpu.temporal), num(b.cpu.temporal), ratio(s.cpu.temporal, b.cpu.temporal)]] as [string, string, string, string][]) : []),
  ];
  const markdown = [
    `### ${int(r.params.steps)} steps, one deadline instant`,
    '',
    `${r.servers}. ${int(r.params.steps)} department steps (20 departments) whose deadlines all fall on the same instant — the harshest case of "within one minute" (deadline spread ${num(s.deadlineSpreadSeconds)} s): the step worker runs with a time scale ×${r.params.factor} (a working day lasts ${num(86400 / r.params.factor / 60, 0)} min) and every step is assigned at the same virtual instant; the deadline was set ${s.leadSeconds} s ahead after a pilot measured the creation rate. Baseline: the same number of bare timers (bench/workflows bareTimerWorkflow) due at one instant, on the same Temporal server. Worker cache: ${s.workerCache ?? '–'} workflows; worker peak RSS ${num(s.workerPeakRssMiB)} MiB.`,
    '',
    ...table(r, ['steps', 'bare timers'], rows),
    '',
    `Escalations recorded: ${int(s.recorded)} of ${int(r.params.steps)}; steps created after their own deadline: ${int(s.createdLate)}${s.createdLate ? ' (their lag measures creation, not the clock)' : ''}; bare timers started late: ${int(b.createdLate)}. p99 ratio ${num(r.ratio.p99, 2)}× (committed: ${num(r.ratio.recordedP99, 2)}×).${load(r)}`,
  ].join('\n');
  return { key: `deadline-storm:${r.params.steps}`, markdown };
}

export function renderMemory(r: Stamped<MemoryBenchResult>): RenderedServiceBlock {
  const s = r.service;
  const b = r.baseline;
  const rows: [string, string, string, string][] = [
    ['peak RSS while open (MiB)', num(s.peakMiB), num(b.peakMiB), ratio(s.peakMiB, b.peakMiB)],
    ['RSS idle before (MiB)', num(s.idleMiB), num(b.idleMiB), ratio(s.idleMiB, b.idleMiB)],
    ['growth, peak − idle (MiB)', num(s.peakMiB - s.idleMiB), num(b.peakMiB - b.idleMiB), ratio(s.peakMiB - s.idleMiB, b.peakMiB - b.idleMiB)],
    ['growth per open application (KiB)', num(s.perApplicationKiB), num(b.perApplicationKiB), ratio(s.perApplicationKiB, b.perApplicationKiB)],
    ['open workflows', int(s.openWorkflows), int(b.openWorkflows), ratio(s.openWorkflows, b.openWorkflows)],
    ['worker cache: workflows kept in memory at most', s.cache === null ? '–' : int(s.cache), b.cache === null ? '–' : int(b.cache), ratio(s.cache, b.cache)],
    ['opening them (s)', num(s.seconds), num(b.seconds), ratio(s.seconds, b.seconds)],
  ];
  const markdown = [
    `### ${int(r.params.applications)} open applications`,
    '',
    `${r.servers}. A fresh worker process; ${int(r.params.applications)} applications submitted through the API by ${int(r.params.concurrency)} clients, each waiting until its application is open before the next, and left open in pre-review (${int(s.openWorkflows)} open workflows); RSS of the worker process from /proc every 500 ms until ${r.params.settleSeconds} s after the last one was open. Baseline: a fresh bare worker with the same number of open bare workflows (bench/workflows) and the same cache size. Worker cache (maxCachedWorkflows): ${s.cache ?? '–'} — beyond it, workflows leave the worker's memory and are replayed when they next have work.`,
    '',
    ...table(r, ['service worker', 'bare worker'], rows),
    '',
    `Kernel high-water mark (VmHWM) at the end: service ${num(s.hwmMiB)} MiB, bare ${num(b.hwmMiB)} MiB.${load(r)}`,
  ].join('\n');
  return { key: `worker-memory:${r.params.applications}`, markdown };
}

export const SERVICE_SECTION_TITLES: Record<string, string> = {
  'enroll-e2e': '## Enrollment end to end (bench/enroll.ts): throughput and completion latency against bare workflows',
  'complete-to-visible': '## Complete to visible (bench/enroll.ts): from a completion to the inbox no longer listing the step',
  'inbox-100k': '## Inbox and overdue list with 100,000 open steps (bench/inbox.ts): API against the raw query',
  'deadline-storm': '## Deadline storm (bench/deadline-storm.ts): escalation lag against bare timers',
  'worker-memory': '## Worker memory (bench/worker-memory.ts): peak RSS with open applications against bare workflows',
};

export const SERVICE_RENDERERS: Record<string, (r: never) => RenderedServiceBlock> = {
  'enroll-e2e': renderEnroll as (r: never) => RenderedServiceBlock,
  'complete-to-visible': renderVisible as (r: never) => RenderedServiceBlock,
  'inbox-100k': renderInbox as (r: never) => RenderedServiceBlock,
  'deadline-storm': renderStorm as (r: never) => RenderedServiceBlock,
  'worker-memory': renderMemory as (r: never) => RenderedServiceBlock,
};
