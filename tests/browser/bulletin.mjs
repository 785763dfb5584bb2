// bulletin.mjs - 掲示板 in the portal, in real Chromium (Debian's, via playwright-core). Run by
// tests/integration/portal_bulletin.sh, which starts suidod and aiosmtpd, makes the users, the
// expired post P_PX and the maintenance window, and exports BASE_URL ART SHOT (the screenshots'
// prefix) CHROMIUM P_A1PW P_GPW P_BGPW P_PX P_FILE. Prints "ok N - what" per check; exits non-zero
// on the first failure, with a screenshot.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
const TITLE = '浄水場 見学会のお知らせ', SOON = '配水管 更新工事の予告', MAINT = 'ストレージ 定期保守', FILE = '点検手順.txt';
let n = 0, shot = 0, page, browser;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(name) {
  shot += 1;
  await page.screenshot({ path: `${ART}/${E.SHOT || 'bulletin'}-${String(shot).padStart(2, '0')}-${name}.png`, fullPage: true });
}
const text = async (sel) => ((await page.locator(sel).first().textContent()) || '').trim();
const row = (title) => page.locator(`#bb-table tbody tr[data-id]:has(a:text-is("${title}"))`);

async function login(id, pw) {
  await page.goto(`${BASE}/#/bulletin`);
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
async function board(hash = '#/bulletin') {
  await page.goto(`${BASE}/${hash}`);
  await page.waitForSelector('#bb-table');
}
// the nav badge, once it shows `want` (it is polled; a read post refreshes it at once)
async function badge(want, what) {
  await page.waitForFunction((w) => {
    const el = document.getElementById('bb-unread');
    return w === 0 ? el.hidden : !el.hidden && el.textContent === String(w);
  }, want, { timeout: 10000 });
  ok(what);
}
const notFound = (s) => /not found|見つかりません|not_found/i.test(s);

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // ---- the operator admin posts a notice with an attachment and an end date, in Japanese --------
  await login('a1@example.jp', E.P_A1PW);
  const link = page.locator('#nav a[href="#/bulletin"] [data-i18n="nav.bulletin"]');
  assert(await link.isVisible() && (await link.textContent()) === '掲示板', 'nav link 掲示板');
  await board();
  assert(await page.locator('#bb-form').isVisible(), 'an admin has the posting form');
  await page.selectOption('#bb-form [name=category]', 'notice');
  await page.fill('#bb-form [name=title]', TITLE);
  await page.fill('#bb-form [name=body]', '11月20日に浄水場の見学会を行います。\n手順書を添付します。');
  await page.fill('#bb-form [name=from]', '2020-04-01T09:00');
  await page.fill('#bb-form [name=until]', '2099-12-31T17:00');
  await page.setInputFiles('#bb-form [name=file]', E.P_FILE);
  await snap('new');
  await page.click('#bb-form button[type=submit]');
  await row(TITLE).waitFor();
  assert((await text(`#bb-table tbody tr[data-id]:has(a:text-is("${TITLE}")) td.num`)) === '1',
    'posted, with one attachment');
  assert(await page.locator('#bb-form [name=title]').inputValue() === '', 'the form is emptied');
  assert((await text('#bb-err')) === '', 'no error shown');
  const pa = await row(TITLE).getAttribute('data-id');
  await row(TITLE).locator('a').first().click();
  await page.waitForSelector('#bb-post');
  assert(/2020\/04\/01 09:00:00 〜 2099\/12\/31 17:00:00/.test(await text('#bb-post .stamp')),
    'its period: 2020/04/01 09:00 〜 2099/12/31 17:00 JST');
  // a post whose period starts later: its author still sees it on the page, marked
  await page.fill('#bb-form [name=title]', SOON);
  await page.fill('#bb-form [name=from]', '2099-06-01T09:00');
  await page.fill('#bb-form [name=until]', '2099-05-01T09:00');
  await page.click('#bb-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('bb-err')?.textContent.trim());
  assert(/valid_from/.test(await text('#bb-err')), `an end before the start: the server's reason (${await text('#bb-err')})`);
  await page.fill('#bb-form [name=until]', '');
  await page.click('#bb-form button[type=submit]');
  await row(SOON).waitFor();
  assert((await text('#bb-err')) === '', 'corrected: the error is gone');
  assert(await row(SOON).evaluate((r) => r.classList.contains('outside')) &&
    (await row(SOON).locator('.outside-mark').textContent()) === '掲載期間外',
  'a post starting later stays on its author\'s page, 掲載期間外');
  assert(!(await row(TITLE).evaluate((r) => r.classList.contains('outside'))), 'the notice is in its period');
  await snap('posted');
  await logout();

  // ---- a general operator of A: unread, opened, downloaded ----------------------------------------
  await login('g@example.jp', E.P_GPW);
  await badge(2, 'nav badge: 2 unread (the notice and the maintenance post)');
  await board();
  assert(await page.locator('#bb-form').count() === 0, 'no posting form for a general operator');
  assert(await row(TITLE).evaluate((r) => r.classList.contains('unread')), 'the notice is unread');
  assert(await row(TITLE).locator('.unread-mark').textContent() === '未読', 'marked 未読');
  assert(await row('終了した告知').count() === 0, 'the expired post is not listed');
  assert(await row(SOON).count() === 0, 'nor the one starting later');
  const mrow = row(MAINT);
  assert(await mrow.count() === 1 && await mrow.getAttribute('data-board') === 'common',
    'the maintenance window on the common board');
  assert((await text('#bb-maintenance')).includes(MAINT) &&
    /2099\/01\/01 01:00/.test(await text('#bb-maintenance')), 'and among the upcoming windows (JST)');
  await snap('unread');
  await row(TITLE).locator('a').first().click();
  await page.waitForSelector('#bb-post');
  assert((await text('#bb-post h2')).includes(TITLE), 'opened');
  assert((await text('#bb-post .body')).includes('見学会'), 'its text');
  await page.waitForFunction((t) => [...document.querySelectorAll('#bb-table tr.read a')]
    .some((a) => a.textContent === t), TITLE);
  ok('marked read in the list');
  await badge(1, 'the badge goes down to 1');
  const a = page.locator('#bb-post .attachments a');
  assert((await a.textContent()) === FILE, 'the attachment by its Japanese name');
  const [dl] = await Promise.all([page.waitForEvent('download'), a.click()]);
  assert(dl.suggestedFilename() === FILE, `downloaded as ${dl.suggestedFilename()}`);
  assert(readFileSync(await dl.path(), 'utf8') === readFileSync(E.P_FILE, 'utf8'), 'the same bytes');
  await snap('opened');
  await board(`#/bulletin?id=${E.P_PX}`);
  await page.waitForFunction(() => document.getElementById('bb-err')?.textContent.trim());
  assert(notFound(await text('#bb-err')) && await page.locator('#bb-post').count() === 0,
    'the expired post by its URL: not found');
  await board(`#/bulletin?id=${pa}`);
  await page.waitForSelector('#bb-post');
  assert((await text('#bb-post h2')).includes(TITLE), 'a post opens by its URL');

  // ---- the same in English ------------------------------------------------------------------------
  await page.click('#lang');
  await board();
  assert((await link.textContent()) === 'Bulletin board', 'nav link Bulletin board');
  assert((await text('#bb-maintenance h2')) === 'Upcoming maintenance', 'Upcoming maintenance');
  assert((await text(`#bb-table tbody tr[data-id]:has(a:text-is("${TITLE}")) .badge`)) === 'Notice',
    'category Notice');
  await page.selectOption('#bb-category', 'maintenance');
  await page.waitForFunction(() => /category=maintenance/.test(location.hash));
  await page.waitForFunction((t) => {
    const rows = [...document.querySelectorAll('#bb-table tbody tr[data-id]')];
    return rows.length === 1 && rows[0].textContent.includes(t);
  }, MAINT);
  ok('the category filter: the maintenance post only');
  await snap('en');
  await page.click('#lang');
  await logout();

  // ---- a user of tenant B, in English: the common board, none of A's posts -----------------------
  await login('bg@example.jp', E.P_BGPW);
  await page.click('#lang');
  await badge(1, 'B: nav badge 1 (the maintenance post)');
  await board();
  assert(await row(MAINT).count() === 1, 'B sees the maintenance post');
  assert((await text('#bb-maintenance')).includes(MAINT), 'and the upcoming window');
  assert(await row(TITLE).count() === 0, "B does not list A's post");
  const st = await page.evaluate(async (id) => (await fetch(`/api/v1/bulletin/${id}`)).status, pa);
  assert(st === 404, "and the API: A's post 404");
  await board(`#/bulletin?id=${pa}`);
  await page.waitForFunction(() => document.getElementById('bb-err')?.textContent.trim());
  assert(notFound(await text('#bb-err')) && await page.locator('#bb-post').count() === 0,
    "A's post by its URL: not found");
  await snap('other-tenant');
  await page.click('#lang');
  assert(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
}

main().then(() => browser.close()).catch(async (e) => {
  console.error(e);
  try { await snap('failure'); } catch { /* no page */ }
  if (browser) await browser.close();
  process.exit(1);
});
