/**
 * worker memory: peak resident set of the service worker while M applications are open, against a bare worker with M
 * open bare workflows, in the same run.
 *
 * - Service: a fresh worker process (the service's own options and cache size) and the API; M applications submitted
 *   through the API by C clients, each waiting until its application is open in pre-review before submitting the next
 *   (M open workflows: an application hosts its steps; 2 M for applications from before that). RSS of the worker
 *   process from /proc every 500 ms, from before the first submission until a settle period after the last one is open.
 * - Baseline: a fresh bare worker; M bareApplicationWorkflow started (C at once) and left waiting; same sampling.
 * RSS is the whole process (V8 heaps, the workflow isolate, the Rust core, buffers): what the operator provisions.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getApplicationQuery } from '../contracts/application';
import { applicationForm } from '../test/support/application-fixtures';
import { benchEnv, loginAs, machine, mapLimit, progress, ratioOf, sampleRss, waitUntil, type BenchEnvOptions, type Machine, type ServiceProcess } from './env';
import { setupDistrict } from './enroll';

const ROOT = path.join(__dirname, '..');

export interface MemoryBenchOptions extends BenchEnvOptions {
  applications?: number;
  concurrency?: number;
  /** Seconds to keep sampling once everything is open. Default 10. */
  settleSeconds?: number;
  out?: string | null;
  log?: (line: string) => void;
}

export interface MemoryFiguresMiB {
  idleMiB: number;
  peakMiB: number;
  /** Kernel high-water mark of the process at the end (VmHWM). */
  hwmMiB: number;
  /** (peak − idle) per open application, KiB. */
  perApplicationKiB: number;
  openWorkflows: number;
  seconds: number;
  cache: number | null;
}

export interface MemoryBenchResult {
  benchmark: 'worker-memory';
  measuredAt: string;
  machine: Machine;
  servers: string;
  params: { applications: number; concurrency: number; settleSeconds: number };
  service: MemoryFiguresMiB;
  baseline: MemoryFiguresMiB;
  ratio: { peak: number; growth: number };
}

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

export async function runMemoryBench(opts: MemoryBenchOptions = {}): Promise<MemoryBenchResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const m = opts.applications ?? 10_000;
  const c = opts.concurrency ?? 32;
  const settle = opts.settleSeconds ?? 10;
  const env = await benchEnv(opts);
  const servers = env.embedded ? 'embedded defaults: Temporal dev server (SQLite state file), embedded PostgreSQL' : `given servers (Temporal ${env.temporalAddress})`;
  log(`worker-memory: ${m} open applications against ${m} open bare workflows`);
  const db = await env.createDatabase('memory');
  await setupDistrict(db.pool, 10);
  const run = crypto.randomBytes(3).toString('hex');
  const queue = `bench-memory-${run}`;
  const bareQueue = `bench-memory-bare-${run}`;

  const idle = async (p: ServiceProcess) => {
    await new Promise((r) => setTimeout(r, 3000));
    return p.memory()?.rssKiB ?? NaN;
  };

  // ---- Service ----
  const api = await env.spawnService({ name: `api-memory-${run}`, role: 'api', databaseUrl: db.url, taskQueue: queue });
  let worker: ServiceProcess | undefined = await env.spawnService({ name: `worker-memory-${run}`, role: 'worker', databaseUrl: db.url, taskQueue: queue, bundlePath: env.serviceBundlePath });
  let service: MemoryFiguresMiB;
  try {
    const baseUrl = `http://127.0.0.1:${api.port}`;
    const parents = await Promise.all(Array.from({ length: c }, (_, i) => loginAs(db.pool, baseUrl, { username: `bench-mem-parent-${i}`, role: 'applicant' })));
    const idleKiB = await idle(worker);
    const rss = sampleRss(worker, 500);
    const t0 = Date.now();
    const p = progress('worker-memory: applications open in pre-review', m, log);
    // Closed loop: each of the C submitters waits until its application is open in pre-review before the next one.
    // Submitting faster than the worker opens them only builds a backlog of first tasks on the dev server, which then
    // drains at a fraction of the rate (measured: 10,000 in 4 minutes, then 1.5-2 opened per second); the figure
    // sought is the worker's memory with M open, not the server's backlog behaviour.
    let last = 0;
    await mapLimit(Array.from({ length: m }, (_, i) => i), c, async (i) => {
      const r = await parents[i % c]!.post('/api/applications', applicationForm({ district: 'bench', year: 2027 }));
      if (r.status !== 201) throw new Error(`submit: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      const appNo = (r.body as { applicationNumber: string }).applicationNumber;
      await waitUntil(
        async () =>
          (await db.pool.query(`SELECT 1 FROM steps WHERE subject_type = 'application' AND subject_id = $1 AND kind = 'pre_review' AND state = 'open'`, [appNo])).rowCount,
        `application ${appNo} open in pre-review`,
        10 * 60_000,
        250,
      );
      p.tick();
      if (Date.now() - last > 15_000) {
        last = Date.now();
        log(`  worker-memory: worker RSS ${mib(worker!.memory()?.rssKiB ?? NaN)} MiB`);
      }
    });
    p.done();
    const open = (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM steps WHERE subject_type = 'application' AND kind = 'pre_review' AND state = 'open'`)).rows[0]!.n;
    if (open < m) throw new Error(`only ${open}/${m} applications open in pre-review`);
    // Steps in workflows of their own, beside the applications' workflows (none when applications host their steps).
    const ownStepWorkflows = (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM steps WHERE subject_type = 'application' AND workflow_id <> 'application-' || subject_id`)).rows[0]!.n;
    await new Promise((r) => setTimeout(r, settle * 1000));
    const s = rss.stop();
    service = {
      idleMiB: mib(idleKiB),
      peakMiB: mib(s.peakKiB),
      hwmMiB: mib(s.hwmKiB),
      perApplicationKiB: Math.round(((s.peakKiB - idleKiB) / m) * 10) / 10,
      openWorkflows: m + ownStepWorkflows,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
      cache: worker.info.maxCachedWorkflows ?? null,
    };
    log(`  worker-memory: service worker idle ${service.idleMiB} MiB, peak ${service.peakMiB} MiB with ${m} applications open (cache ${service.cache} workflows)`);
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
    worker = undefined;
  }

  // ---- Baseline ----
  const bare = await env.spawnService({ name: `bare-memory-${run}`, role: 'bare-worker', databaseUrl: db.url, taskQueue: bareQueue, bundlePath: env.bareBundlePath });
  let baseline: MemoryFiguresMiB;
  try {
    const idleKiB = await idle(bare);
    const rss = sampleRss(bare, 500);
    const t0 = Date.now();
    const p = progress('worker-memory: bare workflows started', m, log);
    const ids = Array.from({ length: m }, (_, i) => `bench-mem-bare-${run}-${i}`);
    await mapLimit(ids, c, async (id, i) => {
      await env.client.workflow.start('bareApplicationWorkflow', { taskQueue: bareQueue, workflowId: id, args: [{ applicationNumber: `2027-BARE-${String(i + 1).padStart(6, '0')}`, completions: 4 }] });
      p.tick();
    });
    p.done();
    // Every workflow has run its first task once the last ones answer a query (a query needs the workflow on a worker).
    await mapLimit(ids.slice(-20), 20, (id) => env.client.workflow.getHandle(id).query(getApplicationQuery).catch(() => undefined));
    await new Promise((r) => setTimeout(r, settle * 1000));
    const s = rss.stop();
    baseline = {
      idleMiB: mib(idleKiB),
      peakMiB: mib(s.peakKiB),
      hwmMiB: mib(s.hwmKiB),
      perApplicationKiB: Math.round(((s.peakKiB - idleKiB) / m) * 10) / 10,
      openWorkflows: m,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
      cache: bare.info.maxCachedWorkflows ?? null,
    };
    log(`  worker-memory: bare worker idle ${baseline.idleMiB} MiB, peak ${baseline.peakMiB} MiB with ${m} bare workflows open`);
  } finally {
    await bare.stop();
    await db.pool.end();
  }

  const result: MemoryBenchResult = {
    benchmark: 'worker-memory',
    measuredAt: new Date().toISOString(),
    machine: machine(),
    servers,
    params: { applications: m, concurrency: c, settleSeconds: settle },
    service,
    baseline,
    ratio: { peak: ratioOf(service.peakMiB, baseline.peakMiB), growth: ratioOf(service.peakMiB - service.idleMiB, baseline.peakMiB - baseline.idleMiB) },
  };
  log(`worker-memory: peak RSS ${service.peakMiB} MiB vs bare ${baseline.peakMiB} MiB (${result.ratio.peak}×); growth ${Math.round((service.peakMiB - service.idleMiB) * 10) / 10} vs ${Math.round((baseline.peakMiB - baseline.idleMiB) * 10) / 10} MiB`);
  if (opts.out !== null) {
    const out = opts.out ?? path.join(ROOT, 'bench', 'results', 'worker-memory.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`written: ${path.relative(ROOT, out)}`);
  }
  return result;
}
