#!/usr/bin/env node
// openapi_validate.mjs - validate docs/openapi.yaml (or the file given) as an OpenAPI 3 document
// with @apidevtools/swagger-parser: schema validation of the whole document plus its $refs.
// Exits 0 when valid; otherwise lists every error (JSON pointer + message) and exits 1.
import SwaggerParser from '@apidevtools/swagger-parser';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] || path.join(here, '..', '..', 'docs', 'openapi.yaml');

// What the OpenAPI 3 JSON schema cannot see (swagger-parser checks it for Swagger 2 only): every
// {param} of a path template is declared as an `in: path` parameter (on the path item or the
// operation) with required: true, nothing else is declared `in: path`, operationIds are unique.
function semanticErrors(api) {
  const errs = [];
  const seenIds = new Map();
  const resolve = (p) => {
    if (p && p.$ref && p.$ref.startsWith('#/')) {
      return p.$ref.slice(2).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((o, k) => (o ? o[k] : undefined), api);
    }
    return p;
  };
  for (const [tpl, item] of Object.entries(api.paths || {})) {
    const names = [...tpl.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const common = (item.parameters || []).map(resolve);
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const where = `${method.toUpperCase()} ${tpl}`;
      const byKey = new Map();
      for (const p of common) if (p) byKey.set(`${p.in}:${p.name}`, p);
      for (const p of (op.parameters || []).map(resolve)) if (p) byKey.set(`${p.in}:${p.name}`, p);
      const declared = [...byKey.values()].filter((p) => p.in === 'path');
      for (const n of names) {
        const p = declared.find((d) => d.name === n);
        if (!p) errs.push(`${where}: path parameter {${n}} is not declared`);
        else if (p.required !== true) errs.push(`${where}: path parameter {${n}} must be required: true`);
      }
      for (const p of declared) {
        if (!names.includes(p.name)) errs.push(`${where}: path parameter ${p.name} is not in the path`);
      }
      if (op.operationId) {
        if (seenIds.has(op.operationId)) errs.push(`${where}: operationId ${op.operationId} also on ${seenIds.get(op.operationId)}`);
        seenIds.set(op.operationId, where);
      }
      if (!op.responses || Object.keys(op.responses).length === 0) errs.push(`${where}: no responses`);
    }
  }
  return errs;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// YAML accidents that still parse into a valid document, found in the text: " #" after a value
// starts a comment and silently drops the rest of the line ("summary: AP-IF #3 ..." is
// "AP-IF"). Whole-line comments and block scalars (| and >) are fine.
function yamlLint(text) {
  const errs = [];
  let blockIndent = -1;
  text.split('\n').forEach((line, i) => {
    const indent = line.match(/^ */)[0].length;
    if (blockIndent >= 0) {
      if (line.trim() === '' || indent > blockIndent) return;
      blockIndent = -1;
    }
    if (/^\s*#/.test(line) || line.trim() === '') return;
    let q = null;
    for (let j = 0; j < line.length; j++) {
      const c = line[j];
      if (q) {
        if (c === q && !(q === "'" && line[j + 1] === "'")) q = null;
        else if (c === q) j++;
        else if (q === '"' && c === '\\') j++;
      } else if ((c === '"' || c === "'") && (j === 0 || /[\s{\[,:]/.test(line[j - 1]))) q = c;
      else if (c === '#' && j > 0 && /\s/.test(line[j - 1])) {
        errs.push(`line ${i + 1}: " #" starts a comment and drops "${line.slice(j).trim().slice(0, 40)}" - quote the text`);
        break;
      }
    }
    if (/:\s*[|>][-+]?\s*$/.test(line)) blockIndent = indent;
  });
  return errs;
}

try {
  const api = await SwaggerParser.validate(file);
  const sem = [...yamlLint(fs.readFileSync(file, 'utf8')), ...semanticErrors(await SwaggerParser.parse(file))];
  if (sem.length) {
    console.error(`${file}: INVALID - ${sem.length} error(s)`);
    console.error(sem.join('\n'));
    process.exit(1);
  }
  const ops = Object.values(api.paths || {})
    .flatMap((item) => Object.keys(item).filter((k) => METHODS.includes(k)));
  console.log(`${file}: valid OpenAPI ${api.openapi} (${Object.keys(api.paths || {}).length} paths, ${ops.length} operations)`);
} catch (err) {
  const details = Array.isArray(err.details) ? err.details : [];
  const lines = [];
  const walk = (d, depth) => {
    const where = d.instancePath ?? (Array.isArray(d.path) ? '/' + d.path.join('/') : '');
    lines.push(`${'  '.repeat(depth)}${where || '/'}: ${d.message}${d.params ? ' ' + JSON.stringify(d.params) : ''}`);
    for (const s of d.inner || []) walk(s, depth + 1);
  };
  for (const d of details) walk(d, 0);
  console.error(`${file}: INVALID - ${details.length ? details.length + ' error(s)' : err.message}`);
  if (lines.length) console.error(lines.join('\n'));
  else console.error(err.stack || String(err));
  process.exit(1);
}
