// inquiries.mjs - 問い合わせ in the portal, in real Chromium (Debian's, via playwright-core). Run by
// tests/integration/portal_inquiries.sh, which starts suidod and aiosmtpd, makes the users and
// exports BASE_URL ART CHROMIUM P_OPPW P_BGPW P_A1PW P_FILE. Prints "ok N - what" per check; exits
// non-zero on the first failure, with a screenshot.
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
const SUBJECT = 'ポンプ P-2 の停止';
let n = 0, shot = 0, page, browser;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(name) {
  shot += 1;
  await page.screenshot({ path: `${ART}/inquiries-${String(shot).padStart(2, '0')}-${name}.png`, fullPage: true });
}
const text = (sel) => page.locator(sel).first().textContent();

async function login(id, pw) {
  await page.goto(`${BASE}/#/inquiries`);
  await page.waitForSelector('#login-form');
  await page.fill('#login-id', id);
  await page.fill('#login-password', pw);
  await page.click('#login-submit');
  await page.waitForSelector('#nav:not([hidden])');
}
async function logout() {
  await page.click('#logout');
  await page.waitForSelector('#login-form');
}
async function state() { return (await text('#inq-state')).trim(); }

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // ---- the operator opens an inquiry to its admins, in Japanese, and attaches a file ---------
  await login('op@example.jp', E.P_OPPW);
  const link = page.locator('#nav a[href="#/inquiries"]');
  assert(await link.isVisible() && (await link.textContent()) === '問い合わせ', 'nav link 問い合わせ');
  await page.goto(`${BASE}/#/inquiries`);
  await page.waitForSelector('#inq-table');
  await page.click('#inq-new');
  await page.selectOption('#inq-addressee', 'tenant');
  await page.selectOption('#inq-category', 'failure');
  await page.fill('#inq-subject', SUBJECT);
  await page.fill('#inq-body', '夜間にポンプ P-2 が停止します。ログを添付します。');
  await snap('new');
  await page.click('#inq-submit');
  await page.waitForSelector('#inq-thread');
  assert(await state() === '受付', 'opened: 受付');
  const bg = await page.locator('#inq-state .inq-st').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert(bg !== 'rgba(0, 0, 0, 0)' && bg !== 'rgb(238, 242, 246)', `the status is a coloured badge (${bg})`);
  assert((await text('#inq-title')) === SUBJECT, 'the subject as text');
  await page.setInputFiles('#inq-file', E.P_FILE);
  await page.click('#inq-send');
  await page.waitForSelector('#inq-thread li[data-kind="file"]');
  const a = page.locator('#inq-thread li[data-kind="file"] a');
  assert((await a.textContent()) === '計器.csv', 'the file on the thread');
  const dl = await page.request.get(`${BASE}${await a.getAttribute('href')}`);
  assert(dl.status() === 200 && /attachment/.test(dl.headers()['content-disposition']),
    'it downloads as an attachment');
  await page.click('#inq-send');
  assert((await text('#inq-err')).length > 0, 'an empty reply is refused on the page');
  await snap('opened');
  await logout();

  // ---- the admin finds it by search, in English, replies and closes it -----------------------
  await login('a1@example.jp', E.P_A1PW);
  await page.click('#lang');
  await page.goto(`${BASE}/#/inquiries`);
  await page.waitForSelector('#inq-table');
  assert((await page.locator('#nav a[href="#/inquiries"]').textContent()) === 'Inquiries', 'nav link Inquiries');
  await page.fill('#inq-q', 'P-2');
  await page.click('#inq-search');
  await page.waitForFunction(() => /q=P-2/.test(location.hash));
  await page.waitForSelector('#inq-table tbody tr[data-id]');
  assert(await page.locator('#inq-table tbody tr[data-id]').count() === 1, 'search finds it');
  await page.fill('#inq-q', 'no such words');
  await page.click('#inq-search');
  await page.waitForFunction(() => /no\+such|no%20such/.test(location.hash));
  await page.waitForFunction(() => !document.querySelector('#inq-table tbody tr[data-id]'));
  ok('search for other words: none');
  await page.goto(`${BASE}/#/inquiries?status=received`);
  await page.waitForSelector('#inq-table tbody tr[data-id]');
  await snap('list-en');
  await page.click(`#inq-table a:has-text("${SUBJECT}")`);
  await page.waitForSelector('#inq-thread');
  assert(await state() === 'Received', 'status in English');
  await page.fill('#inq-reply', 'Please update the pump firmware. / ファームウェアを更新してください。');
  await page.click('#inq-send');
  await page.waitForFunction(() => document.querySelector('#inq-state')?.textContent.trim() === 'Answered');
  ok('the reply answers it: Answered');
  await snap('answered');
  await page.selectOption('#inq-set-status', 'closed');
  await page.click('#inq-change');
  await page.waitForSelector('#inq-closed');
  assert(await state() === 'Closed', 'closed');
  assert(await page.locator('#inq-reply').count() === 0, 'no reply form when closed');
  await snap('closed');
  await page.click('#lang');
  await logout();

  // ---- another tenant's operator: not found ----------------------------------------------------
  await login('bg@example.jp', E.P_BGPW);
  await page.goto(`${BASE}/#/inquiries`);
  await page.waitForSelector('#inq-table');
  assert(await page.locator('#inq-table tbody tr[data-id]').count() === 0, 'another tenant lists none');
  const id = await page.evaluate(async () => (await (await fetch('/api/v1/inquiries')).json()).items.length);
  assert(id === 0, 'and the API gives none');
  await page.goto(`${BASE}/#/inquiries?id=1`);
  await page.waitForSelector('#inq-err');
  assert(/not found|見つかりません|not_found/i.test(await text('#inq-err')), 'opening it by id: not found');
  await snap('other-tenant');
  assert(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
}

main().then(() => browser.close()).catch(async (e) => {
  console.error(e);
  try { await snap('failure'); } catch { /* no page */ }
  if (browser) await browser.close();
  process.exit(1);
});
