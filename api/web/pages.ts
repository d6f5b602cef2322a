/**
 * The signed-in pages: each is the same shell (api/web/page.html, a template rather than a file to serve: header,
 * title, status line, error box, content) with its own title and its own module in web/js/pages/, so the table below
 * is the whole list of pages. The login page (web/index.html) has a body of its own and is served as a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

interface WebPage {
  /** In the tab and as the page's heading, until the module names what it shows. */
  title: string;
  /** The report page draws its SVG charts with inline styles (the same markup as the printable file). */
  inlineStyles?: boolean;
}

export const WEB_PAGES: Record<string, WebPage> = {
  'my-applications': { title: '我的入学申请' },
  apply: { title: '提交入学申请' },
  application: { title: '入学申请进度' },
  inbox: { title: '部门待办' },
  step: { title: '事项办理' },
  overdue: { title: '逾期与督办' },
  board: { title: '挂图作战' },
  item: { title: '责任事项' },
  problems: { title: '问题台账' },
  reports: { title: '工作进展报告', inlineStyles: true },
  allocation: { title: '入学统筹' },
  schools: { title: '学校与学位' },
  school: { title: '学校报到登记' },
  calendar: { title: '工作日日历' },
  users: { title: '用户与部门' },
  policies: { title: '入学条件与积分规则' },
  notifications: { title: '消息' },
};

const CSP = (inlineStyles: boolean) =>
  `default-src 'self';${inlineStyles ? " style-src 'self' 'unsafe-inline';" : ''} img-src 'self' blob: data:; frame-src blob:; object-src 'none'; base-uri 'none'; form-action 'self'`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Renders every page once at start; answers /<page> and /<page>.html. */
export function webPagesRouter(): express.Router {
  const shell = fs.readFileSync(path.join(__dirname, 'page.html'), 'utf8');
  const router = express.Router();
  for (const [name, page] of Object.entries(WEB_PAGES)) {
    const html = shell
      .replaceAll('{{csp}}', CSP(page.inlineStyles ?? false))
      .replaceAll('{{title}}', escapeHtml(page.title))
      .replaceAll('{{module}}', name);
    router.get([`/${name}`, `/${name}.html`], (_req, res) => {
      res.type('html').setHeader('cache-control', 'no-cache');
      res.send(html);
    });
  }
  return router;
}
