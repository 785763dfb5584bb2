// plantops.mjs - operating the plant from the portal (plant.js) in real Chromium. Run by
// tests/integration/portal_plantops.sh, which starts suidod, suido-gw and the sample fleet's
// simulated terminals and exports BASE_URL ART CHROMIUM, A1_* (operator admin), G_* (operator
// general), VB_* (GW vendor admin: no control) logins/passwords and UNACKED (the alarm count).
// Prints "ok N - what"; exits non-zero on the first failure.
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
let n = 0, browser;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(p, name) { await p.screenshot({ path: `${ART}/plantops-${name}.png`, fullPage: true }); }
const text = async (p, sel) => ((await p.textContent(sel)) || '').trim();

// A browser context of its own per user, in the language given, logged in.
async function session(login, pw, lang) {
  const ctx = await browser.newContext({ locale: lang === 'en' ? 'en-GB' : 'ja-JP',
    timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
  await ctx.addInitScript((l) => localStorage.setItem('suido.lang', l), lang);
  const p = await ctx.newPage();
  p.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  p.on('pageerror', (e) => consoleErrors.push(String(e)));
  await p.goto(`${BASE}/`);
  await p.fill('#login-id', login);
  await p.fill('#login-password', pw);
  await p.click('#login-submit');
  await p.waitForSelector('#nav', { state: 'visible' });
  return p;
}

async function operatorAdmin() {
  const p = await session(E.A1_LOGIN, E.A1_PW, 'ja');
  // ---- the badge counts with /api/v1/alarms/count, which equals the list ------------------------
  await p.waitForFunction((want) => {
    const b = document.getElementById('unacked');
    return b && !b.hidden && b.textContent === want;
  }, E.UNACKED, { timeout: 15000 });
  ok(`navigation badge shows ${E.UNACKED} unacknowledged (GET /api/v1/alarms/count)`);
  const same = await p.evaluate(async () => {
    const c = await (await fetch('/api/v1/alarms/count')).json();
    const l = await (await fetch('/api/v1/alarms?state=unacked&limit=1000')).json();
    return [c.unacked, l.items.length];
  });
  assert(same[0] === same[1], `count equals the list's length (${same[0]} = ${same[1]})`);

  // ---- from the facility card to its operation page -------------------------------------------
  await p.goto(`${BASE}/#/facilities`);
  const op = p.locator('#facilities .fac-op[data-code="222"]');
  await op.waitFor();
  assert(await text(p, '#facilities .fac-op[data-code="222"]') === '運転操作 ›', 'card links to 運転操作');
  await op.click();
  await p.waitForSelector('#plant-read');
  assert(await text(p, '#plant-title') === '五輪 運転操作', 'page names the facility (五輪)');
  assert(await text(p, '#plant-read') === '今すぐ読む', 'read-now button in Japanese');
  await snap(p, 'facility-ja');

  // ---- read now: the values the terminal answered ---------------------------------------------
  await p.click('#plant-read');
  await p.waitForSelector('#plant-read-requests li[data-state]');
  ok('the read shows its request state at once');
  await p.waitForSelector('#plant-point-table tr[data-id="gorin-l2.tank_level"][data-read="yes"]', { timeout: 60000 });
  const level = await text(p, '#plant-point-table tr[data-id="gorin-l2.tank_level"] .c-value');
  assert(/^\d+(\.\d+)? m$/.test(level), `tank level read now: ${level}`);
  await p.waitForSelector('#plant-read-requests li[data-state="succeeded"]', { timeout: 60000 });
  const li = await text(p, '#plant-read-requests li[data-state="succeeded"]');
  assert(/gorin-l2: 成功/.test(li), `the L2's read request succeeded (${li})`);
  await p.waitForSelector('#plant-read:not([disabled])', { timeout: 90000 });
  ok('every read request reached a final state');
  await snap(p, 'read-ja');

  // ---- switch 1号ポンプ on: a confirmation naming facility, output and state -----------------
  const row = p.locator('#plant-outputs li.plant-out[data-id="gorin-l2.pump1_out"]');
  await row.locator('.act-on').click();
  await p.waitForSelector('#plant-confirm[open]');
  const q = await text(p, '#plant-confirm-text');
  assert(q === '五輪 1号ポンプ を 運転 にします。よろしいですか?', `confirmation: ${q}`);
  await snap(p, 'confirm-ja');
  await p.click('#plant-confirm-no');
  await p.waitForSelector('#plant-confirm:not([open])', { state: 'attached' });
  assert(await row.locator('.plant-out-state').getAttribute('data-state') === null, 'cancel sends nothing');
  await row.locator('.act-on').click();
  await p.waitForSelector('#plant-confirm[open]');
  await p.click('#plant-confirm-yes');
  await row.locator('.plant-out-state[data-state="succeeded"]').waitFor({ timeout: 60000 });
  const st = await row.locator('.plant-out-state').textContent();
  assert(/^運転: 要求 #\d+ gorin-l2: 成功$/.test(st), `the control succeeded (${st})`);
  await snap(p, 'switched-ja');
  await p.context().close();
}

async function operatorGeneralEnglish() {
  const p = await session(E.G_LOGIN, E.G_PW, 'en');
  await p.goto(`${BASE}/#/plant?code=222`);
  await p.waitForSelector('#plant-read');
  assert(await text(p, '#plant-title') === '五輪: operation', 'English title');
  assert(await text(p, '#plant-read') === 'Read now', 'Read now in English');
  // the operator general may control by 表2-3 (control.request is T for both operator roles)
  const row = p.locator('#plant-outputs li.plant-out[data-id="gorin-l2.pump1_out"]');
  assert(await row.locator('.act-off').textContent() === 'Stop', 'switch in English');
  await row.locator('.act-off').click();
  await p.waitForSelector('#plant-confirm[open]');
  const q = await text(p, '#plant-confirm-text');
  assert(q === 'Set 1号ポンプ of 五輪 to Stop. Are you sure?', `English confirmation: ${q}`);
  await snap(p, 'confirm-en');
  await p.click('#plant-confirm-no');
  await p.waitForSelector('#plant-confirm:not([open])', { state: 'attached' });
  await snap(p, 'facility-en');
  await p.context().close();
}

async function vendorWithoutControl() {
  const p = await session(E.VB_LOGIN, E.VB_PW, 'ja');
  await p.goto(`${BASE}/#/plant?code=222`);
  await p.waitForSelector('#view .error:not(:empty)');
  assert(await p.locator('#plant-read').count() === 0, 'a GW vendor sees no read-now button');
  assert(await p.locator('#plant-outputs, .act-on, .act-off').count() === 0, 'a GW vendor sees no switch');
  const code = await p.evaluate(async () => (await fetch('/apif/v1/controls', { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ data_id: 'gorin-l2.pump1_out', value: 'off' }) })).status);
  assert(code === 403, `the API refuses its control (${code})`);
  await snap(p, 'vendor');
  await p.context().close();
}

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
  try {
    await operatorAdmin();
    await operatorGeneralEnglish();
    await vendorWithoutControl();
    assert(consoleErrors.length === 0, `no script errors (${consoleErrors.join(' | ')})`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
