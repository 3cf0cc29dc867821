// Moderation journeys (issue 16) in headless Chromium, against the server that
// tests/api/browser.rs starts. Besides journeys.test.mjs's variables it passes:
//   SMP_E2E_MAIL      a folder where the test's SMTP sink writes each email it receives
//   SMP_E2E_LINK_KEY  the server's email-link key (hex), to make an expired link
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
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
const MAIL = process.env.SMP_E2E_MAIL;
const LINK_KEY = process.env.SMP_E2E_LINK_KEY;
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
      '--disable-dev-shm-usage', `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'smp-e2e-mod-'))}`],
  });
});
after(async () => { await browser?.close(); });

async function newPage(viewport = DESKTOP) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
  page.on('pageerror', (err) => { throw err; });
  return page;
}

async function go(page, pathname) {
  const response = await page.goto(BASE + pathname, { waitUntil: 'load' });
  return response.status();
}

async function clickAndWait(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

async function keyAndWait(page, key) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press(key)]);
}

async function signIn(page) {
  await go(page, '/admin/login');
  await page.type('#field-username', USER);
  await page.type('#field-password', PASSWORD);
  await clickAndWait(page, 'form[action="/admin/login"] button[type=submit]');
}

/** Posts a comment as a reader would (the form's fields); returns nothing. */
async function postComment(slug, comment, author, parent = '') {
  const body = new URLSearchParams({ comment, author, email: 'e2e-reader@example.com', url: '', parent });
  const response = await fetch(`${BASE}/guide/${slug}/comments`, {
    method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(response.status, 303, `posting "${comment}"`);
}

/** The id of the card whose text includes `text`, on the current page. */
async function cardId(page, text) {
  return page.$$eval('.admin-comment', (cards, t) => cards.find((c) => c.textContent.includes(t))?.dataset.comment ?? null, text);
}

async function statusOf(page, id) {
  // Through the comment's own page, which shows its state.
  const html = await page.evaluate(async (url) => (await fetch(url)).text(), `${BASE}/admin/comments/${id}`);
  return html.match(/class="admin-comment admin-comment-whole status-(\w+)"/)?.[1];
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

test('approve and answer: the moderator previews a Markdown answer and publishes both, at both widths', async () => {
  for (const [viewport, words] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
    const question = `Can I swim after a session? Asked on a ${words}.`;
    await postComment('process', question, `Swimmer ${words}`);
    const page = await newPage(viewport);
    await signIn(page);
    const id = await cardId(page, question);
    assert.ok(id, 'the pending comment is in the queue');
    await clickAndWait(page, `#comment-${id} a[data-key="r"]`);
    assert.match(await page.$eval('#answer', (s) => s.textContent), /approves the comment too/);
    // (The same answer twice in one section would be refused as a duplicate.)
    await page.type('#field-answer', `Not for a week, ${words} reader: see [the aftercare](/guide/process#aftercare) and *keep it dry*.`);
    await clickAndWait(page, 'button[name="intent"][value="preview"]');
    const preview = await page.$eval('.answer-preview', (p) => p.innerHTML);
    assert.match(preview, /<a href="\/guide\/process#aftercare" rel="nofollow noopener">the aftercare<\/a>/);
    assert.equal(await statusOf(page, id), 'pending', 'a preview publishes nothing');
    await clickAndWait(page, '#answer button:not([name])');
    assert.match(await page.$eval('.notice-bar', (n) => n.textContent), /approved and answered/);
    assert.match(await page.$eval('#answers', (a) => a.textContent), /keep it dry/);
    await go(page, '/guide/process');
    const thread = await page.$eval(`#comment-${id}`, (c) => c.innerHTML);
    assert.match(thread, /Can I swim after a session/);
    assert.match(thread, /<em>keep it dry<\/em>/, 'the answer is published, as Markdown');
    await page.close();
  }
});

test('each action can be undone from its notice, with the mouse and with the u key', async () => {
  const page = await newPage();
  await signIn(page);
  await postComment('risks', 'Undo journey comment', 'Undoer');
  await go(page, '/admin');
  const id = await cardId(page, 'Undo journey comment');
  for (const action of ['approve', 'spam', 'trash']) {
    await go(page, '/admin?status=pending');
    await clickAndWait(page, `button[formaction="/admin/comments/${id}/${action}"]`);
    assert.notEqual(await statusOf(page, id), 'pending', `${action} done`);
    assert.ok(await page.$('.notice-bar button[data-key="u"]'), `${action}: the notice offers Undo`);
    if (action === 'trash') await keyAndWait(page, 'u');
    else await clickAndWait(page, '.notice-bar button[data-key="u"]');
    assert.match(await page.$eval('.notice-bar', (n) => n.textContent), /put back as it was/);
    assert.equal(await statusOf(page, id), 'pending', `${action} undone`);
  }
  // Unapprove, from the Approved tab, and its undo.
  await go(page, '/admin?status=pending');
  await clickAndWait(page, `button[formaction="/admin/comments/${id}/approve"]`);
  await go(page, '/admin?status=approved');
  await clickAndWait(page, `button[formaction="/admin/comments/${id}/unapprove"]`);
  assert.equal(await statusOf(page, id), 'pending');
  await clickAndWait(page, '.notice-bar button[data-key="u"]');
  assert.equal(await statusOf(page, id), 'approved', 'unapprove undone: back on the site');
  await page.close();
});

test('deleting only from the trash, after a confirmation page, and the activity log shows who deleted what', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const text = `Delete journey comment at ${viewport.width}`;
    await postComment('faq', text, 'Deleter');
    const page = await newPage(viewport);
    await signIn(page);
    const id = await cardId(page, text);
    assert.equal(await page.$(`#comment-${id} a[href^="/admin/comments/${id}/delete"]`), null, 'no Delete on a pending comment');
    await clickAndWait(page, `button[formaction="/admin/comments/${id}/trash"]`);
    await go(page, '/admin?status=trash');
    await clickAndWait(page, `#comment-${id} a[href^="/admin/comments/${id}/delete"]`);
    assert.match(await page.$eval('h1', (h) => h.textContent), new RegExp(`Delete comment ${id} for good\\?`));
    assert.match(await page.$eval('main', (m) => m.textContent), /This cannot be undone/);
    await clickAndWait(page, '.confirm-form button[type=submit]');
    assert.match(await page.$eval('.notice-bar', (n) => n.textContent), /deleted for good/);
    assert.equal(new URL(page.url()).searchParams.get('status'), 'trash', 'back on the Trash tab');
    await go(page, '/admin/activity?action=delete');
    const row = await page.$$eval('.activity-table tbody tr', (rows, i) => rows.map((r) => r.textContent).find((t) => t.includes(`#${i} (gone)`)), id);
    assert.ok(row, `the deletion of ${id} is in the log`);
    assert.match(row, new RegExp(USER));
    assert.match(row, /Frequently asked questions|faq/i);
    await shot(page, `moderation-activity-${viewport === PHONE ? 'phone' : 'desktop'}`);
    await page.close();
  }
});

test('in a 60-comment queue, an action comes back to the same page and the next comment', async () => {
  for (let n = 0; n < 60; n++) await postComment('cost-and-longevity', `Place keeping comment number ${n}`, `Placer ${n}`);
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await newPage(viewport);
    await signIn(page);
    await go(page, '/admin?status=pending&section=cost-and-longevity&page=1');
    const ids = await page.$$eval('.admin-comment', (cards) => cards.map((c) => c.dataset.comment));
    assert.equal(ids.length, 50);
    const [target, next] = [ids[24], ids[25]];
    await page.$eval(`#comment-${target}`, (c) => c.scrollIntoView({ block: 'center' }));
    await clickAndWait(page, `button[formaction="/admin/comments/${target}/approve"]`);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('section'), 'cost-and-longevity', 'the filter is kept');
    assert.equal(url.hash, `#comment-${next}`, 'back at the next comment');
    const placed = await page.evaluate((id) => {
      const r = document.getElementById(`comment-${id}`).getBoundingClientRect();
      return { top: r.top, scrollY, focused: document.activeElement?.id };
    }, next);
    assert.ok(placed.scrollY > 500, `not at the top: scrollY=${placed.scrollY}`);
    assert.ok(placed.top >= 0 && placed.top < viewport.height / 2, `the next comment is in view: top=${placed.top}`);
    assert.equal(placed.focused, `comment-${next}`, 'and holds focus, for the keys');
    // Page 2 stays page 2.
    await go(page, '/admin?status=pending&section=cost-and-longevity&page=2');
    const second = await page.$eval('.admin-comment', (c) => c.dataset.comment);
    await clickAndWait(page, `button[formaction="/admin/comments/${second}/spam"]`);
    assert.equal(new URL(page.url()).searchParams.get('page'), '2');
    await page.close();
  }
});

test('keyboard only: the first Approve in at most 5 Tab presses, then j/k, a, s, t, u and r', async () => {
  for (let n = 0; n < 4; n++) await postComment('what-is-smp', `Keyboard journey ${n}`, `Keys ${n}`);
  const page = await newPage();
  await signIn(page);
  await go(page, '/admin?status=pending&section=what-is-smp');
  await page.evaluate(() => document.activeElement?.blur());
  let tabs = 0;
  await page.keyboard.press('Tab'); tabs++;
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the first comment');
  await page.keyboard.press('Enter');
  while (!(await page.evaluate(() => document.activeElement.matches('button[formaction$="/approve"]')))) {
    await page.keyboard.press('Tab'); tabs++;
    assert.ok(tabs <= 5, `more than 5 Tab presses to the first Approve (${tabs})`);
  }
  const first = await page.evaluate(() => document.activeElement.closest('.admin-comment').dataset.comment);
  await keyAndWait(page, 'Enter');
  assert.equal(await statusOf(page, first), 'approved');
  // Shortcuts: the page came back at the next comment, which holds focus.
  const order = await page.$$eval('.admin-comment', (cards) => cards.map((c) => c.dataset.comment));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.comment), order[0]);
  await page.keyboard.press('j');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.comment), order[1]);
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  await keyAndWait(page, 's');
  assert.equal(await statusOf(page, order[1]), 'spam');
  await keyAndWait(page, 'u');
  assert.equal(await statusOf(page, order[1]), 'pending', 'u undoes');
  const current = await page.evaluate(() => document.querySelector('.admin-comment.is-current').dataset.comment);
  await keyAndWait(page, 't');
  assert.equal(await statusOf(page, current), 'trash');
  await page.keyboard.press('x');
  const ticked = await page.evaluate(() => document.querySelector('.admin-comment.is-current input[name="ids"]').checked);
  assert.ok(ticked, 'x selects the current comment');
  await keyAndWait(page, 'r');
  assert.match(new URL(page.url()).pathname, /^\/admin\/comments\/\d+$/, 'r opens the answer form');
  // Typing in a field is never taken for a shortcut.
  await page.focus('#field-answer');
  await page.keyboard.type('a s t u');
  assert.equal(await page.$eval('#field-answer', (t) => t.value), 'a s t u');
  await page.close();
});

test('the queue at both widths: screenshots for docs/MODERATION.md, first comment on the first screen', async () => {
  for (const [viewport, name] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
    const page = await newPage(viewport);
    await signIn(page);
    await go(page, '/admin?status=pending');
    const first = await page.$eval('.admin-comment', (c) => ({
      top: c.getBoundingClientRect().top,
      approve: c.querySelector('.card-actions .button').getBoundingClientRect().bottom,
    }));
    assert.ok(first.top < viewport.height * 0.6, `the first comment starts at y=${first.top}`);
    assert.ok(first.approve <= viewport.height, `its buttons end at y=${first.approve}, on the first screen`);
    await shot(page, `moderation-queue-${name}`);
    await page.close();
  }
});

function latestMailWith(text) {
  const files = fs.readdirSync(MAIL).sort();
  for (const file of files.reverse()) {
    const body = fs.readFileSync(path.join(MAIL, file), 'utf8').replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    if (body.includes(text)) return body;
  }
  return null;
}

test('an email link approves a comment after sign-in and confirmation, once; an expired link is refused', { skip: !MAIL && 'no SMTP sink' }, async () => {
  const text = 'Email journey: is it normal for the colour to look darker at first?';
  await postComment('cost-and-longevity', text, 'Mailer');
  let mail = null;
  for (let i = 0; i < 100 && !mail; i++) {
    mail = latestMailWith(text);
    if (!mail) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(mail, 'the notification arrived');
  const block = mail.split('Comment ').find((b) => b.includes(text));
  const id = block.match(/^(\d+) by /)[1];
  const approve = block.match(/Approve:\s+(\S+)/)[1];
  assert.ok(!mail.includes('e2e-reader@example.com'), 'no commenter email in the mail');
  for (const viewport of [DESKTOP, PHONE]) {
    const page = await newPage(viewport);
    const link = new URL(approve);
    if (viewport === DESKTOP) {
      // Signed out: through the sign-in page, which comes back to the link.
      await go(page, link.pathname);
      assert.equal(new URL(page.url()).pathname, '/admin/login');
      await page.type('#field-username', USER);
      await page.type('#field-password', PASSWORD);
      await clickAndWait(page, 'form[action="/admin/login"] button[type=submit]');
      assert.equal(new URL(page.url()).pathname, link.pathname);
      assert.match(await page.$eval('h1', (h) => h.textContent), new RegExp(`Approve comment ${id}\\?`));
      assert.equal(await statusOf(page, id), 'pending', 'opening the link changed nothing');
      await shot(page, 'moderation-email-confirm-desktop');
      await clickAndWait(page, '.confirm-form button[type=submit]');
      assert.match(await page.$eval('.notice-bar', (n) => n.textContent), /1 comment approved/);
      assert.equal(await statusOf(page, id), 'approved');
    } else {
      await signIn(page);
      // A second use: refused, and nothing changes.
      assert.equal(await go(page, link.pathname), 410);
      assert.match(await page.$eval('main', (m) => m.textContent), /This link has been used/);
    }
    // Expired: the same kind of link, signed with the server's key, eight days old.
    if (LINK_KEY) {
      const expires = Math.floor(Date.now() / 1000) - 8 * 24 * 60 * 60;
      const nonce = crypto.randomBytes(8).toString('hex');
      const signature = crypto.createHmac('sha256', Buffer.from(LINK_KEY, 'hex'))
        .update(`email-action:${id}:spam:${expires}:${nonce}`).digest('hex').slice(0, 32);
      assert.equal(await go(page, `/admin/email/${id}.spam.${expires}.${nonce}.${signature}`), 410);
      assert.match(await page.$eval('main', (m) => m.textContent), /This link has expired/);
      assert.equal(await statusOf(page, id), 'approved');
    }
    await page.close();
  }
});
