// contacts.mjs - the contact-list page (連絡体制表) in real Chromium. Run by
// tests/integration/portal_contacts.sh, which starts suidod (with aiosmtpd) and exports
// BASE_URL ART CHROMIUM and the logins/passwords A1_* A2_* (operator admins), G_* (operator
// general), VA_* (AP vendor admin). Prints "ok N - what"; exits non-zero on the first failure.
import { chromium } from 'playwright-core';

const E = process.env;
const BASE = E.BASE_URL, ART = E.ART;
let n = 0, browser, page;
const consoleErrors = [];

function ok(what) { n += 1; console.log(`ok ${n} - ${what}`); }
function assert(cond, what) { if (!cond) throw new Error(`not ok: ${what}`); ok(what); }
async function snap(p, name) { await p.screenshot({ path: `${ART}/contacts-${name}.png`, fullPage: true }); }
const text = async (p, sel) => (await p.textContent(sel)) || '';

// A browser of its own per user (sessions apart), in the language given, logged in.
async function session(login, pw, lang) {
  const ctx = await browser.newContext({ locale: lang === 'en' ? 'en-GB' : 'ja-JP',
    timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
  await ctx.addInitScript((l) => localStorage.setItem('suido.lang', l), lang);
  const p = await ctx.newPage();
  p.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
  });
  p.on('pageerror', (e) => consoleErrors.push(String(e)));
  page = p;
  await p.goto(`${BASE}/`);
  await p.fill('#login-id', login);
  await p.fill('#login-password', pw);
  await p.click('#login-submit');
  await p.waitForSelector('#nav', { state: 'visible' });
  const link = p.locator('#nav a[href="#/contacts"]');
  assert(await link.isVisible(), `${login}: navigation shows the contact lists`);
  assert(await link.textContent() === (lang === 'en' ? 'Contact lists' : '連絡体制表'),
    `${login}: link in ${lang === 'en' ? 'English' : 'Japanese'}`);
  await link.click();
  await p.waitForSelector('#contacts-table');
  return p;
}

// The table fills after its list arrives (data-loaded): wait, bounded, until it is loaded and
// holds n rows, then say how many it holds (a wrong count fails after the wait).
async function listRows(p, n) {
  const sel = '#contacts-table tbody tr[data-id]';
  await p.waitForFunction(([q, k]) => document.querySelector('#contacts-table[data-loaded]') &&
    document.querySelectorAll(q).length === k, [sel, n], { timeout: 15000 }).catch(() => {});
  await p.waitForSelector('#contacts-table[data-loaded]', { timeout: 5000 });
  return p.locator(sel).count();
}

const row = (p, status) => p.locator(`#contacts-table tbody tr[data-status="${status}"]`);
async function open(p, status, name = '浄水課') {
  await p.locator(`#contacts-table tbody tr[data-status="${status}"]`, { hasText: name }).first()
    .locator('.open-list').click();
  await p.waitForSelector('#contacts-panel[data-id]');
}
async function reload(p) {
  await p.reload();
  await p.waitForSelector('#contacts-table tbody tr');
}
// submit the editor and wait for the list the server answered (the panel shows it again)
async function submitForm(p) {
  await p.click('#ce-submit');
  await p.waitForSelector('#contacts-panel[data-id] #contacts-entries');
}
// person k of the editor: fill its fields
async function person(p, k, v) {
  const box = p.locator(`.ce-person[data-entry="${k}"]`);
  for (const f of ['name', 'email', 'phone', 'duty'])
    if (v[f] !== undefined) await box.locator(`.ce-${f}`).fill(v[f]);
  if (v.sev) await box.locator('.ce-min_severity').selectOption(String(v.sev));
}

async function main() {
  browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });

  // ---- a1 (Japanese) builds a list of two steps; the server's duty error is shown by its field -
  const a1 = await session(E.A1_LOGIN, E.A1_PW, 'ja');
  assert((await text(a1, 'h1')) === '連絡体制表', 'page title in Japanese');
  assert(await a1.locator('#contacts-table tbody tr[data-status="submitted"]', { hasText: 'GW保守' }).count() === 1,
    'the operator sees the GW vendor\'s list waiting');
  await a1.click('#contacts-new');
  await a1.waitForSelector('#ce-form');
  await a1.fill('#ce-name', '浄水課 連絡体制表');
  await person(a1, 0, { name: '当番 一郎', email: 'c1@water.test', phone: '011-000-0001', sev: 2,
    duty: 'mon-fri 08:30-17:75' });
  await a1.click('#ce-add-step');
  await a1.waitForSelector('.ce-step[data-step="2"] .ce-person[data-entry="1"]');
  assert((await text(a1, '.ce-step[data-step="2"] legend')) === '手順 2', 'second step added');
  assert(await a1.inputValue('.ce-person[data-entry="0"] .ce-duty') === 'mon-fri 08:30-17:75',
    'step 1 kept while adding step 2');
  await person(a1, 1, { name: '課長 二郎', email: 'c2@water.test', sev: 1,
    duty: 'mon-fri 08:30-17:15;sat,sun,hol 00:00-24:00' });
  await a1.click('#ce-submit');
  const dutyErr = '.field-error[data-for="entries[0].duty"]';
  await a1.waitForFunction((s) => document.querySelector(s).textContent.length > 0, dutyErr);
  const why = await text(a1, dutyErr);
  assert(why.includes('byte 14') && why.includes('time out of range'), `duty error beside its field: ${why}`);
  assert(await a1.getAttribute('.ce-person[data-entry="0"] .ce-duty', 'aria-invalid') === 'true',
    'the duty field is marked');
  assert((await text(a1, '#ce-error')).includes('誤り'), 'form says to fix the marked field');
  assert((await text(a1, '.field-error[data-for="entries[1].duty"]')) === '', 'the other duty is fine');
  await snap(a1, '01-duty-error-ja');
  await person(a1, 0, { duty: 'always' });
  await submitForm(a1);
  await a1.waitForSelector('#contacts-panel[data-id] #contacts-why');
  assert((await text(a1, '#contacts-msg')).includes('承認を依頼しました'), 'submitted');
  assert((await text(a1, '#contacts-why')).includes('二者承認'), 'own list: why a1 cannot approve');
  assert(await a1.locator('#contacts-approve').count() === 0, 'no approve button for the submitter');
  assert((await text(a1, '#contacts-entries')).includes('手順 2'), 'both steps listed');
  await snap(a1, '02-submitted-ja');

  // ---- a2 (English) returns it with a comment -------------------------------------------------
  const a2 = await session(E.A2_LOGIN, E.A2_PW, 'en');
  assert((await text(a2, 'h1')) === 'Contact lists', 'page title in English');
  await open(a2, 'submitted');
  assert((await text(a2, '#contacts-changes')).includes('no list is in force'), 'first list: nothing to compare');
  await a2.click('#contacts-reject');
  assert((await text(a2, '#contacts-decide-error')).includes('Say why'), 'returning needs a comment');
  await a2.fill('#contacts-comment', '手順2の電話番号を記入してください');
  await a2.click('#contacts-reject');
  await row(a2, 'rejected').waitFor();
  assert((await text(a2, '#contacts-reason')) === '手順2の電話番号を記入してください', 'comment shown');
  await snap(a2, '03-returned-en');

  // ---- a1 corrects and resubmits; a2 approves: in force ----------------------------------------
  await reload(a1);
  await open(a1, 'rejected');
  assert((await text(a1, '#contacts-reason')).includes('電話番号'), 'a1 reads the comment');
  await a1.click('#contacts-edit');
  await a1.waitForSelector('#ce-form');
  assert(await a1.inputValue('.ce-person[data-entry="1"] .ce-name') === '課長 二郎', 'editor holds the list');
  await person(a1, 1, { phone: '011-000-0002' });
  await submitForm(a1);
  assert(await a1.getAttribute('#contacts-panel', 'data-id') !== null &&
    await row(a1, 'rejected').count() === 0, 'the returned list is waiting again');
  ok('resubmitted');
  await reload(a2);
  await open(a2, 'submitted');
  await a2.fill('#contacts-comment', '承認します');
  await a2.click('#contacts-approve');
  await row(a2, 'approved').waitFor();
  assert((await text(a2, '#contacts-table tr[data-status="approved"]')).includes('(in force)'), 'in force');
  assert((await text(a2, '#contacts-msg')).includes('notifications now use this list'), 'approval said');
  await snap(a2, '04-approved-en');
  // a drill (通報訓練) of the list in force, answered from the page
  await a2.click('#contacts-drill');
  await a2.waitForSelector('#contacts-drill-ack');
  assert((await text(a2, '#contacts-msg')).includes('Drill started'), 'drill started');
  await a2.click('#contacts-drill-ack');
  await a2.waitForFunction(() => document.querySelector('#contacts-msg').textContent === 'Drill answered.');
  ok('drill answered');

  // ---- a1: test mail from the page, then a revision whose changes a2 sees ----------------------
  await reload(a1);
  await open(a1, 'approved');
  assert((await text(a1, '#contacts-active-note')).includes('現在の通知先'), 'approved list is the one in force');
  assert(await a1.locator('#contacts-edit').count() === 0, 'an approved list is not edited in place');
  await a1.click('#contacts-test');
  await a1.waitForFunction(() => document.querySelector('#contacts-msg').textContent.includes('2 件'));
  ok('test mail to the 2 people queued');
  await a1.click('#contacts-revise');
  await a1.waitForSelector('#ce-form');
  await person(a1, 0, { name: '交代 六郎', email: 'rev1@water.test' });
  await person(a1, 1, { duty: 'always' });
  await submitForm(a1);
  assert(await row(a1, 'approved').count() === 1, 'the approved list stays in force meanwhile');
  await snap(a1, '05-revision-ja');
  await reload(a2);
  await open(a2, 'submitted');
  const ch = await text(a2, '#contacts-changes');
  assert(ch.includes('Added') && ch.includes('rev1@water.test'), 'diff: person added');
  assert(ch.includes('Removed') && ch.includes('c1@water.test'), 'diff: person removed');
  assert(ch.includes('Changed') && ch.includes('always'), 'diff: duty changed');
  await snap(a2, '06-changes-en');

  // ---- the AP vendor admin (English): its own lists only, submits one --------------------------
  const va = await session(E.VA_LOGIN, E.VA_PW, 'en');
  assert(await listRows(va, 0) === 0,
    'the vendor sees neither the operator\'s nor the GW vendor\'s lists');
  await va.click('#contacts-new');
  await va.fill('#ce-name', 'AP保守 連絡体制');
  await person(va, 0, { name: 'AP 保守', email: 'ap@vendor.test', duty: 'always' });
  await submitForm(va);
  assert(await listRows(va, 1) === 1, 'the vendor sees its own list');
  assert((await text(va, '#contacts-why')).includes('operator\'s administrators'), 'vendor told who approves');
  await snap(va, '07-vendor-en');

  // ---- an operator general (Japanese): reads everything, no buttons ----------------------------
  const g = await session(E.G_LOGIN, E.G_PW, 'ja');
  assert((await text(g, '#contacts-role-hint')).includes('閲覧のみ'), 'read only said');
  assert(await g.locator('#contacts-new').count() === 0, 'no new-list button');
  assert(await listRows(g, 4) === 4, 'the operator sees all 4 lists');
  await open(g, 'approved');
  for (const b of ['#contacts-edit', '#contacts-revise', '#contacts-test', '#contacts-drill'])
    assert(await g.locator(b).count() === 0, `no ${b}`);
  await g.click('#contacts-close');
  await open(g, 'submitted', 'AP保守');
  assert(await g.locator('#contacts-approve').count() === 0, 'no approve for a general operator');
  assert((await text(g, '#contacts-why')).includes('管理者'), 'general told who approves');
  await snap(g, '08-general-ja');

  assert(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
}

main().then(async () => {
  console.log(`${n} passed, 0 failed`);
  await browser.close();
}).catch(async (e) => {
  console.error(e.stack || String(e));
  if (page) await snap(page, 'FAILED').catch(() => {});
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
