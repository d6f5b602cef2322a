/**
 * The browser for the web tests: Debian's `chromium` package, driven by playwright-core. The browser is installed by
 * this setup through the system package manager when it is missing, never downloaded by a test tool (playwright's
 * own browser download is not used and would not work here).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the suite writes a screenshot of each page it visits. */
export const SCREENSHOT_DIR = path.join(__dirname, '..', '..', 'test-results', 'screenshots');

/** Debian packages the web tests need: the browser, and a font with Chinese glyphs so screenshots are legible. */
export const BROWSER_PACKAGES = ['chromium', 'fonts-wqy-microhei'];

function hasChineseFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

const ready = () => fs.existsSync(CHROMIUM_PATH) && hasChineseFont();

let installing: Promise<void> | undefined;

/**
 * Makes sure /usr/bin/chromium (and a Chinese font for it) exists: when it does not, runs `apt-get update` and
 * `apt-get install -y chromium fonts-wqy-microhei` (the tests run as root). Safe to call from several test files: the
 * install runs once per process, and apt's own lock serialises two processes.
 */
export function ensureChromium(): Promise<void> {
  if (ready()) return Promise.resolve();
  installing ??= (async () => {
    const log = (line: string) => process.stdout.write(`[browser setup] ${line}\n`);
    log(`${fs.existsSync(CHROMIUM_PATH) ? 'no Chinese font' : `${CHROMIUM_PATH} is missing`}: installing Debian's ${BROWSER_PACKAGES.join(', ')} with apt-get (once; takes a few minutes)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args: string[]) => {
      log(`apt-get ${args.join(' ')}`);
      execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 15 * 60_000 });
    };
    // Another Jest worker may be installing at the same moment; apt-get waits for its lock for a while.
    const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
    for (let attempt = 1; !ready(); attempt++) {
      try {
        run([...lockWait, 'update']);
        run([...lockWait, 'install', '-y', '--no-install-recommends', ...BROWSER_PACKAGES]);
        if (!hasChineseFont()) execFileSync('fc-cache', ['-f'], { stdio: 'ignore' });
      } catch (err) {
        if (attempt >= 2 || ready()) throw err;
        log(`apt-get failed (${(err as Error).message.split('\n')[0]}); trying once more`);
      }
      if (attempt >= 2 && !ready()) throw new Error(`installed ${BROWSER_PACKAGES.join(', ')} but ${CHROMIUM_PATH} or a Chinese font is still missing`);
    }
    log(`installed ${BROWSER_PACKAGES.join(', ')}`);
  })();
  return installing;
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (own cookies and localStorage), in a phone's viewport when asked for. */
  newPage(opts?: { phone?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  await ensureChromium();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // launch() gives the browser a fresh, temporary user-data-dir of its own, removed when it closes.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(opts = {}) {
      const context = await browser.newContext(
        opts.phone
          ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }
          : { viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' },
      );
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** A full-page screenshot under test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
