// admin.mjs - the users and audit pages in real Chromium (playwright-core). Run by
// tests/integration/portal_admin.sh, which starts suidod with an SMTP server and exports
//   BASE_URL ART CHROMIUM BR_LOGIN BR_PW (an operator administrator) ST_LOGIN ST_PW (staff).
// Prints "ok N - what" per check; exits non-zero on the first failure, with a screenshot.
import { chromium } from 'playwright-core';

const E = process.env;
let n = 0, page, browser;
const consoleErrors = [];
function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
const snap = (name) => page.screenshot({ path: `${E.ART}/admin-${name}.png`, fullPage: true });

async function login(id, pw) {
  await page.goto(`${E.BASE_URL}/#/facilities`);
  await page.fill('#login-id', id);
  await page.fill('#login-password', pw);
  await page.click('#login-submit');
  await page.waitForSelector('#nav:not([hidden])');
}
async function logout() {
  await page.click('#logout');
  await page.waitForSelector('#login-id');
}
const row = (email) => page.locator(`#users-table tr[data-email="${email}"]`);
async function notice(re, what) {
  await page.waitForFunction((s) => new RegExp(s).test(document.querySelector('#users-msg')?.textContent || ''),
    re.source, { timeout: 10000 });
  ok(what);
}

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'UTC',
    viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('dialog', (d) => d.accept());

  // ---- staff: neither link, and the page itself is refused by the server ----------------------
  await login(E.ST_LOGIN, E.ST_PW);
  assert(await page.locator('#nav a[href="#/users"]').isHidden(), 'staff: no ユーザー link');
  assert(await page.locator('#nav a[href="#/audit"]').isHidden(), 'staff: no 監査ログ link');
  await page.goto(`${E.BASE_URL}/#/users`);
  await page.waitForFunction(() => (document.querySelector('#users-error')?.textContent || '').length > 0);
  ok('staff: the users page shows the server\'s refusal');
  await snap('staff-refused-ja');
  await logout();

  // ---- an operator administrator, in Japanese -------------------------------------------------
  await login(E.BR_LOGIN, E.BR_PW);
  const usersLink = page.locator('#nav a[href="#/users"]');
  assert(await usersLink.isVisible() && (await usersLink.textContent()) === 'ユーザー', 'admin: ユーザー link');
  assert((await page.locator('#nav a[href="#/audit"]').textContent()) === '監査ログ', 'admin: 監査ログ link');
  await usersLink.click();
  await page.waitForSelector('#users-table tr[data-email="st@sapporo.test"]');
  assert((await page.locator('#view h1').textContent()) === 'ユーザー管理', 'users page in Japanese');
  assert(await row('rs@sapporo.test').count() === 1, 'the tenant\'s users are listed');
  assert(await page.locator('#users-table tr[data-email="b1@example.jp"]').count() === 0,
    'another tenant\'s users are not');
  assert(await page.locator('.u-otp').count() === 0, 'no "require two-step" for an operator administrator');
  const roles = await page.locator('#nu-role option').evaluateAll((o) => o.map((x) => x.value));
  assert(roles.join() === 'operator_admin,operator_general', `roles offered: ${roles}`);

  // issue: the page says it was mailed, and shows no password
  await page.fill('#nu-email', 'new@sapporo.test');
  await page.selectOption('#nu-role', 'operator_general');
  await page.click('#nu-submit');
  await notice(/new@sapporo\.test にログイン情報をメールで送信しました/, 'issued: the page says the credentials were mailed');
  await page.waitForSelector('#users-table tr[data-email="new@sapporo.test"]');
  assert(!(await page.content()).includes('sdp_'), 'no provisional password anywhere in the page');
  await snap('users-ja');

  // role, disable / enable, reset
  await row('new@sapporo.test').locator('select.u-role').selectOption('operator_admin');
  await notice(/権限を変更しました/, 'role changed');
  assert(await row('new@sapporo.test').locator('select.u-role').inputValue() === 'operator_admin', 'role shown');
  await row('new@sapporo.test').locator('.u-disable').click();
  await notice(/無効にしました/, 'disabled');
  assert((await row('new@sapporo.test').locator('.c-state').textContent()) === '無効化', 'state 無効化');
  await row('new@sapporo.test').locator('.u-disable').click();
  await notice(/有効にしました/, 'enabled again');
  await row('rs@sapporo.test').locator('.u-reset').click();
  await notice(/rs@sapporo\.test に仮パスワードをメールで送信しました/, 'reset: mailed');

  // the audit log, filtered by action prefix, times in JST
  await page.click('#nav a[href="#/audit"]');
  await page.waitForSelector('#audit-table tbody tr');
  await page.fill('#au-action', 'user.');
  await page.click('#au-apply');
  await page.waitForFunction(() => {
    const a = [...document.querySelectorAll('#audit-table tbody .c-action')].map((x) => x.textContent);
    return a.length > 0 && a.every((x) => x.startsWith('user.')) && a.includes('user.reset');
  });
  ok('audit filtered by action prefix');
  const ts = await page.locator('#audit-table tbody tr .c-time').first().textContent();
  const jst = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit',
    day: '2-digit' }).format(new Date());
  assert(ts.startsWith(jst), `times in JST although the browser is in UTC (${ts})`);
  await snap('audit-ja');

  // ---- English ---------------------------------------------------------------------------------
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('#view h1')?.textContent === 'Audit log');
  ok('audit page in English');
  assert((await page.locator('#nav a[href="#/users"]').textContent()) === 'Users', 'Users link in English');
  await page.click('#nav a[href="#/users"]');
  await page.waitForSelector('#users-table tr[data-email="new@sapporo.test"]');
  assert((await page.locator('#view h1').textContent()) === 'Users', 'users page in English');
  await snap('users-en');
  await page.click('#nav a[href="#/audit"]');
  await page.waitForSelector('#audit-table tbody tr');
  await snap('audit-en');
  assert(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
}

main().then(() => browser.close(), async (e) => {
  console.error(e.message || e);
  try { await snap('failure'); } catch { /* no page */ }
  if (browser) await browser.close();
  process.exit(1);
});
