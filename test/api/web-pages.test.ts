/**
 * The pages are one shell with a title and a module each (api/web/pages.ts): every page in the table answers with its
 * own title and module under its name, with and without .html, and a module file exists for each; the shell itself
 * and unknown names are not pages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WEB_PAGES } from '../../api/web/pages';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

describe('the pages', () => {
  it.each(Object.keys(WEB_PAGES))('/%s answers with its title, its module and the content security policy', async (name) => {
    for (const url of [`/${name}`, `/${name}.html`]) {
      const res = await fetch(`${h.baseUrl}${url}`);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain(`<title>${WEB_PAGES[name]!.title} · `);
      expect(html).toContain(`<h1 id="page-title">${WEB_PAGES[name]!.title}</h1>`);
      expect(html).toContain(`<script type="module" src="/js/pages/${name}.js"></script>`);
      expect(html).toContain("object-src 'none'");
      expect(html).not.toContain('{{');
      // Inline styles only where the page draws server-made SVG charts.
      expect(html.includes("'unsafe-inline'")).toBe(WEB_PAGES[name]!.inlineStyles === true);
    }
    expect(fs.existsSync(path.join(__dirname, '..', '..', 'web', 'js', 'pages', `${name}.js`))).toBe(true);
  });

  it('serves the login page at /, and no page for the shell itself or an unknown name', async () => {
    const login = await fetch(`${h.baseUrl}/`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('/js/pages/login.js');
    expect((await fetch(`${h.baseUrl}/page.html`)).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/page`)).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/no-such-page`)).status).toBe(404);
  });
});
