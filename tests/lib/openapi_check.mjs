#!/usr/bin/env node
// openapi_check.mjs - does a real response match docs/openapi.yaml?
//   node tests/lib/openapi_check.mjs METHOD PATH STATUS BODY_FILE [CONTENT_TYPE]
// PATH is the concrete request path (a query is ignored); it is matched to the document's path
// templates as suidod's router does (a literal segment beats a {param}; x-suido-rest takes the
// rest). The response is looked up by STATUS, then "2XX"-style ranges, then "default"; its
// schema for CONTENT_TYPE (default application/json) validates BODY_FILE's JSON with ajv (the
// document dereferenced by swagger-parser; OpenAPI 3.0 `nullable` honoured, formats checked).
// Exit 0: valid. Exit 1: invalid, undocumented operation or status, or no schema to check
// against (a check of a response the document does not describe is a failure, not a pass).
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [method, rawPath, status, bodyFile, ctypeArg] = process.argv.slice(2);
if (!method || !rawPath || !status || !bodyFile) {
  console.error('usage: openapi_check.mjs METHOD PATH STATUS BODY_FILE [CONTENT_TYPE]');
  process.exit(2);
}
const root = process.env.SUIDO_ROOT || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = process.env.OPENAPI_DOC || path.join(root, 'docs', 'openapi.yaml');
const what = `${method.toUpperCase()} ${rawPath} ${status}`;
const fail = (msg) => { console.error(`openapi_check: ${what}: ${msg}`); process.exit(1); };

const api = await SwaggerParser.dereference(doc);

// ---- the operation: templates matching the path, the most specific first -------------------
const segs = rawPath.split('?')[0].split('/').slice(1).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
let best = null;
for (const [tpl, item] of Object.entries(api.paths || {})) {
  const op = item[method.toLowerCase()];
  if (!op) continue;
  const params = [...(item.parameters || []), ...(op.parameters || [])];
  const rest = params.find((p) => p.in === 'path' && p['x-suido-rest']);
  const t = tpl.split('/').slice(1);
  const score = [];
  let ok = true, restEnded = false;
  for (let i = 0; i < t.length && ok; i++) {
    const m = t[i].match(/^\{(.+)\}$/);
    if (m && rest && m[1] === rest.name && i === t.length - 1) { // the rest, possibly empty
      ok = segs.length >= i; restEnded = true; score.push(-2);
    } else if (i >= segs.length) ok = false;
    else if (m) { ok = segs[i] !== ''; score.push(1); }
    else { ok = t[i] === segs[i]; score.push(2); }
  }
  if (ok && !restEnded && t.length !== segs.length) ok = false;
  if (!ok) continue;
  if (!best || cmp(score, best.score) > 0) best = { tpl, op, score };
}
function cmp(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? -1) !== (b[i] ?? -1)) return (a[i] ?? -1) - (b[i] ?? -1);
  }
  return 0;
}
if (!best) fail('no documented operation matches');

// ---- the response and its schema ------------------------------------------------------------
const rs = best.op.responses || {};
const resp = rs[String(status)] || rs[`${String(status)[0]}XX`] || rs[`${String(status)[0]}xx`] || rs.default;
if (!resp) fail(`status not documented for ${best.tpl} (documented: ${Object.keys(rs).join(', ')})`);
const ctype = (ctypeArg || 'application/json').split(';')[0].trim();
const media = resp.content && (resp.content[ctype] || resp.content[ctype.replace(/\/.*/, '/*')] || resp.content['*/*']);
if (!media || !media.schema) fail(`${best.tpl} ${status}: no ${ctype} schema in the document ("${resp.description}")`);

let body;
try { body = JSON.parse(fs.readFileSync(bodyFile, 'utf8')); } catch (e) { fail(`body is not JSON: ${e.message}`); }

const ajv = new Ajv({ strict: false, allErrors: true, discriminator: false });
addFormats(ajv);
let validate;
try { validate = ajv.compile(media.schema); } catch (e) { fail(`schema does not compile: ${e.message}`); }
if (!validate(body)) {
  const errs = validate.errors.map((e) => `  ${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
  console.error(`openapi_check: ${what}: the body does not match ${best.tpl} ${status}:`);
  console.error(errs.join('\n'));
  console.error(`  body: ${JSON.stringify(body).slice(0, 600)}`);
  process.exit(1);
}
console.log(`openapi_check: ${what} matches ${best.tpl}`);
