// The moderation pages behind sign-in, which shared/audit cannot reach (it sends no
// cookie): signs in as a moderator in Debian's headless Chromium, opens every admin page
// type (the queue's four tabs, the queue after an action with its Undo notice and with
// every card selected, a comment's page with an answer preview, its edit page, a deletion's
// confirmation page, the activity log, an email link's confirmation page and a refused
// link), and checks each with axe-core (WCAG 2.1 A and AA, every impact) at 1280x900 and
// 360x740, and the served HTML with the Nu checker. Uses shared/audit's tools.
// Usage: node admin.mjs BASE_URL USER PASSWORD [EMAIL_LINK_KEY_HEX]
// Last line: admin: pages=N html_errors=0 axe_violations=0 result=pass
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const AUDIT_HOME = process.env.AUDIT_HOME || path.join(os.homedir(), '.cache', 'smp-audit');
const require = createRequire(path.join(AUDIT_HOME, 'node', 'package.json'));
const puppeteer = require('puppeteer-core');
const axeSource = require('axe-core').source;

const [base, user, password, linkKey] = process.argv.slice(2);
if (!base || !user || !password) {
  console.error('usage: node admin.mjs BASE_URL USER PASSWORD [EMAIL_LINK_KEY_HEX]');
  process.exit(2);
}

async function post(pathname, fields) {
  const body = new URLSearchParams(fields);
  const response = await fetch(base + pathname, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (response.status >= 400) throw new Error(`POST ${pathname}: ${response.status}`);
}

const browser = await puppeteer.launch({
  executablePath: process.env.AUDIT_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
    `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'smp-audit-admin-'))}`],
});
let htmlErrors = 0;
let violations = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-audit-admin-html-'));
try {
  // Comments to moderate: one for the trash, one for an email link, one flagged reply.
  for (const [comment, author] of [['For the trash, to audit its confirmation page.', 'Audit Trash'],
    ['For the email link confirmation page.', 'Audit Mail'], ['Visit https://a.example and https://b.example now', 'Audit Flag']]) {
    await post('/guide/faq/comments', { comment, author, email: 'audit@example.com', url: '', parent: '' });
  }
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${base}/admin/login`, { waitUntil: 'load' });
  await page.type('#field-username', user);
  await page.type('#field-password', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/login"] button[type=submit]')]);
  const idOf = (text) => page.$$eval('.admin-comment', (cards, t) => cards.find((c) => c.textContent.includes(t))?.dataset.comment, text);
  const trash = await idOf('For the trash');
  const mail = await idOf('For the email link');
  await Promise.all([page.waitForNavigation(), page.click(`button[formaction="/admin/comments/${trash}/trash"]`)]);
  const afterAction = new URL(page.url());
  const paths = ['/admin', '/admin?status=approved', '/admin?status=spam', '/admin?status=trash',
    afterAction.pathname + afterAction.search, '/admin?status=pending&select=all', '/admin/activity',
    `/admin/comments/${mail}`, `/admin/comments/${mail}/edit`, `/admin/comments/${trash}/delete`];
  if (linkKey) {
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const nonce = crypto.randomBytes(8).toString('hex');
    const signature = crypto.createHmac('sha256', Buffer.from(linkKey, 'hex'))
      .update(`email-action:${mail}:approve:${expires}:${nonce}`).digest('hex').slice(0, 32);
    paths.push(`/admin/email/${mail}.approve.${expires}.${nonce}.${signature}`);
  }
  paths.push('/admin/email/not-a-link');
  // The answer preview is the answer of a POST: audit it as rendered.
  await page.goto(`${base}/admin/comments/${mail}`, { waitUntil: 'load' });
  await page.type('#field-answer', 'A [link](/guide/faq) and *emphasis*.');
  await Promise.all([page.waitForNavigation(), page.click('button[name="intent"][value="preview"]')]);
  const previewHtml = await page.content();
  await page.setBypassCSP(true); // only so that axe can be injected
  const pages = [];
  for (const [i, p] of paths.entries()) {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 360, height: 740, isMobile: true, hasTouch: true }]) {
      await page.setViewport(viewport);
      await page.goto(base + p, { waitUntil: 'load' });
      await page.evaluate(axeSource);
      const result = await page.evaluate(() => axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
      for (const v of result.violations) {
        violations++;
        console.log(`${p} at ${viewport.width}px: axe ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
    }
    const html = await page.evaluate(async (url) => (await fetch(url)).text(), base + p);
    fs.writeFileSync(path.join(dir, `page${i}.html`), html);
    pages.push(p);
  }
  fs.writeFileSync(path.join(dir, 'preview.html'), previewHtml);
  pages.push('(answer preview)');
  try {
    execFileSync('java', ['-jar', path.join(AUDIT_HOME, 'vnu', 'vnu.jar'), '--errors-only', '--format', 'text',
      ...fs.readdirSync(dir).map((f) => path.join(dir, f))], { stdio: 'pipe' });
  } catch (err) {
    const out = `${err.stdout}${err.stderr}`;
    htmlErrors = out.split('\n').filter((l) => l.includes('error:')).length || 1;
    console.log(out);
  }
  console.log(`admin: pages=${pages.length} html_errors=${htmlErrors} axe_violations=${violations} result=${htmlErrors || violations ? 'fail' : 'pass'}`);
} finally {
  await browser.close();
}
process.exit(htmlErrors || violations ? 1 : 0);
