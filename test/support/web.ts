/** Helpers for the browser tests: logging in through the page, a real PNG to upload, a fresh user's username. */
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type TestBrowser } from './browser';
import { DEMO_PASSWORD } from '../../db/seed-demo';
import { startHarness, type Harness } from './harness';

/** Log in through the login page and wait for the role's landing page. */
export async function loginThroughPage(page: Page, baseUrl: string, username: string, landing: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((url) => url.pathname === landing);
  await page.locator('#site-header .user-name').waitFor();
}

export async function usernameOf(h: Harness, userId: string): Promise<string> {
  const r = await h.pool.query('SELECT username FROM users WHERE id = $1', [userId]);
  return r.rows[0].username;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A real PNG image (a "scanned document": a white page with grey text lines and a coloured stamp), so the material
 * viewer has something to show. `seed` changes the stamp's colour, so each call can make a different file.
 */
export function documentPng(seed = 0, width = 240, height = 320): Buffer {
  const rows: Buffer[] = [];
  const stamp = [(seed * 67) % 200, 40 + ((seed * 29) % 120), 200 - ((seed * 13) % 150)];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      let rgb = [255, 255, 255];
      const line = y > 40 && y < 280 && y % 20 < 4 && x > 20 && x < width - 20 - ((y * 7) % 60);
      if (line) rgb = [150, 150, 150];
      if (y > 12 && y < 28 && x > 60 && x < width - 60) rgb = [60, 60, 60];
      const dx = x - (width - 60);
      const dy = y - (height - 60);
      if (dx * dx + dy * dy < 900 && dx * dx + dy * dy > 600) rgb = stamp;
      row[1 + x * 3] = rgb[0]!;
      row[2 + x * 3] = rgb[1]!;
      row[3 + x * 3] = rgb[2]!;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Upload a material as a parent through the API (the raw bytes), returning its file id. */
export async function uploadAsParent(h: Harness, token: string, png: Buffer): Promise<{ fileId: string; size: number; mediaType: string }> {
  const res = await fetch(`${h.baseUrl}/api/materials`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: png });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { fileId: string; size: number; mediaType: string };
}

/** Every request the page sends, to assert what was (not) sent. */
export function recordRequests(page: Page): { method: string; path: string }[] {
  const seen: { method: string; path: string }[] = [];
  page.on('request', (r) => seen.push({ method: r.method(), path: new URL(r.url()).pathname }));
  return seen;
}

/**
 * Wait until an element matching `selector` shows `text`. On a timeout, keeps a screenshot of the page
 * (test-results/screenshots/failed-*.png) and says what the elements showed instead.
 */
export async function expectText(page: Page, selector: string, text: string, timeout = 30_000): Promise<void> {
  try {
    await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout });
  } catch (err) {
    const shown = await page.locator(selector).allInnerTexts().catch(() => []);
    const file = await screenshot(page, `failed-${Date.now()}`).catch(() => '(no screenshot)');
    throw new Error(`expected ${selector} to show "${text}" at ${page.url()}; it shows ${JSON.stringify(shown)}; screenshot ${file}`, { cause: err });
  }
}

/**
 * The browser test files' setup: a browser (Debian's chromium, installed on first use with apt-get, which can take
 * minutes) and a harness on the shared servers, both closed after the file. `use` gets them once both are up:
 *   let h: Harness; let b: TestBrowser;
 *   withBrowserAndHarness((started) => ({ h, b } = started));
 */
export function withBrowserAndHarness(use: (started: { h: Harness; b: TestBrowser }) => void): void {
  let b: TestBrowser | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    b = await launchBrowser();
    h = await startHarness();
    use({ h, b });
  }, 20 * 60_000);
  afterAll(async () => {
    await b?.close();
    await h?.stop();
  });
}
