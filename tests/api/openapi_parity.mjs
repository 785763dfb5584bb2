#!/usr/bin/env node
// openapi_parity.mjs - every route suidod registers is in docs/openapi.yaml and every documented
// operation is a registered route.
//
// lib/http's router cannot list its routes, so the running server is asked, route by route:
// a request with a method no route has (PROPFIND) is answered by the router itself, before any
// authentication - 404 when no route pattern matches the path, else 405 with Allow listing the
// methods of every pattern matching it (GET adds HEAD). The paths probed are
//   - every documented path template, and
//   - every API path that appears as a string literal in the C sources (lib/ and src/, searched
//     recursively): route tables, direct sd_http_route() calls, arrays of patterns, printf
//     formats ("/api/v1/%s/{id}": each conversion is tried with every word literal of the file),
// each with its {params} filled in. For each concrete path the Allow set must equal the methods
// the document gives the templates matching that path (the router's rules: literal or {param}
// segment, a last {name*} takes the rest). A source literal answering 404 is not a route (a URL
// built for a reply, a route of a disabled module) and is only listed.
// Independently of the server, every literal ("METHOD", "/path") pair in the sources - a route
// table entry or a direct registration - must be documented, so routes of modules the test's
// configuration leaves off are checked too.
//
// usage: node openapi_parity.mjs BASE_URL [ROOT]   (exit 1 and the differences when they differ)
import SwaggerParser from '@apidevtools/swagger-parser';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const base = process.argv[2];
const root = process.argv[3] || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
if (!base) { console.error('usage: openapi_parity.mjs BASE_URL [ROOT]'); process.exit(2); }

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const API_PREFIX = /^\/(api|apif|gwif)\/v1(\/|$)/;
const api = await SwaggerParser.parse(path.join(root, 'docs', 'openapi.yaml'));

// ---- the document ---------------------------------------------------------------------------
// A path parameter marked x-suido-rest: true is the router's last "{name*}": the rest of the
// path, '/' included (OpenAPI has no syntax for it).
const documented = []; // {tpl, segs, methods:Set}
for (const [doctpl, item] of Object.entries(api.paths || {})) {
  const params = [item.parameters || [], ...Object.values(item).map((o) => (o && o.parameters) || [])].flat();
  const rest = params.find((p) => p.in === 'path' && p['x-suido-rest']);
  const tpl = rest ? doctpl.replace(`{${rest.name}}`, `{${rest.name}*}`) : doctpl;
  const methods = new Set(Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => m.toUpperCase()));
  documented.push({ tpl, segs: tpl.split('/').slice(1), methods });
}
// does template segs match concrete segs (router rules)?
function matches(segs, conc) {
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (/^\{[^}]+\*\}$/.test(s)) return i === segs.length - 1; // the rest, possibly empty
    if (i >= conc.length) return false;
    if (/^\{[^}]+\}$/.test(s)) { if (conc[i] === '') return false; continue; }
    if (s !== conc[i]) return false;
  }
  return segs.length === conc.length;
}
// the canonical form of a template: parameter names do not matter ({tid} == {id})
const shape = (tpl) => tpl.replace(/\{[^}]*\*\}/g, '{*}').replace(/\{[^}*]+\}/g, '{}');
const docShapes = new Map(); // shape -> Set(methods)
for (const d of documented) {
  const k = shape(d.tpl);
  const s = docShapes.get(k) || new Set();
  for (const m of d.methods) s.add(m);
  docShapes.set(k, s);
}

// ---- the sources ----------------------------------------------------------------------------
function* cFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* cFiles(p);
    else if (/\.[ch]$/.test(e.name)) yield p;
  }
}
const literalPaths = new Map(); // template -> first "file:line"
const literalPairs = []; // {method, tpl, where}
let pairFiles = 0;
// "GET", "/path" - also with a designated initializer between: "GET", .pattern = "/path"
const PAIR = /"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)"\s*,\s*(?:\.[A-Za-z_]\w*\s*=\s*)?"(\/[^"\\]*)"/g;
const PATH_LIT = /"(\/(?:api|apif|gwif)\/v1(?:\/[^"\\\s?]*)?)[^"\\]*"/g;
const WORD_LIT = /"([A-Za-z0-9_-]{2,32})"/g;
const CONV = /%[-+ #0-9.]*(?:hh|h|ll|l|j|z|t)?[sdiu]/;
for (const sub of ['lib', 'src']) {
  const top = path.join(root, sub);
  if (!fs.existsSync(top)) continue;
  for (const f of cFiles(top)) {
    const text = fs.readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
    const rel = path.relative(root, f);
    const lineOf = (i) => text.slice(0, i).split('\n').length;
    let any = false;
    for (const m of text.matchAll(PAIR)) {
      // registrations live on the server side only (lib/gw and src/ build client URLs)
      if (!API_PREFIX.test(m[2]) || !/^(lib\/(api|pf|http)|src\/suidod)\//.test(rel)) continue;
      literalPairs.push({ method: m[1], tpl: m[2], where: `${rel}:${lineOf(m.index)}` });
      any = true;
    }
    if (any) pairFiles++;
    // word literals of the file stand in for a whole-segment %s of a route format (lib/ only:
    // src/ holds the programs, which build URLs, not routes)
    const words = sub === 'lib' ? [...new Set([...text.matchAll(WORD_LIT)].map((m) => m[1]))] : [];
    for (const m of text.matchAll(PATH_LIT)) {
      const where = `${rel}:${lineOf(m.index)}`;
      const t = m[1];
      const convs = t.match(new RegExp(CONV.source, 'g')) || [];
      let tpls = [t];
      if (convs.length === 1 && convs[0].endsWith('s') && new RegExp(`/${CONV.source}(/|$)`).test(t)) {
        tpls = ['1', ...words].map((w) => t.replace(CONV, w));
      } else if (convs.length) {
        tpls = [t.replace(new RegExp(CONV.source, 'g'), '1')];
      }
      for (const x of tpls) if (!literalPaths.has(x)) literalPaths.set(x, where);
    }
  }
}

// ---- ask the server -------------------------------------------------------------------------
const concrete = (tpl) => tpl.replace(/\{[^}]*\*\}/g, 'x/y').replace(/\{[^}]+\}/g, '1');
async function allow(p) {
  const r = await fetch(base + p.split('/').map(encodeURIComponent).join('/'), { method: 'PROPFIND' });
  await r.arrayBuffer();
  if (r.status === 404) return null;
  if (r.status !== 405) throw new Error(`PROPFIND ${p}: status ${r.status}, want 404 or 405`);
  return new Set((r.headers.get('allow') || '').split(',').map((s) => s.trim()).filter(Boolean));
}

const errors = [];
let checks = 0;
const probes = new Map(); // concrete path -> why
for (const d of documented) probes.set(concrete(d.tpl), `documented ${d.tpl}`);
for (const [t, where] of literalPaths) if (!probes.has(concrete(t))) probes.set(concrete(t), `${where} "${t}"`);

const registered = new Map(); // concrete path -> Set(methods) seen at the server
const notRoutes = [];
for (const [p, why] of probes) {
  const got = await allow(p);
  const conc = p.split('/').slice(1);
  const want = new Set();
  for (const d of documented) if (matches(d.segs, conc)) for (const m of d.methods) want.add(m);
  if (want.has('GET')) want.add('HEAD');
  checks++;
  if (!got) {
    if (want.size) errors.push(`${p}: documented (${[...want].join(', ')}) but no route matches it [${why}]`);
    else notRoutes.push(`${p} [${why}]`);
    continue;
  }
  registered.set(p, got);
  const extra = [...got].filter((m) => !want.has(m));
  const missing = [...want].filter((m) => !got.has(m));
  if (extra.length) errors.push(`${p}: registered ${extra.join(', ')} not documented [${why}]`);
  if (missing.length) errors.push(`${p}: documented ${missing.join(', ')} not registered (Allow: ${[...got].join(', ')}) [${why}]`);
}

// ---- literal registrations in the sources must be documented (also routes not enabled here)
for (const r of literalPairs) {
  checks++;
  const ms = docShapes.get(shape(r.tpl));
  if (!ms || !ms.has(r.method)) errors.push(`${r.method} ${r.tpl}: registered at ${r.where}, not documented`);
}

const ops = documented.reduce((n, d) => n + d.methods.size, 0);
let confirmed = 0;
for (const d of documented) {
  const got = registered.get(concrete(d.tpl));
  for (const m of d.methods) if (got && got.has(m)) confirmed++;
}
console.log(`documented: ${ops} operations on ${documented.length} paths, ${confirmed} of them routed by suidod; ` +
  `probed ${probes.size} paths: ${registered.size} routed, ${notRoutes.length} not routes (source literals that are URLs, ` +
  `not patterns); sources: ${literalPairs.length} literal registrations in ${pairFiles} files`);
if (process.env.OPENAPI_PARITY_VERBOSE && notRoutes.length) console.log(`not routes (404):\n  ${notRoutes.join('\n  ')}`);
if (errors.length) {
  console.error(`openapi parity: ${errors.length} difference(s)`);
  console.error(errors.map((e) => '  ' + e).join('\n'));
  process.exit(1);
}
console.log(`ok: ${checks} checks`);
