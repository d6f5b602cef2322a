/**
 * The README's first line, exercised for real: `scripts/start.ts` brings up the embedded PostgreSQL and Temporal,
 * the worker and the API; Ctrl-C (SIGINT) stops all of it; starting again over the same data folder keeps both the
 * workflows Temporal was running and the rows PostgreSQL held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../support/ports';

const ROOT = path.join(__dirname, '..', '..');
jest.setTimeout(300_000);

interface Started {
  child: ChildProcess;
  output: string[];
}

function startService(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${output.join('')}`)), 240_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes('[start] press Ctrl-C to stop')) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code} before ready:\n${output.join('')}`));
    });
  });
}

function stopService(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGINT');
  });
}

function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function login(api: string): Promise<string> {
  const r = await fetch(`${api}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'demo12345' }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}

it('starts everything, stops on Ctrl-C, and keeps workflows and data across a restart', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrollment-start-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    API_PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    POSTGRES_PORT: String(ports.pg),
    LOG_LEVEL: 'warn',
  };
  const api = `http://127.0.0.1:${ports.api}`;

  const first = await startService(env);
  let parkedId: string;
  let roundTripId: string;
  try {
    const printed = first.output.join('');
    expect(printed).toContain(`Temporal UI  http://127.0.0.1:${ports.ui}`);
    expect(printed).toMatch(/demo users[\s\S]*police\s+officer \/ police/);

    expect((await fetch(`${api}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);

    // A workflow that is still running at the stop: nobody polls its task queue.
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    const client = new Client({ connection });
    parkedId = `parked-${Date.now()}`;
    await client.workflow.start('diagnosticsRoundTripWorkflow', {
      taskQueue: 'parked-no-worker',
      workflowId: parkedId,
      args: [{ id: 'parked', message: 'parked', requestedBy: null }],
    });
    await connection.close();

    const token = await login(api);
    const r = await fetch(`${api}/api/diagnostics/round-trips`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ message: 'before restart' }),
    });
    expect(r.status).toBe(201);
    roundTripId = ((await r.json()) as { id: string }).id;
  } finally {
    expect(await stopService(first)).toBe(0);
  }
  expect(first.output.join('')).toContain('[start] stopped');
  for (const port of Object.values(ports)) expect(await portClosed(port)).toBe(true);

  const second = await startService(env);
  try {
    expect((await fetch(`${api}/health`)).status).toBe(200);
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    const client = new Client({ connection });
    const parked = client.workflow.getHandle(parkedId);
    expect((await parked.describe()).status.name).toBe('RUNNING');
    await parked.terminate('test finished');
    await connection.close();

    const token = await login(api);
    const r = await fetch(`${api}/api/diagnostics/round-trips/${roundTripId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ id: roundTripId, message: 'before restart' });
  } finally {
    expect(await stopService(second)).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
