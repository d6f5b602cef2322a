/**
 * `docker compose config` needs the Docker client's compose plugin, which this kind of machine does not ship and
 * Debian does not package (only the old Python docker-compose 1.x). When it is missing and Go is present, build it
 * from the Go module proxy into the user's Docker plugin folder (about two minutes, once per machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const COMPOSE_MODULE = 'github.com/docker/compose/v2';
export const COMPOSE_VERSION = 'v2.40.3';

function composeWorks(): boolean {
  const r = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  return r.status === 0;
}

export function ensureComposePlugin(log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  if (composeWorks()) return;
  const go = spawnSync('go', ['version']);
  if (go.status !== 0) return; // the test then fails with its own message naming what is missing
  log(`building the Docker Compose plugin ${COMPOSE_VERSION} with Go (once per machine, about two minutes)`);
  const target = path.join(os.homedir(), '.docker', 'cli-plugins', 'docker-compose');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const env = { ...process.env, GOFLAGS: '-buildvcs=false' };
  const downloaded = execFileSync('go', ['mod', 'download', '-json', `${COMPOSE_MODULE}@${COMPOSE_VERSION}`], { env, cwd: os.tmpdir(), encoding: 'utf8' });
  const modDir = (JSON.parse(downloaded) as { Dir: string }).Dir;
  // The module cache is read-only; build from a writable copy (the module's own go.mod and go.sum pin everything).
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-build-'));
  fs.cpSync(modDir, work, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', work]);
  execFileSync('go', ['build', '-o', target, './cmd'], { cwd: work, env, stdio: 'inherit' });
  fs.rmSync(work, { recursive: true, force: true });
}
