// incidents.mjs - the incidents page (障害状況管理) in real Chromium (Debian's, driven by
// playwright-core). Run by tests/integration/portal_incidents.sh, which starts suidod, seeds
// tenants A and B, two alarms in A, and exports:
//   BASE_URL ART CHROMIUM G_LOGIN G_PW (operator general of A) B_LOGIN B_PW (operator admin of B)
// Prints "ok N - what" per check; exits non-zero on the first failure, with a screenshot.
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
let n = 0, shot = 0, page, browser;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(name) {
  shot += 1;
  await page.screenshot({ path: `${ART}/incidents-${String(shot).padStart(2, '0')}-${name}.png`, fullPage: true });
}

async function newPage(ctxOpts) {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 860 }, acceptDownloads: true, ...ctxOpts });
  const p = await context.newPage();
  p.on('console', (m) => {
    // 401 before login and 403/404 answers the page shows are expected; CSP refusals are not
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  p.on('pageerror', (e) => consoleErrors.push(String(e)));
  return p;
}

async function login(p, id, pw) {
  await p.goto(`${BASE}/`);
  await p.waitForSelector('#login-form');
  await p.fill('#login-id', id);
  await p.fill('#login-password', pw);
  await p.click('#login-submit');
  await p.waitForSelector('#nav:not([hidden])');
}

// the export behind a link, fetched with the page's session
async function csvOf(sel) {
  const href = await page.getAttribute(sel, 'href');
  const r = await page.request.get(new URL(href, BASE).toString());
  return { href, status: r.status(), type: r.headers()['content-type'],
    disp: r.headers()['content-disposition'], body: await r.body() };
}

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
  page = await newPage();
  await login(page, E.G_LOGIN, E.G_PW);
  const link = page.locator('#nav a[href="#/incidents"]');
  assert(await link.isVisible(), 'the operator sees the incidents link');
  assert((await link.textContent()) === '障害', 'in Japanese');
  await link.click();
  await page.waitForSelector('#inc-table tbody tr.empty');
  assert((await page.textContent('h1')) === '障害状況', 'incidents page, empty list');

  // ---- from an alarm of the console ---------------------------------------------------------
  await page.goto(`${BASE}/#/alarms`);
  await page.waitForSelector('#alarm-table tbody tr[data-id]');
  assert(await page.locator('#csv-utf8').isVisible(), 'the alarm console has an export button');
  const acsv = await csvOf('#csv-utf8');
  assert(acsv.status === 200 && acsv.body.subarray(0, 3).toString('hex') === 'efbbbf',
    `alarm CSV with a BOM (${acsv.status})`);
  assert(acsv.body.toString('utf8').includes('発生日時(JST) / Raised (JST)'), 'alarm CSV headers');
  const first = page.locator('#alarm-table tbody tr[data-id]').first();
  const alarmId = Number(await first.getAttribute('data-id'));
  await snap('alarm-console');
  await first.locator('.act-incident').click();
  await page.waitForSelector('#inc-form');
  assert((await page.inputValue('#inc-title')).length > 0, 'title taken from the alarm');
  assert(await page.isChecked(`#inc-alarms input[value="${alarmId}"]`), 'the alarm is ticked');
  assert((await page.inputValue('#inc-facility')) === '222', 'facility taken from the alarm');
  await page.fill('#inc-title', '五輪 1号ポンプ 故障');
  await page.selectOption('#inc-severity', '2');
  await page.fill('#inc-description', '受水槽の1号ポンプが停止。');
  await snap('new');
  await page.click('#inc-submit');
  await page.waitForSelector('#inc-history li');
  assert((await page.textContent('#inc-h')).includes('五輪 1号ポンプ 故障'), 'opened: its page');
  assert((await page.textContent('.inc-st')) === '発生', 'status 発生');
  assert((await page.locator('#inc-linked li').count()) === 1, 'one alarm linked');

  // ---- status and note ----------------------------------------------------------------------
  await page.selectOption('#upd-status', 'investigating');
  await page.fill('#upd-note', '業者に連絡済み');
  await page.click('#upd-submit');
  await page.waitForFunction(() => document.querySelectorAll('#inc-history li').length === 2);
  assert((await page.textContent('.inc-st')) === '対応中', 'status 対応中');
  assert((await page.textContent('#inc-history li:nth-child(2)')).includes('業者に連絡済み'), 'the note in the history');

  // ---- link the other alarm -----------------------------------------------------------------
  const other = page.locator('#link-alarms input[type=checkbox]');
  assert((await other.count()) === 1, 'the other alarm of the tenant is offered');
  await other.first().check();
  await page.click('#link-submit');
  await page.waitForFunction(() => document.querySelectorAll('#inc-linked li').length === 2);
  ok('two alarms linked');
  await snap('detail');
  const incUrl = page.url();

  // ---- the list: filter and export ----------------------------------------------------------
  await page.goto(`${BASE}/#/incidents`);
  await page.waitForSelector('#inc-table tbody tr[data-id]');
  await page.selectOption('#inc-status', 'closed');
  await page.waitForSelector('#inc-table tbody tr.empty');
  ok('filter: no closed incident');
  await page.selectOption('#inc-status', 'investigating');
  await page.waitForSelector('#inc-table tbody tr[data-status="investigating"]');
  assert((await page.locator('#inc-table tbody tr[data-id]').count()) === 1, 'filter: investigating');
  await snap('list');
  const u = await csvOf('#csv-utf8');
  assert(u.href.includes('status=investigating') && u.href.includes('format=csv'), `export keeps the filter (${u.href})`);
  assert(u.status === 200 && /^attachment/.test(u.disp) && u.type === 'text/csv; charset=utf-8', 'a UTF-8 download');
  const text = u.body.toString('utf8');
  assert(text.startsWith('\ufeffID,件名 / Title,状態 / Status'), 'BOM and Japanese headers');
  assert(text.includes('五輪 1号ポンプ 故障,対応中 investigating,2,222'), 'the row');
  const s = await csvOf('#csv-sjis');
  assert(s.type === 'text/csv; charset=Shift_JIS', 'a Shift_JIS download');
  const dec = new TextDecoder('shift_jis').decode(s.body);
  assert(dec.startsWith('ID,件名 / Title') && dec.includes('対応中 investigating'), 'decodes as Shift_JIS');

  // ---- English --------------------------------------------------------------------------------
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('#inc-table tbody tr[data-id]');
  assert((await page.textContent('h1')) === 'Incidents', 'English page title');
  assert((await page.textContent('#nav a[href="#/incidents"]')) === 'Incidents', 'English nav link');
  assert((await page.textContent('#inc-table tbody tr[data-id] .inc-st')) === 'Investigating', 'English status');
  await snap('list-en');
  await page.goto(incUrl);
  await page.waitForSelector('#upd-form');
  assert((await page.textContent('#upd-form h2')) === 'Update', 'English detail');
  await snap('detail-en');
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'ja');

  // ---- another tenant's operator: neither listed nor opened ----------------------------------
  const pa = page;
  page = await newPage();
  await login(page, E.B_LOGIN, E.B_PW);
  await page.goto(`${BASE}/#/incidents`);
  await page.waitForSelector('#inc-table tbody tr.empty');
  ok("tenant B's list does not show A's incident");
  await page.goto(incUrl);
  await page.waitForSelector('#inc-error');
  assert((await page.textContent('#inc-error')).includes('見つかりません'), "A's incident is not found for B");
  assert((await page.locator('#upd-form').count()) === 0, 'no update form');
  await snap('other-tenant');
  const id = new URL(incUrl.replace('#/', '')).searchParams.get('id');
  const r = await page.request.patch(`${BASE}/api/v1/incidents/${id}`,
    { data: { note: 'x' }, headers: { 'Content-Type': 'application/json' } });
  assert(r.status() === 404, `B's PATCH of A's incident: 404 (${r.status()})`);
  page = pa;
  assert(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
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
