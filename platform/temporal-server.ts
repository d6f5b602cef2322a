/**
 * The embedded Temporal: the `temporal server start-dev` dev server with its state in a SQLite file under the data
 * folder, so stopping and starting again loses nothing.
 *
 * Finding the binary, in order: TEMPORAL_CLI_PATH; `temporal` on PATH; the project's tools folder; a build into that
 * folder with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` (later tags carry a `replace` directive that
 * `go install` refuses); last, the SDK's own download, which needs the internet.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface TemporalServerOptions {
  /** Folder for the SQLite state file; undefined keeps the state in memory (tests that need no restart). */
  stateDir?: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Explicit binary path (TEMPORAL_CLI_PATH). */
  cliPath?: string;
  /** Project-local tools folder where a Go build is placed. */
  toolsDir: string;
  log?: (line: string) => void;
}

export interface TemporalServerHandle {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** Locate a usable `temporal` binary, building it with Go when none is found. Returns undefined if all fail. */
export function findOrBuildTemporalCli(opts: { cliPath?: string; toolsDir: string; log?: (l: string) => void }): string | undefined {
  const log = opts.log ?? (() => undefined);
  if (opts.cliPath) {
    if (!isExecutable(opts.cliPath)) throw new Error(`TEMPORAL_CLI_PATH: no executable at ${opts.cliPath}`);
    return opts.cliPath;
  }
  const onPath = whichSync('temporal');
  if (onPath) return onPath;
  const local = path.join(opts.toolsDir, 'bin', 'temporal');
  if (isExecutable(local)) return local;

  if (whichSync('go')) {
    log(`building the Temporal CLI: go install ${TEMPORAL_CLI_MODULE} (the first build takes several minutes)`);
    fs.mkdirSync(path.dirname(local), { recursive: true });
    const built = spawnSync('go', ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: path.dirname(local), GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (built.status === 0 && isExecutable(local)) {
      log(`built ${local}`);
      return local;
    }
    log(`go install failed (exit ${built.status}); falling back to the SDK's download`);
  } else {
    log('no Go toolchain found; falling back to the SDK download of the Temporal CLI (needs internet)');
  }
  return undefined;
}

export async function startTemporalDevServer(opts: TemporalServerOptions): Promise<TemporalServerHandle> {
  const log = opts.log ?? (() => undefined);
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = `http://127.0.0.1:${opts.uiPort}`;
  const searchAttributeArgs = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);

  const cli = findOrBuildTemporalCli(opts);
  if (!cli) return startWithSdkDownload(opts, address, uiUrl, searchAttributeArgs);

  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    ...searchAttributeArgs,
  ];
  if (opts.stateDir) {
    fs.mkdirSync(opts.stateDir, { recursive: true });
    // Write-ahead log instead of SQLite's default rollback journal: a commit appends to the log and syncs it once,
    // instead of creating, syncing and deleting a journal file beside every write. Still synchronous=FULL (SQLite's
    // default), so a committed transaction survives a crash of the process or of the machine. bench/ measured the
    // rollback journal as the dev server's largest cost (half its CPU in the kernel).
    args.push('--db-filename', path.join(opts.stateDir, 'temporal.db'), '--sqlite-pragma', 'journal_mode=wal');
  }
  log(`starting Temporal dev server on ${address} (UI ${uiUrl})${opts.stateDir ? `, state in ${opts.stateDir}` : ''}`);
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  try {
    await waitUntilReady(address, opts.namespace, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`Temporal dev server did not start: ${(err as Error).message}\n${output.join('')}`, { cause: err });
  }
  return { address, uiUrl, stop: () => stopChild(child) };
}

async function startWithSdkDownload(
  opts: TemporalServerOptions,
  address: string,
  uiUrl: string,
  searchAttributeArgs: string[],
): Promise<TemporalServerHandle> {
  // Imported lazily: the testing package is only needed on this last-resort path.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: opts.port,
      ui: true,
      uiPort: opts.uiPort,
      namespace: opts.namespace,
      dbFilename: opts.stateDir ? path.join(opts.stateDir, 'temporal.db') : undefined,
      extraArgs: searchAttributeArgs,
    },
  });
  return { address, uiUrl, stop: () => env.teardown() };
}

async function waitUntilReady(address: string, namespace: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`process exited with code ${exited}`);
    if (await portOpen(address)) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        lastError = err;
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

function portOpen(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM lets the dev server flush its SQLite state; SIGKILL only if it does not stop in time. */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function whichSync(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
