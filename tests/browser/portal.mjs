// portal.mjs - the portal in real Chromium (Debian's, driven by playwright-core). Run by
// tests/integration/portal_browser.sh, which starts suidod, seeds the tenant and exports:
//   BASE_URL P_LOGIN P_PW (provisional) P_NEWLOGIN P_NEWPW GW_TOKEN ART CHROMIUM, and
// Prints "ok N - what" per check; exits non-zero on the first failure, with a screenshot.
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
let n = 0, shot = 0, page, browser;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(name) {
  shot += 1;
  await page.screenshot({ path: `${ART}/${String(shot).padStart(2, '0')}-${name}.png`, fullPage: true });
}
const totp = (secret, later) => execFileSync('oathtool',
  ['--totp', '-b', ...(later ? ['-N', 'now + 30 seconds'] : []), secret]).toString().trim();

async function upload(samples) {
  const r = await fetch(`${BASE}/gwif/v1/data`, { method: 'POST',
    headers: { Authorization: `Bearer ${E.GW_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ samples: samples.map(([id, v]) => ({ data_id: id, ts: new Date().toISOString(), value: v })) }) });
  if (r.status !== 200) throw new Error(`upload ${r.status}: ${await r.text()}`);
}
const card = (code) => page.locator(`#facilities .fac[data-code="${code}"]`);
async function waitState(code, state, what) {
  await page.waitForSelector(`#facilities .fac[data-code="${code}"][data-state="${state}"]`, { timeout: 20000 });
  ok(what);
}

// Every key in both languages, and every literal key the pages use in the dictionary.
async function checkDictionary() {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { dictKeys } = await import('../../web/js/i18n.js');
  const k = dictKeys();
  const ja = new Set(k.ja), en = new Set(k.en);
  const diff = [...k.ja.filter((x) => !en.has(x)), ...k.en.filter((x) => !ja.has(x))];
  assert(diff.length === 0, `ja and en have the same keys (${diff.join(', ')})`);
  const dir = new URL('../../web/js/', import.meta.url);
  const files = ['app.js', ...readdirSync(new URL('views/', dir)).map((f) => `views/${f}`)];
  const used = new Set();
  for (const f of files)
    for (const m of readFileSync(new URL(f, dir), 'utf8').matchAll(/\bt\('([a-z0-9_.]+)'/g)) used.add(m[1]);
  const html = readFileSync(new URL('../index.html', dir), 'utf8');
  for (const m of html.matchAll(/data-i18n="([a-z0-9_.]+)"/g)) used.add(m[1]);
  const missing = [...used].filter((x) => !ja.has(x));
  assert(missing.length === 0, `all ${used.size} keys used are in the dictionary (${missing.join(', ')})`);
}

async function main() {
  await checkDictionary();
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('console', (m) => {
    // 401 from GET /api/v1/me before login is expected; everything else (CSP refusals!) is not
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // ---- first login with the provisional password, in Japanese ---------------------------------
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#login-form');
  assert(await page.locator('#login-form h1').textContent() === 'ログイン', 'Japanese by default');
  assert(await page.evaluate(() => document.documentElement.lang) === 'ja', 'html lang=ja');
  await snap('login');
  await page.fill('#login-id', E.P_LOGIN);
  await page.fill('#login-password', 'wrong-password');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  assert((await page.textContent('#login-error')).includes('違います'), 'wrong password refused');
  await page.fill('#login-password', E.P_PW);
  await page.click('#login-submit');

  // ---- first-login password change: permanent login id, new password -------------------------
  await page.waitForSelector('#pw-form');
  ok('provisional password leads to the password change');
  await page.fill('#pw-login', E.P_NEWLOGIN);
  await page.fill('#pw-new', E.P_NEWPW);
  await page.fill('#pw-confirm', E.P_NEWPW + 'x');
  await page.click('#pw-submit');
  assert((await page.textContent('#pw-error')).includes('一致しません'), 'mismatched confirmation refused');
  await page.fill('#pw-confirm', E.P_NEWPW);
  await snap('password-change');
  await page.click('#pw-submit');

  // ---- TOTP enrolment: required for this user, QR drawn by suidod --------------------------
  await page.waitForSelector('#totp');
  ok('enrolment required before anything else');
  assert(await page.locator('#nav').isHidden(), 'no navigation before enrolment');
  await page.click('#totp-start');
  await page.waitForSelector('#totp-qr');
  await page.waitForFunction(() => {
    const i = document.querySelector('#totp-qr');
    return i.complete && i.naturalWidth > 0;
  });
  ok('QR code image loaded');
  const qr = await page.evaluate(async () => {
    const r = await fetch(document.querySelector('#totp-qr').src);
    return { type: r.headers.get('content-type'), cache: r.headers.get('cache-control'), body: await r.text() };
  });
  assert(qr.type === 'image/svg+xml' && qr.cache === 'no-store', 'QR is SVG, no-store');
  const m = /viewBox="0 0 (\d+) \1"/.exec(qr.body);
  assert(m && (Number(m[1]) - 8 - 17) % 4 === 0 && Number(m[1]) - 8 >= 41, 'QR has a whole version of modules');
  const secret = await page.getAttribute('#totp-secret', 'data-secret');
  assert(/^[A-Z2-7]{32}$/.test(secret), 'secret shown in base32');
  await snap('totp-enrol');
  await page.fill('#totp-code', '000000');
  await page.click('#totp-confirm');
  await page.waitForFunction(() => document.querySelector('#totp-error').textContent.length > 0);
  ok('wrong enrolment code refused');
  await page.fill('#totp-code', totp(secret));
  await page.click('#totp-confirm');
  await page.waitForSelector('#facilities', { state: 'attached' });
  assert((await page.textContent('#banner')).includes('二段階認証を有効にしました'), 'TOTP on');
  assert(await page.textContent('#whoami') === E.P_NEWLOGIN, 'logged in under the new login id');

  // ---- log out, log in again with password and TOTP ------------------------------------------
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  await page.fill('#login-id', E.P_NEWLOGIN);
  await page.fill('#login-password', E.P_NEWPW);
  await page.click('#login-submit');
  await page.waitForSelector('#login-otp', { state: 'visible' });
  ok('password accepted, one-time code asked for');
  await page.fill('#login-otp', totp(secret, true));
  await snap('login-totp');
  await page.click('#login-submit');
  await page.waitForSelector('#facilities', { state: 'attached' });
  ok('logged in with TOTP');
  await page.waitForSelector('#facilities .fac, #view .error:not(:empty)');

  // ---- English, remembered across a reload -----------------------------------------------------
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert(await page.textContent('#nav a[href="#/facilities"]') === 'Facilities', 'switched to English');
  await page.reload();
  await page.waitForSelector('#facilities', { state: 'attached' });
  assert(await page.textContent('#view h1') === 'Facilities', 'English remembered after reload');
  assert(await page.evaluate(() => localStorage.getItem('suido.lang')) === 'en', 'choice in localStorage');
  await snap('facilities-en');
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'ja');
  assert(await page.textContent('#view h1') === '施設一覧', 'back to Japanese');

  // ---- trend of the uploaded tank level -------------------------------------------------------
  await page.goto(`${BASE}/#/trend?point=gorin-l2.tank_level&range=24h`);
  await page.waitForSelector('#trend-chart');
  assert(await page.inputValue('#trend-facility') === '222', 'facility chosen from the point');
  const dots = await page.locator('#trend-chart circle.dot').count();
  assert(dots === 23, `one dot per hour with data (${dots})`);
  assert(await page.getAttribute('#trend-summary', 'data-buckets') === '23', 'summary counts 23 hours');
  assert((await page.getAttribute('#trend-chart polyline.line', 'points')).split(' ').length === 23, 'mean line');
  await snap('trend');

  // ---- monitoring status ----------------------------------------------------------------
  await page.goto(`${BASE}/#/status`);
  await page.waitForSelector('#st-components, #view .error:not(:empty)');
  const svc = page.locator('#st-components tbody tr', { hasText: 'suidod' });
  assert(await svc.count() === 1, 'suidod listed among the monitored components');
  assert(await svc.locator('.badge.sst-ok').count() === 1, 'suidod shown OK');
  assert(await page.locator('#st-resources tbody tr:not(.empty)').count() > 0, 'resources listed');
  await snap('status');
  ok('status page rendered');

  await storedFileSteps();
  await alarmSteps();

  assert(consoleErrors.length === 0, `no script errors or CSP refusals (${consoleErrors.join(' | ')})`);
}

// Issue 11: a page and a script uploaded through the files API must never run from the portal's
// origin. The operator admin (this session) opens the page's URL: it must be a download, and
// neither its inline script nor its uploaded script may run (no marker, no user created).
async function storedFileSteps() {
  await page.goto(`${BASE}/#/facilities`);
  await page.waitForSelector('#facilities', { state: 'attached' });
  const url = `${BASE}/apif/v1/files/${E.EVIL_HTML}`;
  // open it, as a link in a mail would: Chromium aborts the navigation for a download; a page
  // that rendered instead would have run its scripts (synchronously, before load) by the time
  // goto returns
  const tab = await page.context().newPage();
  const dlWait = tab.waitForEvent('download', { timeout: 15000 }).catch(() => null);
  await tab.goto(url).catch((e) => e);
  assert(await page.evaluate(() => localStorage.getItem('suido.pwned')) === null,
    'no stored script ran (neither inline nor the uploaded .js)');
  assert(!(await tab.title()).includes('PWNED'), 'the stored page did not render');
  const dl = await dlWait;
  assert(dl !== null, 'opening the stored page starts a download');
  assert(dl.suggestedFilename() === '請求書 2026.html', `downloaded under its Japanese name (${dl.suggestedFilename()})`);
  await dl.delete();
  const dl2Wait = tab.waitForEvent('download', { timeout: 15000 }).catch(() => null);
  await tab.goto(`${BASE}/apif/v1/files/xss/evil.js`).catch((e) => e);
  const dl2 = await dl2Wait;
  assert(dl2 !== null && dl2.suggestedFilename() === 'evil.js', 'the stored script is a download too');
  await dl2.delete();
  await tab.close();
  const headers = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, type: r.headers.get('content-type'), cd: r.headers.get('content-disposition'),
      csp: r.headers.get('content-security-policy'), nosniff: r.headers.get('x-content-type-options') };
  }, url);
  assert(headers.status === 200 && headers.type === 'application/octet-stream', 'stored page is not served as HTML');
  assert(/^attachment;/.test(headers.cd) && /sandbox/.test(headers.csp) && headers.nosniff === 'nosniff',
    'stored page: attachment, sandbox CSP, nosniff');
  const users = await page.evaluate(async () => (await (await fetch('/api/v1/users')).json()).items);
  assert(Array.isArray(users) && users.length > 0 && !users.some((u) => u.email === E.EVIL_EMAIL),
    'no user was created by the stored page');
  ok('stored content never runs from the portal origin');
}

async function alarmSteps() {
  // ---- a pump starts: the facility turns red ---------------------------------------------------
  await page.goto(`${BASE}/#/facilities`);
  await page.waitForSelector('#facilities .fac[data-code="222"]');
  await upload([['gorin-l2.pump1_run', 1], ['gorin-l2.pump1_fault', 0]]);
  await waitState('222', 'running', 'pump 1 running: facility 222 running');
  const red = await card('222').evaluate((el) => getComputedStyle(el).borderLeftColor);
  assert(red === 'rgb(211, 47, 47)', `running is red (${red})`);
  await snap('facility-running');

  // ---- the pump faults: a major alarm arrives, the facility turns orange ------------------------
  await upload([['gorin-l2.pump1_fault', 1]]);
  await waitState('222', 'faulted', 'major alarm: facility 222 faulted');
  const orange = await card('222').evaluate((el) => getComputedStyle(el).borderLeftColor);
  assert(orange === 'rgb(239, 108, 0)', `faulted is orange (${orange})`);
  await snap('facility-faulted');
  await page.goto(`${BASE}/#/alarms`);
  const row = page.locator('#alarm-table tbody tr[data-id]', { hasText: '1号ポンプ 故障' });
  await row.first().waitFor({ timeout: 15000 });
  assert(await row.first().getAttribute('data-state') === 'unacked', 'alarm arrives unacknowledged');
  assert((await page.title()).startsWith('('), 'tab title counts unacknowledged alarms');
  await page.waitForSelector('#unacked:not([hidden])', { timeout: 10000 });
  assert(await page.textContent('#unacked') === '1', 'navigation counts unacknowledged alarms');
  await snap('alarm-arrived');

  // ---- acknowledge in the console, comment, history ---------------------------------------------
  await row.first().locator('.act-ack').click();
  await page.waitForSelector('#alarm-table tbody tr[data-state="acked"]', { timeout: 10000 });
  ok('acknowledged from the console');
  await page.waitForSelector('#unacked[hidden]', { state: 'attached', timeout: 10000 });
  ok('navigation count gone after acknowledging');
  await row.first().locator('.act-comment').click();
  await page.fill('#panel-comment', '現地確認に向かいます <b>&amp;</b>');
  await page.click('#panel-ok');
  await page.waitForSelector('#alarm-panel', { state: 'hidden' });
  await row.first().locator('.act-detail').click();
  await page.waitForSelector('#alarm-history li');
  const hist = await page.textContent('#alarm-history');
  assert(hist.includes('<b>&amp;</b>'), 'comment shown as text, not markup');
  assert(await page.locator('#alarm-history b', { hasText: '&' }).count() === 0, 'no injected element');
  await snap('alarm-acked');

  // ---- shelve for 30 minutes with a comment, then unshelve ---------------------------------------
  await page.click('#alarm-panel button.ghost');
  await row.first().locator('.act-shelve').click();
  await page.fill('#panel-minutes', '30');
  await page.click('#panel-ok');
  assert((await page.textContent('#alarm-panel .error')).length > 0, 'shelving needs a comment');
  await page.fill('#panel-comment', '点検のため一時保留');
  await page.click('#panel-ok');
  await page.waitForSelector('#alarm-table tbody tr[data-state="shelved"] .a-until', { timeout: 10000 });
  ok('shelved, with its expiry shown');
  await snap('alarm-shelved');
  await row.first().locator('.act-unshelve').click();
  await page.waitForSelector('#alarm-table tbody tr[data-state="acked"]', { timeout: 10000 });
  ok('unshelved');

  // ---- back to normal: cleared, gone from the active list ----------------------------------------
  await upload([['gorin-l2.pump1_fault', 0], ['gorin-l2.pump1_run', 0]]);
  await page.waitForFunction(() => ![...document.querySelectorAll('#alarm-table tbody tr[data-id]')]
    .some((r) => r.textContent.includes('1号ポンプ 故障')), null, { timeout: 15000 });
  ok('returned and acknowledged: cleared from the active list');
  await page.goto(`${BASE}/#/facilities`);
  await waitState('222', 'stopped', 'pumps stopped, no alarm: facility 222 green');
  await snap('facility-stopped');

  // ---- a regional power cut: one flood row instead of a screenful, every alarm still there ------
  const cut = ['gorin-l3', 'hiragishi-l3', 'sumikawa1-l3', 'sumikawa2-l3', 'kitahiroshima1-l3',
    'kitahiroshima2-l3'].map((d) => [`${d}.power_fail`, 1]);
  await upload(cut);
  await page.goto(`${BASE}/#/alarms`);
  const group = page.locator('#alarm-table tbody tr.group');
  await group.first().waitFor({ timeout: 15000 });
  const members = await page.evaluate(() => {
    const g = document.querySelector('#alarm-table tbody tr.group');
    return Number(/\d+/.exec(g.querySelector('.c-state').textContent)[0]);
  });
  assert(members >= 2, `flood collapsed into one row (${members} alarms in it)`);
  const loose = await page.locator('#alarm-table tbody tr[data-id]:not(.in-group)').count();
  assert(loose + members === cut.length, `every alarm accounted for (${loose} + ${members})`);
  await snap('alarm-flood');
  await group.first().locator('.act-expand').click();
  assert(await page.locator('#alarm-table tbody tr.in-group').count() === members, 'expanded');
  await group.first().locator('.act-group-ack').click();
  await page.waitForFunction(() => document.querySelectorAll(
    '#alarm-table tbody tr.in-group[data-state="unacked"]').length === 0, null, { timeout: 10000 });
  ok('flood acknowledged at once');
  await page.selectOption('#f-severity', '1');
  assert(await page.locator('#alarm-table tbody tr[data-id]:not(.sev-1)').count() === 0,
    'severity filter: critical only');
  await page.selectOption('#f-state', 'unacked');
  await page.waitForFunction(() => [...document.querySelectorAll('#alarm-table tbody tr[data-id]')]
    .every((r) => r.dataset.state === 'unacked'), null, { timeout: 10000 });
  assert(await page.locator('#alarm-table tbody tr[data-id]').count() === loose, 'state filter: unacked only');
  await snap('alarm-filtered');
}

main().then(async () => {
  console.log(`${n} passed, 0 failed`);
  await browser.close();
}).catch(async (e) => {
  console.error(e.stack || String(e));
  if (page) await snap('FAILED').catch(() => {});
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
