// client_cert.mjs - a portal session in Chromium with and without a portal client certificate
// (tests/integration/http_client_cert.sh). Env: CHROMIUM, BASE (https://127.0.0.1:PORT),
// SESSION (the user's session cookie value), CERT and KEY (PEM files of a valid certificate),
// OTHER_CERT and OTHER_KEY (one of another tenant). The certificate is given to the browser
// context with playwright's clientCertificates: playwright's own TLS client presents it (Chromium
// on Linux selects a certificate from its NSS store only through a managed policy in /etc).
import { chromium } from 'playwright-core';

const E = process.env;
const assert = (ok, what) => {
  if (!ok) throw new Error(`FAIL: ${what}`);
  console.log(`ok: ${what}`);
};

async function me(browser, certs) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, clientCertificates: certs });
  const host = new URL(E.BASE).hostname;
  await context.addCookies([{ name: 'suido_session', value: E.SESSION, domain: host, path: '/',
    secure: true, httpOnly: true, sameSite: 'Strict' }]);
  const page = await context.newPage();
  const resp = await page.goto(`${E.BASE}/api/v1/me`);
  const out = { status: resp.status(), body: await resp.text(),
    ctype: resp.headers()['content-type'] || '' };
  await context.close();
  return out;
}

const browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
try {
  const mine = [{ origin: E.BASE, certPath: E.CERT, keyPath: E.KEY }];
  const other = [{ origin: E.BASE, certPath: E.OTHER_CERT, keyPath: E.OTHER_KEY }];
  let r = await me(browser, []);
  assert(r.status === 403 && /certificate_required/.test(r.body) && /json/.test(r.ctype),
    `without a certificate: 403 certificate_required as JSON (${r.status})`);
  r = await me(browser, mine);
  assert(r.status === 200 && /"login"/.test(r.body), `with the user's certificate: served (${r.status})`);
  r = await me(browser, other);
  assert(r.status === 403 && /another tenant/.test(r.body),
    `with another tenant's certificate: refused (${r.status})`);
} finally {
  await browser.close();
}
