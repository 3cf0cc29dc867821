// End-to-end journeys in headless Chromium (Debian's), driven by puppeteer-core from the
// audit tools' folder. Started by tests/browser.rs, which runs the real server and passes:
//   SMP_E2E_BASE      the server, e.g. http://127.0.0.1:39123
//   SMP_E2E_USER      a moderator's username, SMP_E2E_PASSWORD its password
//   SMP_E2E_SHOTS     where to save screenshots (target/screenshots)
//   AUDIT_HOME        where install.sh put puppeteer-core (default ~/.cache/smp-audit)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const AUDIT_HOME = process.env.AUDIT_HOME || path.join(os.homedir(), '.cache', 'smp-audit');
const require = createRequire(path.join(AUDIT_HOME, 'node', 'package.json'));
const puppeteer = require('puppeteer-core');

const BASE = process.env.SMP_E2E_BASE;
const USER = process.env.SMP_E2E_USER;
const PASSWORD = process.env.SMP_E2E_PASSWORD;
const SHOTS = process.env.SMP_E2E_SHOTS || 'target/screenshots';
assert.ok(BASE && USER && PASSWORD, 'SMP_E2E_BASE, SMP_E2E_USER and SMP_E2E_PASSWORD are required');

const PHONE = { width: 360, height: 740, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 900, deviceScaleFactor: 1 };

let browser;
before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: process.env.AUDIT_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'smp-e2e-'))}`],
  });
});
after(async () => { await browser?.close(); });

/** A fresh browser context (no shared cookies) with one page. */
async function newPage(viewport = DESKTOP) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  page.on('pageerror', (err) => { throw err; });
  return page;
}

async function go(page, pathname) {
  const response = await page.goto(BASE + pathname, { waitUntil: 'load' });
  return response.status();
}

/** Clicks and waits for the navigation it causes. */
async function clickAndWait(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Presses Tab until the focused element matches `predicate`; returns its description. */
async function tabTo(page, predicate, limit = 120) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate(predicate);
    if (found) return found;
  }
  throw new Error('could not reach the element with Tab');
}

/** The focused element has a visible focus indicator (outline or box-shadow). */
async function assertVisibleFocus(page) {
  const style = await page.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    return { outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2, shadow: s.boxShadow !== 'none', tag: el.tagName };
  });
  assert.ok(style.outline || style.shadow, `no visible focus on ${style.tag}`);
}

async function fillComment(page, fields) {
  for (const [name, value] of Object.entries(fields)) {
    const selector = name === 'comment' ? 'textarea[name=comment]' : `input[name=${name}]`;
    await page.$eval(selector, (el) => { el.value = ''; });
    if (value) await page.type(selector, value);
  }
}

async function signIn(page) {
  await go(page, '/admin/login');
  await page.type('#field-username', USER);
  await page.type('#field-password', PASSWORD);
  await clickAndWait(page, 'form[action="/admin/login"] button[type=submit]');
  assert.equal(new URL(page.url()).pathname, '/admin');
}

test('a reader goes from the contents to a section, pages through, uses the contents and searches', async () => {
  const page = await newPage();
  assert.equal(await go(page, '/'), 200);
  await shot(page, 'home-desktop');
  await clickAndWait(page, '.contents-list a[href="/guide/what-is-smp"]');
  assert.equal(await page.$eval('h1', (h) => h.textContent), 'What is scalp micropigmentation?');
  await clickAndWait(page, 'a[rel=next]');
  assert.equal(new URL(page.url()).pathname, '/guide/process');
  await shot(page, 'section-desktop');
  await clickAndWait(page, 'a[rel=prev]');
  assert.equal(new URL(page.url()).pathname, '/guide/what-is-smp');
  const target = await page.$eval('.toc a', (a) => a.getAttribute('href'));
  await page.click('.toc a');
  await page.waitForFunction((hash) => location.hash === hash, {}, target);
  assert.ok(await page.$(target), `the contents link ${target} has a target`);

  await go(page, '/search');
  await page.type('#q', 'numbing');
  await clickAndWait(page, '.search-form button');
  assert.match(page.url(), /\/search\?q=numbing/);
  const first = await page.$eval('.result-list a', (a) => a.getAttribute('href'));
  await clickAndWait(page, '.result-list a');
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).hash, first);
  await go(page, '/guide/faq');
  await shot(page, 'faq-desktop');
  await page.close();
});

test('a worried reader finds urgent advice from the comment form, and who writes the guide from the footer', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await newPage(viewport);
    await go(page, '/guide/process');
    // The form says it is not for urgent help and leads to the urgent-advice box.
    await clickAndWait(page, '.notice-urgent-help a');
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).hash, '/guide/risks#urgent-advice');
    const box = await page.$eval('#urgent-advice', (h) => {
      return { label: h.querySelector('.callout-label').textContent, tag: h.tagName };
    });
    assert.equal(box.label, 'Urgent advice:', 'the heading names the kind of advice in words');
    // In view once the (possibly smooth) scroll to the anchor has ended.
    await page.waitForFunction(() => {
      const top = document.querySelector('#urgent-advice').closest('.callout').getBoundingClientRect().top;
      return top >= -1 && top < innerHeight / 2;
    }, { timeout: 3000 });
    await shot(page, `urgent-advice-${viewport.width}`);
    // Every footer leads to the pages about the site.
    for (const [href, heading] of [['/about', /about/i], ['/comment-rules', /comment/i], ['/privacy', /privacy/i]]) {
      await clickAndWait(page, `.site-footer a[href="${href}"]`);
      assert.equal(new URL(page.url()).pathname, href);
      assert.match(await page.$eval('h1', (h) => h.textContent), heading);
      assert.equal(await page.$eval(`.site-footer a[href="${href}"]`, (a) => a.getAttribute('aria-current')), 'page');
    }
    await shot(page, `privacy-${viewport.width}`);
    await page.close();
  }
});

test('a reader fixes mistakes, posts, is moderated, then replies', async () => {
  const reader = await newPage();
  await go(reader, '/guide/risks');
  const words = 'Does numbing cream help? Asked in the browser test.';
  await fillComment(reader, { comment: words, author: '', email: 'not-an-email', url: '' });
  await clickAndWait(reader, '.comment-form button[type=submit]');
  const summary = await reader.$eval('.error-summary', (el) => el.textContent);
  assert.match(summary, /Enter your name/);
  assert.match(summary, /correct format/);
  assert.equal(await reader.$eval('#field-comment', (el) => el.value), words, 'the typed text is kept');
  assert.equal(await reader.$eval('#field-email', (el) => el.getAttribute('aria-invalid')), 'true');
  await shot(reader, 'comment-errors-desktop');
  await reader.setViewport(PHONE);
  await shot(reader, 'comment-errors-phone');
  await reader.setViewport(DESKTOP);
  // The summary's links move to the fields.
  await reader.click('.error-summary a[href="#field-author"]');
  await reader.waitForFunction(() => location.hash === '#field-author');

  await fillComment(reader, { author: 'Browser Reader', email: 'reader@example.com' });
  await clickAndWait(reader, '.comment-form button[type=submit]');
  const pending = await reader.$eval('.comment-pending', (el) => el.textContent);
  assert.match(pending, /awaiting moderation/);
  assert.match(pending, /Does numbing cream help/);

  const moderator = await newPage();
  await signIn(moderator);
  await shot(moderator, 'admin-queue-desktop');
  await moderator.setViewport(PHONE);
  await shot(moderator, 'admin-queue-phone');
  await moderator.setViewport(DESKTOP);
  const id = await moderator.$$eval('.admin-comment', (cards) =>
    cards.find((c) => c.textContent.includes('Does numbing cream help')).id.replace('comment-', ''));
  await clickAndWait(moderator, `button[formaction="/admin/comments/${id}/approve"]`);
  assert.match(await moderator.$eval('.notice', (n) => n.textContent), /1 comment approved/);
  await clickAndWait(moderator, '.admin-bar button[type=submit]');
  assert.equal(new URL(moderator.url()).pathname, '/admin/login');

  await go(reader, '/guide/risks');
  assert.ok(await reader.$(`#comment-${id}`), 'the approved comment is published');
  await clickAndWait(reader, `#comment-${id} .reply-link`);
  assert.equal(await reader.$eval('input[name=parent]', (el) => el.value), id);
  await fillComment(reader, { comment: 'Replying from the browser.', author: 'Second Reader', email: 'second@example.com' });
  await clickAndWait(reader, '.comment-form button[type=submit]');
  assert.match(await reader.$eval('.comment-pending', (el) => el.textContent), /Replying from the browser/);
  await moderator.close();
  await reader.close();
});

test('the same journeys work with the keyboard alone, with visible focus', async () => {
  const page = await newPage();
  await go(page, '/');
  // The skip link comes first and moves focus to the main content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
  await assertVisibleFocus(page);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#main');

  await tabTo(page, () => document.activeElement.getAttribute('href') === '/guide/risks');
  await assertVisibleFocus(page);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.equal(new URL(page.url()).pathname, '/guide/risks');

  // The page's contents lead straight to the comments, past every citation link.
  await tabTo(page, () => document.activeElement.matches('.toc a[href="#comments"]'));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#comments');
  await tabTo(page, () => document.activeElement.id === 'field-comment', 10);
  await assertVisibleFocus(page);
  await page.keyboard.type('Typed with the keyboard only.');
  await tabTo(page, () => document.activeElement.id === 'field-author');
  await page.keyboard.type('Keyboard Reader');
  await tabTo(page, () => document.activeElement.id === 'field-email');
  await page.keyboard.type('keys@example.com');
  await tabTo(page, () => document.activeElement.matches('.comment-form button[type=submit]'));
  await assertVisibleFocus(page);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(await page.$eval('.comment-pending', (el) => el.textContent), /Typed with the keyboard only/);

  const moderator = await newPage();
  await go(moderator, '/admin/login');
  await tabTo(moderator, () => document.activeElement.id === 'field-username');
  await moderator.keyboard.type(USER);
  await moderator.keyboard.press('Tab');
  await moderator.keyboard.type(PASSWORD);
  await Promise.all([moderator.waitForNavigation(), moderator.keyboard.press('Enter')]);
  assert.equal(new URL(moderator.url()).pathname, '/admin');
  await tabTo(moderator, () => {
    const el = document.activeElement;
    return el.matches('button[formaction$="/approve"]') && el.closest('.admin-comment').textContent.includes('Typed with the keyboard only');
  });
  await assertVisibleFocus(moderator);
  await Promise.all([moderator.waitForNavigation(), moderator.keyboard.press('Enter')]);
  assert.match(await moderator.$eval('.notice', (n) => n.textContent), /1 comment approved/);
  await tabTo(moderator, () => document.activeElement.matches('.admin-bar button'));
  await Promise.all([moderator.waitForNavigation(), moderator.keyboard.press('Enter')]);
  assert.equal(new URL(moderator.url()).pathname, '/admin/login');

  await go(page, '/guide/search'.replace('/guide', ''));
  await tabTo(page, () => document.activeElement.id === 'q');
  await page.keyboard.type('pigment');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await tabTo(page, () => document.activeElement.closest('.result-list') !== null);
  await assertVisibleFocus(page);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.match(new URL(page.url()).pathname, /^\/guide\//);
  await moderator.close();
  await page.close();
});

test('on a 360 px phone nothing scrolls sideways, taps are big enough and text is readable', async () => {
  const page = await newPage(PHONE);
  const paths = ['/', '/guide', '/guide/what-is-smp', '/guide/process', '/guide/cost-and-longevity', '/guide/risks',
    '/guide/choosing-a-practitioner', '/guide/pros-and-cons', '/guide/faq', '/about', '/comment-rules', '/privacy',
    '/search?q=pigment', '/nope', '/admin/login'];
  for (const p of paths) {
    await go(page, p);
    const report = await page.evaluate(() => {
      const doc = document.documentElement;
      const problems = [];
      if (doc.scrollWidth > doc.clientWidth) problems.push(`scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
      for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), textarea, select, summary')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || el.closest('[hidden]')) continue;
        // Links inside running text are exempt (WCAG 2.5.8's inline exception).
        const inline = el.tagName === 'A' && getComputedStyle(el).display === 'inline' && el.closest('p, li, td, dd, figcaption');
        if (!inline && (r.height < 24 || r.width < 24)) problems.push(`small target ${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
      const text = 'main p, main li, main td, main th, main dt, main dd, main label, main input, main textarea, main figcaption, main button, main a, main .badge, footer p';
      for (const el of document.querySelectorAll(text)) {
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < 16) problems.push(`small text ${size}px in ${el.tagName}: "${el.textContent.trim().slice(0, 30)}"`);
      }
      return problems;
    });
    assert.deepEqual(report, [], `${p}: ${report.join('; ')}`);
  }
  await go(page, '/');
  await shot(page, 'home-phone');
  await go(page, '/guide/process');
  await shot(page, 'section-phone');
  await go(page, '/guide/faq');
  await shot(page, 'faq-phone');
  await page.close();
});

test('admin pages behind sign-in have valid HTML and no axe violations', async () => {
  const { execFileSync } = await import('node:child_process');
  const axeSource = require('axe-core').source;
  const page = await newPage();
  await page.setBypassCSP(true); // only so that axe can be injected; the site's own pages need no script
  await signIn(page);
  const firstId = await page.$eval('.admin-comment', (c) => c.id.replace('comment-', '')).catch(() => null);
  const paths = ['/admin', '/admin?status=approved', '/admin?status=spam', '/admin?status=trash'];
  if (firstId) paths.push(`/admin/comments/${firstId}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-admin-html-'));
  for (const [i, p] of paths.entries()) {
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewport(viewport);
      assert.equal(await go(page, p), 200, p);
      await page.evaluate(axeSource);
      const result = await page.evaluate(() => axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
      const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      assert.deepEqual(violations, [], `axe on ${p} at ${viewport.width}px`);
    }
    // The Nu checker reads the bytes the server sent, not the live DOM.
    const html = await page.evaluate(async (url) => (await fetch(url)).text(), BASE + p);
    fs.writeFileSync(path.join(dir, `page${i}.html`), html);
  }
  const vnu = path.join(AUDIT_HOME, 'vnu', 'vnu.jar');
  try {
    execFileSync('java', ['-jar', vnu, '--errors-only', '--format', 'text', ...paths.map((_, i) => path.join(dir, `page${i}.html`))], { stdio: 'pipe' });
  } catch (err) {
    assert.fail(`HTML errors on admin pages:\n${err.stderr}${err.stdout}`);
  }
  await page.close();
});
