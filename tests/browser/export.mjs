// export.mjs - the CSV入出力 page in real Chromium. Run by tests/integration/portal_export.sh,
// which starts suidod, stores 12 hourly values of gorin-l2.tank_level on DAY (JST) and exports
// BASE_URL ART CHROMIUM DAY and the logins/passwords A1_* (operator admin), G_* (operator
// general), VA_* (AP vendor admin). Prints "ok N - what"; exits non-zero on the first failure.
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
let n = 0, browser;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(p, name) { await p.screenshot({ path: `${ART}/export-${name}.png`, fullPage: true }); }
const text = async (p, sel) => (await p.textContent(sel)) || '';

async function session(login, pw, lang) {
  const ctx = await browser.newContext({ locale: lang === 'en' ? 'en-GB' : 'ja-JP',
    timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
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

// choose the point and DAY, download; the file's text
async function download(p, enc) {
  await p.locator('#nav a[href="#/export"]').click();
  await p.waitForSelector('input.ex-point');
  await p.check('input.ex-point[value="gorin-l2.tank_level"]');
  await p.fill('#ex-from', E.DAY);
  await p.fill('#ex-to', E.DAY);
  await p.dispatchEvent('#ex-to', 'change');
  if (enc) await p.selectOption('#ex-enc', enc);
  const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#ex-download')]);
  return fs.readFileSync(await dl.path());
}

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });

  // ---- the operator admin, in Japanese ---------------------------------------------------------
  const a1 = await session(E.A1_LOGIN, E.A1_PW, 'ja');
  const link = a1.locator('#nav a[href="#/export"]');
  assert(await link.isVisible() && (await link.textContent()) === 'CSV入出力', 'link in Japanese');
  const buf = await download(a1);
  const csv = buf.toString('utf8');
  assert(buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf, 'downloaded with a BOM');
  const lines = csv.slice(1).split('\r\n');
  assert(lines[0] === '日時(JST) / Time (JST),gorin-l2.tank_level', 'header, Japanese first');
  assert(lines[1] === `${E.DAY} 00:00:00,0` && lines.length === 14, 'JST rows of the day');
  assert((await text(a1, 'h1')) === 'CSV入出力 (蓄積データ)', 'page title in Japanese');
  await snap(a1, 'ja');

  // a bad file: the findings by row and column
  const bad = `${lines[0]}\r\n${E.DAY} 01:00:00,abc\r\n${E.DAY} 99:00:00,1\r\n`;
  await a1.setInputFiles('#ex-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await a1.click('#ex-import');
  await a1.waitForSelector('#ex-findings');
  const cells = await a1.locator('#ex-findings tbody tr').evaluateAll((rs) =>
    rs.map((r) => [...r.cells].slice(0, 2).map((c) => c.textContent).join(':')));
  assert(cells.join(' ') === '2:2 3:1', 'findings by row and column');
  assert((await text(a1, '#ex-refused')).includes('何も登録していません'), 'nothing stored, said in Japanese');
  await snap(a1, 'findings');
  // the downloaded sheet, hour 1 corrected
  const good = csv.replace(`${E.DAY} 01:00:00,1\r\n`, `${E.DAY} 01:00:00,99\r\n`);
  await a1.setInputFiles('#ex-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await a1.click('#ex-import');
  await a1.waitForSelector('#ex-stored');
  assert((await text(a1, '#ex-stored')).startsWith('12 件'), 'the corrected sheet stored');

  // ---- staff in English: Shift_JIS download -----------------------------------------------------
  const g = await session(E.G_LOGIN, E.G_PW, 'en');
  assert((await g.locator('#nav a[href="#/export"]').textContent()) === 'CSV', 'link in English');
  const sj = await download(g, 'sjis');
  assert(sj[0] !== 0xef && new TextDecoder('shift_jis').decode(sj).startsWith('日時(JST)'),
    'Shift_JIS, no BOM');
  assert((await text(g, 'h1')) === 'CSV export / import (stored values)', 'page title in English');
  await snap(g, 'en');

  // ---- an AP vendor: no link ------------------------------------------------------------------
  const va = await session(E.VA_LOGIN, E.VA_PW, 'ja');
  assert(!(await va.locator('#nav a[href="#/export"]').isVisible()), 'the AP vendor sees no link');

  assert(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
  await browser.close();
}

main().catch(async (e) => {
  console.error(e);
  if (browser) await browser.close();
  process.exit(1);
});
