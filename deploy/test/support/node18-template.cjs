'use strict';
// A small, faithful copy of how the OpenFaaS node18 template (template/node18/index.js, on the
// of-watchdog in http mode) calls a function, for checking a built <fn>/dist offline:
//   - the handler is `require('./function/handler')` itself (module.exports must be the function);
//   - Express + body-parser build the event: a missing Content-Type becomes text/plain; with
//     RAW_BODY=true every body is a Buffer (limit MAX_RAW_SIZE, default 100kb), and a request
//     without a body gets `{}`; otherwise text/* is a string and JSON is parsed (MAX_JSON_SIZE);
//   - FunctionContext: status() defaults to 200, headers() replaces the header map, succeed(value)
//     and fail(err) call the template's callback, fail() turns a 200 into a 500;
//   - the callback sends arrays and plain objects as JSON.stringify(...) with the context's headers
//     and status, anything else through res.send() as it is (Express then picks the Content-Type:
//     text/html for strings, application/octet-stream for Buffers, unless one was set); an error
//     is sent as err.toString() with the context's status and NO context headers;
//   - the handler's returned value is sent with succeed() unless the callback was already called;
//     a rejected promise goes to the callback as an error. A synchronous throw escapes the template's
//     async middleware unhandled, so that request never gets an answer (reported as `hang`).
//
// Used as a child process so each function loads in a fresh Node process, as in its container:
//   node node18-template.cjs <function dir> <requests.json> <results.json>
// requests.json: [{method, path, query?, headers?, body? (base64), timeoutMs?}]. results.json gets
// {loaded: true, results: [{status, headers, body (base64), callbacks, hang?, timedOut?}]}, or
// {loaded: false, error} when require() of the handler throws.

const fs = require('node:fs');
const path = require('node:path');

class FunctionEvent {
  constructor(req) {
    this.body = req.body;
    this.headers = req.headers;
    this.method = req.method;
    this.query = req.query;
    this.path = req.path;
  }
}

class FunctionContext {
  constructor(cb) {
    this.statusCode = 200;
    this.cb = cb;
    this.headerValues = {};
    this.cbCalled = 0;
  }

  status(statusCode) {
    if (!statusCode) {
      return this.statusCode;
    }
    this.statusCode = statusCode;
    return this;
  }

  headers(value) {
    if (!value) {
      return this.headerValues;
    }
    this.headerValues = value;
    return this;
  }

  succeed(value) {
    let err;
    this.cbCalled++;
    this.cb(err, value);
  }

  fail(value) {
    let message;
    if (this.status() == '200') {
      this.status(500);
    }
    this.cbCalled++;
    this.cb(value, message);
  }
}

const isArray = (a) => !!a && a.constructor === Array;
const isObject = (a) => !!a && a.constructor === Object;

/** body-parser's size strings ("100kb", "12mb") in bytes. */
function parseBytes(value) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(String(value).trim());
  if (!m) throw new Error(`not a size: ${value}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] || 'b').toLowerCase()];
  return Math.floor(Number(m[1]) * unit);
}

/** A minimal Express response: what the template's callback uses of it. */
class Response {
  constructor() {
    this.statusCode = 200;
    this.headerMap = {};
    this.body = undefined;
    this.sends = 0;
  }

  status(code) {
    this.statusCode = code;
    return this;
  }

  set(headers) {
    for (const [k, v] of Object.entries(headers || {})) this.headerMap[k.toLowerCase()] = String(v);
    return this;
  }

  send(value) {
    this.sends++;
    if (this.sends > 1) return this; // Express would throw "headers already sent"; counted below.
    if (value === undefined || value === null) {
      this.body = Buffer.alloc(0);
    } else if (Buffer.isBuffer(value)) {
      this.headerMap['content-type'] ??= 'application/octet-stream';
      this.body = value;
    } else if (typeof value === 'string') {
      this.headerMap['content-type'] ??= 'text/html; charset=utf-8';
      this.body = Buffer.from(value, 'utf8');
    } else if (typeof value === 'boolean' || typeof value === 'number') {
      this.headerMap['content-type'] ??= 'application/json; charset=utf-8';
      this.body = Buffer.from(JSON.stringify(value), 'utf8');
    } else {
      // Express's res.send(object) is res.json(object).
      this.headerMap['content-type'] ??= 'application/json; charset=utf-8';
      this.body = Buffer.from(JSON.stringify(value), 'utf8');
    }
    this.done?.();
    return this;
  }
}

/** The request as Express and body-parser hand it to the template. */
function buildRequest(spec) {
  const headers = {};
  for (const [k, v] of Object.entries(spec.headers || {})) headers[k.toLowerCase()] = v;
  const raw = spec.body === undefined ? undefined : Buffer.from(spec.body, 'base64');
  if (raw !== undefined) headers['content-length'] = String(raw.length);
  // addDefaultContentType
  if (!headers['content-type']) headers['content-type'] = 'text/plain';

  const query = {};
  for (const [k, v] of new URLSearchParams(spec.query || '')) {
    if (k in query) query[k] = [].concat(query[k], v);
    else query[k] = v;
  }
  const req = { method: spec.method, headers, query, path: spec.path || '/', body: {} };
  if (raw === undefined) return { req };

  if (process.env.RAW_BODY === 'true') {
    if (raw.length > parseBytes(process.env.MAX_RAW_SIZE || '100kb')) {
      return { req, rejected: { status: 413, reason: 'request entity too large (body-parser raw limit)' } };
    }
    req.body = raw;
    return { req };
  }
  const type = headers['content-type'].split(';')[0].trim().toLowerCase();
  if (type.startsWith('text/')) {
    req.body = raw.toString('utf8');
  } else if (type === 'application/json') {
    if (raw.length > parseBytes(process.env.MAX_JSON_SIZE || '100kb')) {
      return { req, rejected: { status: 413, reason: 'request entity too large (body-parser json limit)' } };
    }
    try {
      req.body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      return { req, rejected: { status: 400, reason: 'invalid JSON (body-parser json)' } };
    }
  } else if (type === 'application/x-www-form-urlencoded') {
    req.body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  return { req };
}

/** One call through the template's middleware. */
function invoke(handler, spec) {
  return new Promise((resolve) => {
    const { req, rejected } = buildRequest(spec);
    if (rejected) {
      resolve({ status: rejected.status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '', rejectedByTemplate: rejected.reason, callbacks: 0 });
      return;
    }
    const res = new Response();
    let settled = false;
    const finish = (extra = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Give a second callback a moment to show up, as it would in Express.
      setTimeout(() => {
        resolve({
          status: res.statusCode,
          headers: res.headerMap,
          body: (res.body || Buffer.alloc(0)).toString('base64'),
          callbacks: fnContext.cbCalled,
          sends: res.sends,
          ...extra,
        });
      }, 20);
    };
    const timer = setTimeout(() => finish({ timedOut: true }), spec.timeoutMs || 15000);
    res.done = () => finish();

    const cb = (err, functionResult) => {
      if (err) {
        console.error(err);
        return res.status(fnContext.status()).send(err.toString ? err.toString() : err);
      }
      if (isArray(functionResult) || isObject(functionResult)) {
        res.set(fnContext.headers()).status(fnContext.status()).send(JSON.stringify(functionResult));
      } else {
        res.set(fnContext.headers()).status(fnContext.status()).send(functionResult);
      }
    };

    const fnEvent = new FunctionEvent(req);
    const fnContext = new FunctionContext(cb);
    let returned;
    try {
      returned = handler(fnEvent, fnContext, cb);
    } catch (e) {
      // The template's middleware is async: this rejection is unhandled and the request hangs.
      finish({ hang: true, error: String(e && e.stack ? e.stack : e) });
      return;
    }
    Promise.resolve(returned)
      .then((value) => {
        if (!fnContext.cbCalled) {
          fnContext.succeed(value);
        }
      })
      .catch((e) => {
        cb(e);
      });
  });
}

async function main() {
  const [dir, requestsFile, resultsFile] = process.argv.slice(2);
  let handler;
  try {
    handler = require(path.resolve(dir, 'handler'));
  } catch (e) {
    fs.writeFileSync(resultsFile, JSON.stringify({ loaded: false, error: String(e && e.stack ? e.stack : e) }));
    process.exit(0);
  }
  if (typeof handler !== 'function') {
    fs.writeFileSync(
      resultsFile,
      JSON.stringify({ loaded: false, error: `module.exports of handler.js is ${typeof handler}, not a function (keys: ${Object.keys(handler || {}).join(', ')})` }),
    );
    process.exit(0);
  }
  const requests = JSON.parse(fs.readFileSync(requestsFile, 'utf8'));
  const results = [];
  for (const spec of requests) results.push(await invoke(handler, spec));
  fs.writeFileSync(resultsFile, JSON.stringify({ loaded: true, results }));
  // Pools and sockets the function keeps open would hold the process: end it like a stopped container.
  process.exit(0);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}

module.exports = { FunctionEvent, FunctionContext, buildRequest, invoke, parseBytes };
