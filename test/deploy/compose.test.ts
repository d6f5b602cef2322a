/**
 * The deployment in docker-compose.yml, as Docker Compose itself reads it (`docker compose config`): what an
 * operator relies on when running `docker compose up -d --build`. No Docker engine is needed, only the client with
 * its compose plugin.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { parseConfig, requireExternalServers } from '../../platform/config';
import { ensureComposePlugin } from '../support/compose-plugin';

const ROOT = path.join(__dirname, '..', '..');

/** The variables docker-compose.yml reads from the operator's environment or .env file. */
const OPERATOR_VARIABLES = [
  'POSTGRES_PASSWORD', 'TEMPORAL_DB_PASSWORD', 'APP_DB_PASSWORD', 'LOG_LEVEL', 'TEMPORAL_NAMESPACE', 'TEMPORAL_RETENTION',
  'DATABASE_POOL_SIZE', 'SESSION_TTL_HOURS', 'TEMPORAL_UI_URL', 'TEMPORAL_UI_BIND', 'API_PUBLISHED_PORT',
  'TEMPORAL_VERSION', 'TEMPORAL_UI_VERSION', 'PERSONAL_DATA_KEY', 'PAYLOAD_KEYS',
];

type Service = Record<string, any>;
interface ComposeModel {
  name: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/**
 * `docker compose config --format json` in the project folder. The operator's own .env and shell variables are left
 * out (an empty env file, the compose variables removed) so that the defaults in the file are what is checked,
 * plus the given variables.
 */
function composeConfig(vars: Record<string, string> = {}): ComposeModel {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [...OPERATOR_VARIABLES, ...Object.keys(env).filter((k) => k.startsWith('COMPOSE_'))]) delete env[name];
  Object.assign(env, vars);
  const emptyEnvFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'compose-test-')), 'empty.env');
  fs.writeFileSync(emptyEnvFile, '');
  const args = ['compose', '--project-directory', ROOT, '--env-file', emptyEnvFile, 'config', '--format', 'json'];
  const run = spawnSync('docker', args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? 'The `docker` CLI is not installed: this test reads docker-compose.yml through `docker compose config`, which ' +
            'needs the Docker client with its compose plugin (no Docker engine). Install them and run the test again.'
        : `Could not run \`docker ${args.join(' ')}\`: ${run.error.message}`,
    );
  }
  if (run.status !== 0) {
    const stderr = run.stderr.trim();
    if (/unknown command|is not a docker command|unknown shorthand flag|unknown flag: --project-directory/i.test(stderr)) {
      throw new Error(
        `The Docker client here has no compose plugin (\`docker compose\` failed: ${stderr.split('\n')[0]}). Install the Docker ` +
          'Compose v2 plugin (docker-compose-plugin) and run the test again.',
      );
    }
    throw new Error(`\`docker compose config\` rejected docker-compose.yml (exit ${run.status}):\n${stderr}`);
  }
  return JSON.parse(run.stdout) as ComposeModel;
}

function service(model: ComposeModel, name: string): Service {
  const s = model.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"; it has ${Object.keys(model.services).join(', ')}`);
  return s;
}

const APP_SERVICES = ['worker', 'api'] as const;

describe('docker-compose.yml', () => {
  let model: ComposeModel;

  beforeAll(() => {
    ensureComposePlugin();
    model = composeConfig();
  }, 600_000);

  it('has PostgreSQL, Temporal, its UI, the worker and the API', () => {
    expect(Object.keys(model.services)).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'worker', 'api']));
  });

  it('builds the worker and the API from the Dockerfile, running worker/main.ts and api/main.ts', () => {
    for (const name of APP_SERVICES) {
      const build = service(model, name).build;
      expect({ name, context: build?.context, dockerfile: build?.dockerfile }).toEqual({ name, context: ROOT, dockerfile: 'Dockerfile' });
    }
    expect(service(model, 'worker').command).toEqual(['node', '--import', 'tsx', 'worker/main.ts']);
    // The API runs the image's default command.
    expect(service(model, 'api').command ?? null).toBeNull();
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = dockerfile.split('\n').filter((l) => /^CMD\s/.test(l)).pop();
    expect(cmd).toBe('CMD ["node", "--import", "tsx", "api/main.ts"]');
  });

  it('copies every source folder into the image', () => {
    // Everything the type-checker sees except the tests and benchmarks runs in the image, plus the web pages.
    const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
    const needed = [...tsconfig.include.filter((dir) => dir !== 'test' && dir !== 'bench'), 'web', 'tsconfig.json'];
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const copied = new Set(
      dockerfile
        .split('\n')
        .filter((l) => /^COPY\s/.test(l) && !l.includes('--from='))
        .flatMap((l) => l.trim().split(/\s+/).slice(1, -1)),
    );
    expect(needed.filter((dir) => !copied.has(dir))).toEqual([]);
  });

  it('points the worker and the API at the compose services, with settings the service accepts', () => {
    for (const name of APP_SERVICES) {
      const env = service(model, name).environment as Record<string, string>;
      expect({ name, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS }).toEqual({ name, TEMPORAL_ADDRESS: 'temporal:7233' });
      const db = new URL(env.DATABASE_URL!);
      expect({ name, protocol: db.protocol, host: db.hostname, port: db.port, database: db.pathname }).toEqual({
        name, protocol: 'postgres:', host: 'postgresql', port: '5432', database: '/enrollment',
      });
      // The entry points parse exactly this environment at start.
      const config = parseConfig(env);
      expect(requireExternalServers(config)).toEqual({ temporalAddress: 'temporal:7233', databaseUrl: env.DATABASE_URL, personalDataKey: env.PERSONAL_DATA_KEY, payloadKeys: env.PAYLOAD_KEYS });
      expect(config.demoData).toBe(false);
      expect(config.NODE_ENV).toBe('production');
    }
    const apiConfig = parseConfig(service(model, 'api').environment);
    expect({ host: apiConfig.API_HOST, port: apiConfig.API_PORT }).toEqual({ host: '0.0.0.0', port: 3000 });
    expect(apiConfig.TEMPORAL_UI_URL).toBeDefined();
    // Worker and API must agree on where workflows run.
    const worker = parseConfig(service(model, 'worker').environment);
    expect([worker.TEMPORAL_NAMESPACE, worker.TEMPORAL_TASK_QUEUE]).toEqual([apiConfig.TEMPORAL_NAMESPACE, apiConfig.TEMPORAL_TASK_QUEUE]);
  });

  it('checks the health of PostgreSQL, Temporal and the API', () => {
    for (const name of ['postgresql', 'temporal', 'api']) {
      const healthcheck = service(model, name).healthcheck;
      expect({ name, disabled: healthcheck?.disable ?? false }).toEqual({ name, disabled: false });
      expect(Array.isArray(healthcheck?.test) && healthcheck.test.length > 1 && healthcheck.test[0] !== 'NONE').toBe(true);
    }
    expect(service(model, 'api').healthcheck.test.join(' ')).toContain('http://127.0.0.1:3000/health');
  });

  it('starts the worker and the API only once PostgreSQL and Temporal are healthy and the namespace is set up', () => {
    for (const name of APP_SERVICES) {
      const dependsOn = service(model, name).depends_on;
      expect({ name, postgresql: dependsOn?.postgresql?.condition, temporal: dependsOn?.temporal?.condition }).toEqual({
        name, postgresql: 'service_healthy', temporal: 'service_healthy',
      });
      expect(dependsOn?.['temporal-namespace-setup']?.condition).toBe('service_completed_successfully');
    }
    // Temporal itself starts only on a schema its version expects.
    expect(service(model, 'temporal').depends_on?.['temporal-schema-setup']?.condition).toBe('service_completed_successfully');
  });

  it('restarts the long-running services', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker', 'api']) {
      expect({ name, restart: service(model, name).restart }).toEqual({ name, restart: 'unless-stopped' });
    }
  });

  it('publishes the API on 3000 and the Temporal UI on 8080, and neither PostgreSQL nor the Temporal frontend', () => {
    const targets = (name: string) => (service(model, name).ports ?? []).map((p: { target: number }) => p.target);
    expect(targets('api')).toEqual([3000]);
    expect(targets('temporal-ui')).toEqual([8080]);
    expect(targets('postgresql')).toEqual([]);
    expect(targets('temporal')).toEqual([]);
    expect(service(model, 'temporal-ui').environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('keeps PostgreSQL on a named volume', () => {
    const mounts = service(model, 'postgresql').volumes as { type: string; source: string; target: string }[];
    const data = mounts.find((m) => m.target === '/var/lib/postgresql/data');
    expect(data?.type).toBe('volume');
    expect(Object.keys(model.volumes ?? {})).toContain(data?.source);
  });

  it('pins the Temporal images, server and admin-tools on the same version', () => {
    const image = (name: string) => String(service(model, name).image);
    const [server, schema, namespace, ui] = ['temporal', 'temporal-schema-setup', 'temporal-namespace-setup', 'temporal-ui'].map(image);
    expect(server).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(schema).toBe(server!.replace('temporalio/server', 'temporalio/admin-tools'));
    expect(namespace).toBe(schema);
    expect(ui).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });

  it('registers exactly the search attributes of contracts/search-attributes.ts', () => {
    const words = String(service(model, 'temporal-namespace-setup').environment?.SEARCH_ATTRIBUTES).trim().split(/\s+/);
    const registered = Object.fromEntries(words.map((w) => w.split('=') as [string, string]));
    expect(registered).toEqual(SEARCH_ATTRIBUTES);
  });

  it("carries the operator's passwords to both ends of every connection", () => {
    const secrets = { POSTGRES_PASSWORD: 'su-secret-1', TEMPORAL_DB_PASSWORD: 'temporal-secret-2', APP_DB_PASSWORD: 'app-secret-3' };
    const withSecrets = composeConfig(secrets);
    const postgresEnv = service(withSecrets, 'postgresql').environment;
    expect(postgresEnv).toMatchObject(secrets);
    for (const name of ['temporal', 'temporal-schema-setup']) {
      expect({ name, user: service(withSecrets, name).environment.POSTGRES_USER, pwd: service(withSecrets, name).environment.POSTGRES_PWD }).toEqual({
        name, user: 'temporal', pwd: secrets.TEMPORAL_DB_PASSWORD,
      });
    }
    for (const name of APP_SERVICES) {
      const url = new URL(service(withSecrets, name).environment.DATABASE_URL);
      expect({ name, user: url.username, password: url.password }).toEqual({ name, user: 'enrollment', password: secrets.APP_DB_PASSWORD });
    }
    // The init script creates exactly these roles with these passwords.
    const init = fs.readFileSync(path.join(ROOT, 'deploy', 'postgres', 'init-databases.sh'), 'utf8');
    expect(init).toMatch(/CREATE ROLE temporal LOGIN PASSWORD :'temporal_password'/);
    expect(init).toMatch(/CREATE ROLE enrollment LOGIN PASSWORD :'app_password'/);
  });
});
