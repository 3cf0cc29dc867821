// Third-party page checks that scripts/audit-site.sh adds to shared/audit:
//   - pa11y with its HTML_CodeSniffer runner, WCAG 2 AA: every error fails;
//   - webhint with the web-recommended set (hintrc.json): every error fails, warnings are
//     counted and listed by hint.
// Usage: node checks.mjs BASE_URL PATH...   (after install.sh; AUDIT_HOME as there)
// Prints one block per finding and a last line:
//   extra: pages=N pa11y_errors=0 webhint_errors=0 webhint_warnings=K result=pass
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const AUDIT_HOME = process.env.AUDIT_HOME || path.join(os.homedir(), '.cache', 'smp-audit');
const CHROMIUM = process.env.AUDIT_CHROMIUM || '/usr/bin/chromium';
const require = createRequire(path.join(AUDIT_HOME, 'extra', 'package.json'));

const [base, ...paths] = process.argv.slice(2);
if (!base || paths.length === 0) {
  console.error('usage: node checks.mjs BASE_URL PATH...');
  process.exit(2);
}
const urls = paths.map((p) => base + p);

/**
 * Findings that are the checker's mistake, not the page's. Each is named and justified in
 * docs/TESTING.md; nothing else is filtered.
 */
const PA11Y_FALSE_POSITIVES = [
  // HTML_CodeSniffer's H98 leaves <input type="url"> out of the "url" autofill control
  // group (the HTML standard's group is hidden, text, search, url, textarea and select),
  // so it reports the comment form's correct autocomplete="url".
  (issue) => issue.code.endsWith('1_3_5.H98') && /type="url"/.test(issue.context) && /Url control group/.test(issue.message),
];

async function runPa11y() {
  const pa11y = require('pa11y');
  const puppeteer = require('puppeteer');
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let errors = 0;
  let filtered = 0;
  try {
    for (const url of urls) {
      const result = await pa11y(url, {
        browser, standard: 'WCAG2AA', runners: ['htmlcs'], includeWarnings: false, includeNotices: false,
        timeout: 60000,
      });
      const issues = result.issues.filter((issue) => {
        const skip = PA11Y_FALSE_POSITIVES.some((known) => known(issue));
        if (skip) filtered++;
        return !skip;
      });
      for (const issue of issues) {
        console.log(`pa11y ${url}: ${issue.code}: ${issue.message}\n  ${issue.selector}: ${issue.context}`);
      }
      errors += issues.length;
    }
  } finally {
    await browser.close();
  }
  return { errors, filtered };
}

/** webhint's JSON formatter writes one array per resource, each after a heading line. */
function parseHintOutput(text) {
  const findings = [];
  let at = 0;
  for (;;) {
    const start = text.indexOf('[', at);
    if (start < 0) break;
    let parsed = null;
    for (let end = text.indexOf('\n]', start); end >= 0 && !parsed; end = text.indexOf('\n]', end + 2)) {
      try { parsed = JSON.parse(text.slice(start, end + 2)); at = end + 2; } catch { /* keep looking */ }
    }
    if (!parsed) break;
    findings.push(...parsed);
  }
  return findings;
}

async function runWebhint() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-webhint-'));
  const config = JSON.parse(fs.readFileSync(path.join(HERE, 'hintrc.json'), 'utf8'));
  config.connector.options.puppeteerOptions.executablePath = CHROMIUM;
  fs.writeFileSync(path.join(work, '.hintrc'), JSON.stringify(config));
  const bin = path.join(AUDIT_HOME, 'extra', 'node_modules', 'hint', 'dist', 'src', 'bin', 'hint.js');
  const output = await new Promise((resolve) => {
    // webhint exits 1 when it reports anything, warnings included: read its report instead.
    execFile('node', [bin, ...urls], { cwd: work, maxBuffer: 256 * 1024 * 1024, timeout: 15 * 60 * 1000 },
      (err, stdout, stderr) => resolve({ err, stdout, stderr }));
  });
  fs.rmSync(work, { recursive: true, force: true });
  const findings = parseHintOutput(output.stdout);
  if (findings.length === 0 && output.err && !/no issues/i.test(output.stdout)) {
    console.log(`webhint did not run: ${output.err.message}\n${output.stderr}`);
    return { errors: 1, warnings: 0 };
  }
  // Severity: 4 error, 3 warning, 2 hint, 1 information (@hint/utils-types).
  const errors = findings.filter((f) => f.severity >= 4);
  for (const f of errors) {
    console.log(`webhint ${f.resource}: ${f.hintId}: ${f.message}\n  ${(f.sourceCode || '').slice(0, 200)}`);
  }
  const warnings = findings.filter((f) => f.severity === 3);
  const byHint = {};
  for (const f of warnings) byHint[f.hintId] = (byHint[f.hintId] || 0) + 1;
  console.log(`webhint warnings by hint (reported, not failing): ${JSON.stringify(byHint)}`);
  return { errors: errors.length, warnings: warnings.length };
}

const pa = await runPa11y();
const hint = await runWebhint();
const pass = pa.errors === 0 && hint.errors === 0;
console.log(`extra: pages=${urls.length} pa11y_errors=${pa.errors} pa11y_known_false_positives=${pa.filtered} `
  + `webhint_errors=${hint.errors} webhint_warnings=${hint.warnings} result=${pass ? 'pass' : 'fail'}`);
process.exit(pass ? 0 : 1);
