/**
 * The one place that reads the environment. Every process (the one-command start, the worker, the API) parses it
 * once at start with this schema; an invalid value stops the process with a message naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';
import { parsePayloadKeys } from './payload-codec';

const port = z.coerce.number().int().min(1).max(65535);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the embedded servers keep their state (Temporal's SQLite file, PostgreSQL's cluster) and the built tools. */
  DATA_DIR: z.string().min(1).default('data'),

  /** host:port of an external Temporal frontend; unset = start the embedded dev server. */
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('enrollment'),
  /** Ports of the embedded Temporal dev server and its Web UI. */
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Explicit path of a `temporal` CLI binary; otherwise PATH, then the project's tools folder, then a Go build. */
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** Where the Temporal UI is reachable for people, when Temporal is external. */
  TEMPORAL_UI_URL: z.url().optional(),

  /** postgres:// URL of an external PostgreSQL; unset = start the embedded one. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  POSTGRES_PORT: port.default(5433),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** How long a login token stays valid. */
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  /**
   * Secret for keyed hashes of personal data (the "same child, same year" key, registry match keys). At least 32
   * characters. The one-command start creates one under the data folder when unset.
   */
  PERSONAL_DATA_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Keys that encrypt every payload Temporal stores: "id:base64key,…", 32-byte keys, the first encrypts, all decrypt
   * (rotation: put a new key first, keep the old ones until no history needs them). The one-command start creates
   * one under the data folder when unset.
   */
  PAYLOAD_KEYS: z
    .string()
    .superRefine((spec, ctx) => {
      try {
        parsePayloadKeys(spec);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  /** Days a closed application's personal data is kept before the daily purge removes it (statistics stay). */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(730),
  /** Workflows the worker keeps in memory between tasks (unset: sized from the heap, worker/create-worker.ts). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(10).max(1_000_000).optional(),
  /** Seed demo departments, users and data. Defaults to on with the embedded PostgreSQL, off otherwise. */
  DEMO_DATA: flag.optional(),
});

export type Config = z.infer<typeof configSchema> & {
  /** DATA_DIR made absolute. */
  dataDir: string;
  demoData: boolean;
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  // Empty strings mean "unset" (the common `FOO=` in a shell or compose file).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = cleaned[name];
        return `${name}: ${issue.message}${value === undefined ? '' : ` (got "${value}")`}`;
      }),
    );
  }
  const c = result.data;
  return {
    ...c,
    dataDir: path.resolve(cwd, c.DATA_DIR),
    demoData: c.DEMO_DATA ?? c.DATABASE_URL === undefined,
  };
}

/** Parse the process environment or stop the process with a message that names every bad variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** The worker and API entry points run against external servers only; the one-command start provides them. */
export function requireExternalServers(config: Config): { temporalAddress: string; databaseUrl: string; personalDataKey: string; payloadKeys: string } {
  const missing = [
    config.PAYLOAD_KEYS ? null : 'PAYLOAD_KEYS: required to start the worker or API on its own',
    config.TEMPORAL_ADDRESS ? null : 'TEMPORAL_ADDRESS: required to start the worker or API on its own',
    config.DATABASE_URL ? null : 'DATABASE_URL: required to start the worker or API on its own',
    config.PERSONAL_DATA_KEY ? null : 'PERSONAL_DATA_KEY: required to start the worker or API on its own',
  ].filter((x): x is string => x !== null);
  if (missing.length > 0) throw new ConfigError(missing);
  return { temporalAddress: config.TEMPORAL_ADDRESS!, databaseUrl: config.DATABASE_URL!, personalDataKey: config.PERSONAL_DATA_KEY!, payloadKeys: config.PAYLOAD_KEYS! };
}
