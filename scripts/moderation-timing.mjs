// How fast a scripted moderator clears the queue, in Debian's headless Chromium.
//
//   node scripts/moderation-timing.mjs [--binary target/release/smp-guide] [--runs 1]
//
// Starts the given binary on a free loopback port with a fresh SQLite database and the
// shipped content, posts 50 pending comments (30 to approve, 10 to spam, 10 to trash,
// mixed; each says which at its start), signs in, and then measures, at 1280x900:
//   - Tab presses from the queue's page load to the first Approve button, without and
//     (where the page has one) with the skip link to the first comment;
//   - a mouse moderator: clicks the right button on the first comment, waits for the page,
//     again until the queue is empty (fresh 50 comments);
//   - a keyboard moderator: keys only, with the page's own shortcuts where it has them
//     (a/s/t on the current comment), else Tab presses to the right button and Enter
//     (fresh 50 comments).
// Prints one JSON object. Used for the before/after numbers in docs/MODERATION.md.
// Needs the audit tools' puppeteer-core (shared/audit/install.sh) and /usr/bin/chromium.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const AUDIT_HOME = process.env.AUDIT_HOME || path.join(os.homedir(), '.cache', 'smp-audit');
const require = createRequire(path.join(AUDIT_HOME, 'node', 'package.json'));
const puppeteer = require('puppeteer-core');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const BINARY = path.resolve(option('--binary', 'target/release/smp-guide'));
const CONTENT = path.resolve(option('--content', 'content'));
const USER = 'timing';
const PASSWORD = 'a long timing password';
const DESKTOP = { width: 1280, height: 900, deviceScaleFactor: 1 };

async function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-timing-'));
  const database = `sqlite://${path.join(dir, 'timing.db')}`;
  fs.writeFileSync(path.join(dir, 'timing.toml'), '[comments]\nmin_interval_secs = 0\nmax_per_hour = 0\n');
  execFileSync(BINARY, ['moderator', 'add', USER, '--password-stdin', '--database', database], { input: PASSWORD });
  const port = await freePort();
  const child = spawn(BINARY, ['serve', '--addr', `127.0.0.1:${port}`, '--database', database,
    '--content', CONTENT, '--config', path.join(dir, 'timing.toml')], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, stop: () => { child.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** 30 approve, 10 spam, 10 trash, in a fixed mixed order. */
function decisions() {
  const list = [];
  for (let i = 0; i < 50; i++) list.push(i % 5 === 1 ? 'spam' : i % 5 === 3 ? 'trash' : 'approve');
  return list;
}

const SECTIONS = ['what-is-smp', 'process', 'cost-and-longevity', 'risks', 'choosing-a-practitioner', 'pros-and-cons', 'faq'];

async function seed(base, run) {
  const list = decisions();
  for (const [i, decision] of list.entries()) {
    const body = new URLSearchParams({
      comment: `decision:${decision}. Run ${run}, comment ${i}: a question a reader might ask about the treatment and its aftercare.`,
      author: `Reader ${run}-${i}`, email: `reader${i}@example.com`, url: '', parent: '',
    });
    const response = await fetch(`${base}/guide/${SECTIONS[i % SECTIONS.length]}/comments`, {
      method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (response.status !== 303) throw new Error(`seeding comment ${i}: ${response.status}`);
  }
}

async function signIn(page, base) {
  await page.goto(`${base}/admin/login`, { waitUntil: 'load' });
  await page.type('#field-username', USER);
  await page.type('#field-password', PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/admin/login"] button[type=submit]')]);
}

const isApprove = () => !!document.activeElement?.matches('button[formaction$="/approve"]');

/** Tab presses from a fresh load of /admin to the first Approve. */
async function tabsToFirstApprove(page, base, useSkipLink) {
  await page.goto(`${base}/admin`, { waitUntil: 'load' });
  // Start from the document, as after a page load with no click.
  await page.evaluate(() => { document.activeElement?.blur(); });
  let tabs = 0;
  let enters = 0;
  if (useSkipLink) {
    const hasSkip = await page.$('a.skip-link[href^="#comment-"]');
    if (!hasSkip) return null;
    for (; tabs < 20; tabs++) {
      if (await page.evaluate(() => !!document.activeElement?.matches('a.skip-link[href^="#comment-"]'))) break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    enters++;
  }
  for (; tabs < 200 && !(await page.evaluate(isApprove)); tabs++) await page.keyboard.press('Tab');
  return { tabs, enters };
}

async function firstCard(page) {
  return page.$$eval('.admin-comment', (cards) => {
    const card = cards[0];
    if (!card) return null;
    const decision = card.textContent.match(/decision:(approve|spam|trash)/)?.[1];
    return { id: card.id.replace('comment-', ''), decision };
  });
}

async function mouseModerator(page, base) {
  await page.goto(`${base}/admin`, { waitUntil: 'load' });
  const started = performance.now();
  let actions = 0;
  let scrolled = 0;
  for (let card = await firstCard(page); card; card = await firstCard(page)) {
    const selector = `button[formaction="/admin/comments/${card.id}/${card.decision}"]`;
    const before = await page.evaluate(() => scrollY);
    await page.$eval(selector, (b) => b.scrollIntoView({ block: 'center' }));
    scrolled += Math.abs((await page.evaluate(() => scrollY)) - before);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
    actions++;
    if (actions > 60) throw new Error('the queue did not empty');
  }
  return { seconds: (performance.now() - started) / 1000, actions, scrolledPx: Math.round(scrolled) };
}

async function keyboardModerator(page, base) {
  await page.goto(`${base}/admin`, { waitUntil: 'load' });
  const started = performance.now();
  const shortcuts = await page.evaluate(() => document.documentElement.dataset.shortcuts === 'on');
  let keys = 0;
  let actions = 0;
  for (let card = await firstCard(page); card; card = await firstCard(page)) {
    if (shortcuts) {
      const key = { approve: 'a', spam: 's', trash: 't' }[card.decision];
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press(key)]);
      keys++;
    } else {
      const wanted = `/admin/comments/${card.id}/${card.decision}`;
      for (let i = 0; ; i++) {
        if (i > 300) throw new Error(`could not reach ${wanted} with Tab`);
        await page.keyboard.press('Tab');
        keys++;
        if (await page.evaluate((w) => document.activeElement?.getAttribute('formaction') === w, wanted)) break;
      }
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      keys++;
    }
    actions++;
    if (actions > 60) throw new Error('the queue did not empty');
  }
  return { seconds: (performance.now() - started) / 1000, actions, keys, shortcuts };
}

const server = await startServer();
const browser = await puppeteer.launch({
  executablePath: process.env.AUDIT_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage',
    `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'smp-timing-chrome-'))}`],
});
try {
  const page = await browser.newPage();
  await page.setViewport(DESKTOP);
  // No smooth scrolling, so that a click lands where the button is (as in tests/e2e).
  await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
  await seed(server.base, 1);
  await signIn(page, server.base);
  const result = { binary: BINARY };
  result.tabsToFirstApprove = await tabsToFirstApprove(page, server.base, false);
  result.tabsToFirstApproveWithSkipLink = await tabsToFirstApprove(page, server.base, true);
  result.mouse = await mouseModerator(page, server.base);
  await seed(server.base, 2);
  result.keyboard = await keyboardModerator(page, server.base);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  server.stop();
}
