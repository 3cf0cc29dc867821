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
  // No smooth scrolling: a click on an element below the fold would otherwise land where
  // the element was while the page was still scrolling towards it.
  await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
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

/** A full-page screenshot, cut at 12,000 px (the one-page guide on a phone is longer). */
async function tallShot(page, name) {
  const { width, height } = await page.evaluate(() => ({
    width: document.documentElement.clientWidth, height: document.documentElement.scrollHeight,
  }));
  await page.screenshot({
    path: path.join(SHOTS, `${name}.png`),
    clip: { x: 0, y: 0, width, height: Math.min(height, 12000) },
    captureBeyondViewport: true,
  });
}

/** What was measured, written beside the screenshots (target/screenshots/measurements.json). */
const measured = {};
after(() => {
  fs.writeFileSync(path.join(SHOTS, 'measurements.json'), `${JSON.stringify(measured, null, 2)}\n`);
});

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
  // At 1280 px the contents sit in the side column; the folded copy is for narrow screens.
  assert.equal(await page.$eval('.toc-fold', (d) => getComputedStyle(d).display), 'none');
  const target = await page.$eval('.toc-side a', (a) => a.getAttribute('href'));
  await page.click('.toc-side a');
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
  // A screen reader hears "Error" first, and starts reading at the summary.
  assert.match(await reader.title(), /^Error: /);
  assert.equal(await reader.evaluate(() => document.activeElement.id), 'error-summary');
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
    cards.find((c) => c.textContent.includes('Does numbing cream help')).dataset.comment);
  await clickAndWait(moderator, `button[formaction="/admin/comments/${id}/approve"]`);
  assert.match(await moderator.$eval('.notice-bar', (n) => n.textContent), /1 comment approved/);
  await clickAndWait(moderator, '.admin-signout button[type=submit]');
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

test('without JavaScript, a refused comment still opens at the error summary', async () => {
  const page = await newPage();
  await page.setJavaScriptEnabled(false);
  await go(page, '/guide/process');
  await fillComment(page, { comment: 'No script here.', author: 'No Script', email: 'no-script@example', url: '' });
  await clickAndWait(page, '.comment-form button[type=submit]');
  assert.match(await page.title(), /^Error: /);
  assert.equal(await page.evaluate(() => location.hash), '#error-summary');
  const top = await page.$eval('#error-summary', (el) => el.getBoundingClientRect().top);
  assert.ok(top >= 0 && top < 200, `the summary is at the top of the window (${top} px)`);
  assert.match(await page.$eval('#error-summary', (el) => el.textContent), /with a dot in the part after the @/);
  // The next Tab goes to the summary's first link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#field-email');
  await page.close();
});

test('a reader asks to be remembered, finds the details filled in on the next section, then is forgotten', async () => {
  const page = await newPage();
  await go(page, '/guide/process');
  assert.equal(await page.$eval('#field-remember', (el) => el.checked), false, 'unticked at first');
  await fillComment(page, { comment: 'Remember me, browser test.', author: 'Remembered Reader', email: 'remembered@example.com', url: 'remembered.example.com' });
  await page.click('#field-remember');
  await clickAndWait(page, '.comment-form button[type=submit]');
  const pending = await page.$eval('.comment-pending', (el) => el.textContent);
  assert.match(pending, /usually reads new comments within a day/);

  await go(page, '/guide/faq');
  const filled = await page.evaluate(() => ({
    author: document.querySelector('#field-author').value,
    email: document.querySelector('#field-email').value,
    url: document.querySelector('#field-url').value,
    remember: document.querySelector('#field-remember').checked,
    comment: document.querySelector('#field-comment').value,
  }));
  assert.deepEqual(filled, {
    author: 'Remembered Reader', email: 'remembered@example.com', url: 'https://remembered.example.com/',
    remember: true, comment: '',
  });
  await shot(page, 'comment-remembered-desktop');

  await clickAndWait(page, 'form.forget-me button[type=submit]');
  assert.equal(new URL(page.url()).pathname, '/guide/faq');
  assert.equal(await page.$('form.forget-me'), null);
  const emptied = await page.evaluate(() => [
    document.querySelector('#field-author').value, document.querySelector('#field-email').value,
    document.querySelector('#field-url').value, document.querySelector('#field-remember').checked]);
  assert.deepEqual(emptied, ['', '', '', false]);
  const cookies = await page.cookies();
  assert.equal(cookies.find((c) => c.name === 'smp_remember'), undefined, 'the cookie is gone');
  await page.close();
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
  assert.match(await moderator.$eval('.notice-bar', (n) => n.textContent), /1 comment approved/);
  await tabTo(moderator, () => document.activeElement.matches('.admin-signout button'));
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
    '/search?q=pigment', '/search?q=sunscreeeeen', '/nope', '/admin/login'];
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

test('on a phone, a reader searches from the header and opens the answer', async () => {
  const page = await newPage(PHONE);
  await go(page, '/guide/risks');
  const box = await page.$eval('#site-search', (el) => {
    const r = el.getBoundingClientRect();
    return { width: r.width, height: r.height, size: parseFloat(getComputedStyle(el).fontSize), label: el.labels[0].textContent };
  });
  assert.equal(box.label, 'Search the guide');
  assert.ok(box.height >= 24 && box.width >= 150, `search box ${box.width}x${box.height}`);
  assert.ok(box.size >= 16, `search box text ${box.size}px`);
  await page.tap('#site-search');
  await page.keyboard.type('does it hurt');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/search');
  assert.equal(url.searchParams.get('q'), 'does it hurt');
  assert.equal(await page.$eval('.result-list a', (a) => a.getAttribute('href')), '/guide/faq#does-it-hurt');
  await shot(page, 'search-phone');
  await clickAndWait(page, '.result-list a');
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).hash, '/guide/faq#does-it-hurt');
  await page.close();
});

test('admin pages behind sign-in have valid HTML and no axe violations', async () => {
  const { execFileSync } = await import('node:child_process');
  const axeSource = require('axe-core').source;
  const page = await newPage();
  await page.setBypassCSP(true); // only so that axe can be injected; the site's own pages need no script
  await signIn(page);
  // A comment in the trash, so that its confirmation page can be checked too.
  const body = new URLSearchParams({ comment: 'For the admin page checks', author: 'Checker', email: 'c@example.com', url: '', parent: '' });
  await fetch(`${BASE}/guide/faq/comments`, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  await go(page, '/admin');
  const firstId = await page.$eval('.admin-comment', (c) => c.dataset.comment).catch(() => null);
  const trashId = await page.$$eval('.admin-comment', (cards) => cards.find((c) => c.textContent.includes('For the admin page checks'))?.dataset.comment);
  await clickAndWait(page, `button[formaction="/admin/comments/${trashId}/trash"]`);
  const undoUrl = new URL(page.url());
  const paths = ['/admin', '/admin?status=approved', '/admin?status=spam', '/admin?status=trash',
    `${undoUrl.pathname}${undoUrl.search}`, '/admin?status=pending&select=all', '/admin/activity',
    `/admin/comments/${trashId}/delete`, `/admin/comments/${trashId}/edit`, '/admin/email/not-a-link'];
  if (firstId) paths.push(`/admin/comments/${firstId}`);
  if (firstId && process.env.SMP_E2E_LINK_KEY) {
    // An email link's confirmation page, with a link signed as the server signs them.
    const { createHmac, randomBytes } = await import('node:crypto');
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const nonce = randomBytes(8).toString('hex');
    const signature = createHmac('sha256', Buffer.from(process.env.SMP_E2E_LINK_KEY, 'hex'))
      .update(`email-action:${firstId}:approve:${expires}:${nonce}`).digest('hex').slice(0, 32);
    paths.push(`/admin/email/${firstId}.approve.${expires}.${nonce}.${signature}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-admin-html-'));
  for (const [i, p] of paths.entries()) {
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewport(viewport);
      assert.equal(await go(page, p), p === '/admin/email/not-a-link' ? 404 : 200, p);
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

const SECTIONS = ['/guide/what-is-smp', '/guide/process', '/guide/cost-and-longevity', '/guide/risks',
  '/guide/choosing-a-practitioner', '/guide/pros-and-cons', '/guide/faq'];

test('the first paragraph of every page is on the first screen, on a laptop and on a phone', async () => {
  const pages = [...SECTIONS, '/', '/about', '/comment-rules', '/privacy', '/guide'];
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await newPage(viewport);
    for (const p of pages) {
      await go(page, p);
      // The one-page guide opens with its own lede; every other page with its first paragraph.
      const top = await page.evaluate((guide) => {
        const first = document.querySelector(guide ? 'main .page-header .lede' : 'main .prose p');
        return Math.round(first.getBoundingClientRect().top);
      }, p === '/guide');
      measured[`first paragraph top at ${viewport.width}x${viewport.height}`] ??= {};
      measured[`first paragraph top at ${viewport.width}x${viewport.height}`][p] = top;
      // At least its first line (about 26 px) shows without scrolling.
      assert.ok(top + 26 <= viewport.height, `${p} at ${viewport.width}px: first paragraph at y=${top}`);
    }
    if (viewport === PHONE) {
      // On a phone the contents fold away, closed, above the first paragraph.
      await go(page, '/guide/process');
      const fold = await page.$eval('details.toc-fold', (d) => ({ open: d.open, shown: getComputedStyle(d).display !== 'none' }));
      assert.deepEqual(fold, { open: false, shown: true });
      assert.equal(await page.$eval('.toc-side', (n) => getComputedStyle(n).display), 'none');
      await page.click('details.toc-fold summary');
      assert.ok(await page.$eval('details.toc-fold', (d) => d.open));
      await page.click('details.toc-fold a[href="#recovery"]');
      await page.waitForFunction(() => location.hash === '#recovery');
    } else {
      // On a laptop they stay beside the text while it scrolls, and mark the heading in view.
      await go(page, '/guide/process#aftercare');
      // Wait for the (possibly smooth) scroll to the heading to end.
      await page.waitForFunction(() => Math.abs(document.querySelector('#aftercare').getBoundingClientRect().top) < 30, { timeout: 5000 });
      const side = await page.evaluate(() => {
        const nav = document.querySelector('.toc-side');
        const r = nav.getBoundingClientRect();
        const current = [...nav.querySelectorAll('a')].filter((a) => {
          try { return a.matches(':target-current'); } catch { return null; }
        }).map((a) => a.getAttribute('href'));
        return { top: Math.round(r.top), left: Math.round(r.left), position: getComputedStyle(nav).position, current,
          supported: CSS.supports('selector(:target-current)') };
      });
      assert.equal(side.position, 'sticky');
      assert.ok(side.top >= 0 && side.top < 100, `the side contents stay in view: top=${side.top}`);
      assert.ok(side.left > 800, `the side contents sit to the right: left=${side.left}`);
      if (side.supported) assert.deepEqual(side.current, ['#aftercare'], 'the heading in view is marked');
      measured['side contents at 1280x900 on /guide/process#aftercare'] = side;
    }
    await page.close();
  }
});

test('labels inside the illustrations are at least 12 px as drawn, at both widths, and repeat no caption', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await newPage(viewport);
    let images = 0;
    for (const p of ['/guide/what-is-smp', '/guide/process', '/guide/cost-and-longevity', '/guide']) {
      await go(page, p);
      const labels = await page.evaluate(async () => {
        const found = [];
        for (const img of document.querySelectorAll('main figure img[src$=".svg"]')) {
          img.scrollIntoView(); // laid out even inside a part of /guide the browser skips off screen
          const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml').documentElement;
          // Rendered size = font size in SVG units x (rendered width / viewBox width).
          const viewBox = svg.getAttribute('viewBox').trim().split(/[\s,]+/).map(Number);
          const scale = img.clientWidth / viewBox[2];
          const caption = img.closest('figure').querySelector('figcaption')?.textContent.trim() ?? '';
          const texts = [...svg.querySelectorAll('text')].map((t) => {
            let el = t;
            while (el.nodeType === 1 && !el.getAttribute('font-size')) el = el.parentNode;
            const size = el.nodeType === 1 ? parseFloat(el.getAttribute('font-size')) : NaN;
            return { text: t.textContent.trim(), px: Math.round(size * scale * 10) / 10 };
          });
          found.push({ src: img.getAttribute('src'), width: img.clientWidth, viewBox: viewBox[2], texts,
            titles: [...svg.querySelectorAll('title')].map((t) => t.textContent.trim()), caption, alt: img.alt });
        }
        return found;
      });
      for (const image of labels) {
        images++;
        assert.ok(image.texts.length > 0, `${image.src} has labels`);
        for (const { text, px } of image.texts) {
          assert.ok(px >= 12, `${p} at ${viewport.width}px: "${text}" in ${image.src} is ${px} px`);
        }
        const smallest = Math.min(...image.texts.map((t) => t.px));
        measured[`smallest illustration label at ${viewport.width}px`] ??= {};
        measured[`smallest illustration label at ${viewport.width}px`][image.src.replace(/\.[0-9a-f]{10}\./, '.')] =
          `${smallest} px (drawn ${image.width} px wide, viewBox ${image.viewBox})`;
        assert.ok(!image.titles.includes(image.caption) && !image.texts.some((t) => t.text === image.caption),
          `${image.src} does not repeat its caption as a title`);
        assert.ok(image.alt.split(/\s+/).length >= 8, `${image.src} has alt text that says what it shows`);
      }
    }
    assert.ok(images >= 6, `three illustrations on their sections and on /guide, found ${images}`);
    await page.close();
  }
});

test('the menu marks the current page, or the part of the site a section belongs to', async () => {
  const cases = [['/', '/', 'page'], ['/guide', '/guide', 'page'], ['/guide/faq', '/guide/faq', 'page'],
    ['/guide/risks', '/guide', 'true'], ['/search?q=ink', '/search', 'page'], ['/about', null, null]];
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await newPage(viewport);
    for (const [p, href, value] of cases) {
      await go(page, p);
      const marked = await page.$$eval('.site-nav a[aria-current]', (links) =>
        links.map((a) => [a.getAttribute('href'), a.getAttribute('aria-current'), getComputedStyle(a).fontWeight]));
      assert.deepEqual(marked.map(([h, v]) => [h, v]), href ? [[href, value]] : [], p);
      if (href) assert.ok(Number(marked[0][2]) >= 700, `${p}: the current item is bold as well as underlined`);
    }
    await page.close();
  }
});

test('every page type at both widths, in light, dark and print, without sideways scrolling', async () => {
  const types = [['home', '/'], ['section', '/guide/process'], ['guide', '/guide'], ['faq', '/guide/faq'],
    ['about', '/about'], ['privacy', '/privacy'], ['search', '/search?q=pigment'], ['404', '/no-such-page'],
    ['sign-in', '/admin/login']];
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await newPage(viewport);
    const cdp = await page.createCDPSession();
    const size = viewport === PHONE ? 'phone' : 'desktop';
    for (const [name, p] of types) {
      for (const mode of ['light', 'dark', 'print']) {
        // One CDP call for both: puppeteer's two helpers each reset what the other set.
        await cdp.send('Emulation.setEmulatedMedia', {
          media: mode === 'print' ? 'print' : 'screen',
          features: [{ name: 'prefers-color-scheme', value: mode === 'dark' ? 'dark' : 'light' },
            { name: 'prefers-reduced-motion', value: 'reduce' }],
        });
        await go(page, p);
        assert.deepEqual(await page.evaluate(() => [matchMedia('print').matches, matchMedia('(prefers-color-scheme: dark)').matches]),
          [mode === 'print', mode === 'dark'], `${p} emulates ${mode}`);
        if (mode !== 'print') {
          const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.equal(sideways, 0, `${p} at ${viewport.width}px (${mode}) scrolls sideways by ${sideways}px`);
        } else {
          // Printouts leave out comments, the invitation to reply and the menus.
          const printed = await page.evaluate(() => ['.comments', '.respond', '.site-nav', '.toc-fold', '.comment-link']
            .filter((sel) => [...document.querySelectorAll(sel)].some((el) => el.getClientRects().length > 0)));
          assert.deepEqual(printed, [], `${p}: hidden in print`);
          if (p === '/guide') {
            const contents = await page.$$eval('.guide-contents a', (links) => links.filter((a) => a.getClientRects().length > 0).length);
            assert.equal(contents, 7, 'the printed one-page guide keeps its contents');
          }
        }
        await tallShot(page, `${name}-${size}-${mode}`);
      }
    }
    await page.close();
  }
});
