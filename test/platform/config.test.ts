import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, parseConfig, requireExternalServers } from '../../platform/config';
import { defaultMaxCachedWorkflows } from '../../worker/create-worker';

const ROOT = path.join(__dirname, '..', '..');

describe('configuration', () => {
  it('has embedded defaults when nothing is set', () => {
    const c = parseConfig({}, '/srv/app');
    expect(c).toMatchObject({ API_PORT: 3000, TEMPORAL_PORT: 7233, TEMPORAL_UI_PORT: 8233, dataDir: '/srv/app/data', demoData: true });
    expect(c.TEMPORAL_ADDRESS).toBeUndefined();
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('turns demo data off by default against an external database', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u:p@db:5432/x' }).demoData).toBe(false);
  });

  it('names every invalid variable and its value', () => {
    expect.assertions(4);
    try {
      parseConfig({ API_PORT: 'abc', TEMPORAL_ADDRESS: 'no-port', DATABASE_URL: 'mysql://x' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      expect(text).toMatch(/API_PORT: .*\(got "abc"\)/);
      expect(text).toMatch(/TEMPORAL_ADDRESS: must be host:port/);
      expect(text).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    }
  });

  it('sizes the worker cache from the heap unless told, and refuses a cache too small to work', () => {
    expect(parseConfig({}).WORKER_MAX_CACHED_WORKFLOWS).toBeUndefined();
    expect(parseConfig({ WORKER_MAX_CACHED_WORKFLOWS: '20000' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(20_000);
    expect(() => parseConfig({ WORKER_MAX_CACHED_WORKFLOWS: '5' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
    // 600 KiB per workflow after 200 MiB for the rest of the worker; never below the SDK's floor of 10.
    const MiB = 1024 * 1024;
    expect(defaultMaxCachedWorkflows(4096 * MiB)).toBe(Math.floor((3896 * MiB) / (600 * 1024)));
    expect(defaultMaxCachedWorkflows(4096 * MiB)).toBeGreaterThan(6_000);
    expect(defaultMaxCachedWorkflows(100 * MiB)).toBe(10);
  });

  it('requires external servers for the worker and API entry points', () => {
    expect(() => requireExternalServers(parseConfig({}))).toThrow(/TEMPORAL_ADDRESS: required[\s\S]*DATABASE_URL: required/);
  });

  it('stops a process with a message naming the variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'api/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, API_PORT: '99999', TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/API_PORT: .*\(got "99999"\)/);
  });
});
