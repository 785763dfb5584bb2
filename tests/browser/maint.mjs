// maint.mjs - 保守点検 (issue 12) in real Chromium (Debian's, driven by playwright-core). Run by
// tests/integration/portal_maint.sh, which starts suidod, seeds tenants and users and exports:
//   BASE_URL ART CHROMIUM FAC (五輪's id) PREV_MONTH and the session cookies C1 (the contractor's
//   engineer), G (the utility's staff), B (tenant B's admin), C2 (a vendor of A, not its
//   contractor), ADMIN (the platform admin).
// Prints "ok N - what" per check; exits non-zero on the first failure, with a screenshot.
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
let n = 0, page, browser;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(name) { await page.screenshot({ path: `${ART}/maint-${name}.png`, fullPage: true }); }

const PHONE = { width: 390, height: 844 }, DESKTOP = { width: 1280, height: 860 };

// a page logged in with a session cookie, at a size, in a language
async function as(cookie, viewport, lang) {
  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport,
    isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
  await context.addCookies([{ name: 'suido_session', value: cookie, url: BASE }]);
  await context.addInitScript((l) => localStorage.setItem('suido.lang', l), lang);
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return context;
}
const status = (path) => page.evaluate(async (p) => (await fetch(p)).status, path);
const defectRow = () => page.locator('#mt-defects tbody tr[data-id]').first();
async function defectState(attr, value, what) {
  await page.waitForSelector(`#mt-defects tbody tr[data-${attr}="${value}"]`, { timeout: 10000 });
  ok(what);
}

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
  const planUrl = `${BASE}/#/maint?facility=${E.FAC}&month=${E.PREV_MONTH}`;

  // ---- the contractor plans last month, at a desktop, in Japanese -------------------------------
  let ctx = await as(E.C1_COOKIE, DESKTOP, 'ja');
  await page.goto(planUrl);
  await page.waitForSelector('#mt-noplan');
  assert(await page.locator('#nav a[href="#/maint"]').textContent() === '保守点検', 'nav: 保守点検');
  assert(await page.locator('#mt-facility').inputValue() === E.FAC, '五輪 chosen from the link');
  await page.click('#mt-generate');
  await page.waitForSelector('#mt-plan');
  const states = await page.locator('#mt-plan tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.state));
  assert(states.length === 4 && states.every((s) => s === 'overdue'), `last month: 4 visits, all overdue (${states})`);
  const cycles = await page.locator('#mt-plan tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.cycle).sort());
  assert(cycles.join() === 'daily,daily,daily,monthly' || cycles.join() === 'daily,daily,daily,yearly',
    `3 daily visits and the month's other (${cycles})`);
  const red = await page.locator('#mt-plan tr.mt-overdue .badge').first().evaluate((e) => getComputedStyle(e).color);
  assert(red === 'rgb(198, 40, 40)', `overdue in red (${red})`);
  assert((await page.textContent('#mt-plan')).includes('日常点検'), 'cycles in Japanese');
  await snap('plan-desktop-ja');
  await ctx.close();

  // ---- the daily inspection on a phone, one item not good ---------------------------------------
  ctx = await as(E.C1_COOKIE, PHONE, 'ja');
  await page.goto(planUrl);
  await page.waitForSelector('#mt-plan');
  await page.locator('#mt-plan tbody tr[data-cycle="daily"] .mt-record').first().click();
  await page.waitForSelector('#mt-form');
  const items = await page.locator('#mt-form .mt-item').count();
  assert(items === 13, `the daily checklist of 別表6 (${items} items)`);
  const tank = page.locator('#mt-form fieldset.mt-item', { hasText: '貯水槽' });
  await tank.locator('input[value="not_good"]').check();
  await tank.locator('.mt-note').fill('受水槽内に藻の発生');
  const values = page.locator('#mt-form .mt-value');
  for (let i = 0; i < await values.count(); i++) await values.nth(i).fill(String(3.2 + i));
  await page.fill('#mt-remarks', '受水槽の清掃を要す');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(wide <= PHONE.width, `the form fits a phone's width (${wide}px)`);
  const box = await page.locator('#mt-submit').boundingBox();
  assert(box.height >= 44, `a thumb-sized button (${box.height}px)`);
  await snap('record-phone-ja');
  await page.click('#mt-submit');
  await page.waitForSelector('#mt-result');
  assert((await page.textContent('#mt-result')).includes('1 件'), 'recorded: one defect opened');
  await page.waitForSelector('#mt-plan tbody tr[data-state="done"]');
  ok('the visit is done');
  await defectState('status', 'awaiting', 'the defect is 指示待ち');
  assert((await defectRow().textContent()).includes('藻の発生'), 'with the note');
  await defectRow().locator('.mt-status').selectOption('estimating');
  await defectRow().locator('.mt-status-go').click();
  await defectState('status', 'estimating', 'the contractor: 見積作成中');
  assert(await page.locator('.mt-instr-go').count() === 0, 'the contractor cannot instruct');
  await snap('defects-phone-ja');
  await ctx.close();

  // ---- the utility's staff instruct, in English, on a desktop ------------------------------------
  ctx = await as(E.G_COOKIE, DESKTOP, 'en');
  await page.goto(planUrl);
  await page.waitForSelector('#mt-defects tbody tr[data-id]');
  assert(await page.locator('#nav a[href="#/maint"]').textContent() === 'Maintenance', 'nav in English');
  assert((await page.textContent('#mt-plan')).includes('Daily'), 'cycles in English');
  assert(await page.locator('.mt-record').count() === 0 && await page.locator('.mt-status-go').count() === 0,
    'staff neither record nor set the status');
  await defectRow().locator('.mt-instr').selectOption('repair');
  await defectRow().locator('.mt-instr-go').click();
  await defectState('instruction', 'repair', 'instructed: repair');
  assert((await defectRow().textContent()).includes('Estimating'), 'status in English');
  await snap('defects-desktop-en');
  await ctx.close();

  // ---- the contractor finishes it -----------------------------------------------------------------
  ctx = await as(E.C1_COOKIE, PHONE, 'en');
  await page.goto(planUrl);
  await page.waitForSelector('#mt-defects tbody tr[data-id]');
  for (const s of ['considering', 'arranged', 'done']) {
    await defectRow().locator('.mt-status').selectOption(s);
    await defectRow().locator('.mt-status-go').click();
    await defectState('status', s, `status ${s}`);
  }
  await snap('defects-phone-en');
  await ctx.close();

  // ---- who sees nothing ----------------------------------------------------------------------------
  for (const [who, cookie] of [['tenant B admin', E.B_COOKIE], ['a vendor of A, not its contractor', E.C2_COOKIE]]) {
    ctx = await as(cookie, DESKTOP, 'ja');
    await page.goto(planUrl);
    await page.waitForSelector('#mt-empty');
    ok(`${who}: no facility to maintain`);
    assert(await status(`/api/v1/maint/plan?facility=${E.FAC}&month=${E.PREV_MONTH}`) === 404, `${who}: A's plan is 404`);
    await ctx.close();
  }
  ctx = await as(E.ADMIN_COOKIE, DESKTOP, 'ja');
  await page.goto(`${BASE}/#/facilities`);
  await page.waitForSelector('#nav:not([hidden])');
  assert(await page.locator('#nav a[href="#/maint"]').isHidden(), 'platform admin: the link is hidden');
  assert(await status('/api/v1/maint/defects') === 403, 'platform admin: the API says 403');
  await ctx.close();

  assert(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
  await browser.close();
}

main().catch(async (e) => {
  console.error(e.message);
  try { await snap('failure'); } catch { /* no page */ }
  if (browser) await browser.close();
  process.exit(1);
});
