import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/src/free-port.ts';
import { ERROR_STATUS, type ErrorBody, isErrorBody } from '../../shared/src/contract/errors.ts';
import { deployDir, parseYamlDocs } from './support/repo.ts';

const conf = readFileSync(join(deployDir, 'web', 'nginx.conf'), 'utf8');
const dockerfile = readFileSync(join(deployDir, 'web', 'Dockerfile'), 'utf8');

/** ${NAME} placeholders the image's envsubst step fills in. */
const placeholders = [...new Set([...conf.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!))].sort();

describe('deploy/web: nginx.conf and Dockerfile', () => {
  it('allows 12 MB bodies and forwards only /function/ to the OpenFaaS gateway', () => {
    expect(conf).toMatch(/^\s*client_max_body_size 12m;/m);
    expect(conf).toMatch(/location \/function\/ \{[^}]*set \$gateway "\$\{GATEWAY_URL\}";[^}]*proxy_pass \$gateway;/s);
    expect(conf.match(/proxy_pass/g)).toHaveLength(1);
    expect(conf).not.toMatch(/location[^{]*\/system/);
  });

  it('answers its own 400, 405, 413, 415 and 502/503/504 in the API error shape', () => {
    const bodies = [...conf.matchAll(/return (\d{3}) '([^']*)';/g)].map((m) => ({ status: Number(m[1]), body: JSON.parse(m[2]!) as unknown }));
    const byCode = new Map(bodies.filter((b) => isErrorBody(b.body)).map((b) => [(b.body as { error: { code: string } }).error.code, b.status]));
    for (const code of ['validation_failed', 'method_not_allowed', 'payload_too_large', 'unsupported_media_type', 'service_unavailable'] as const) {
      expect(byCode.get(code), code).toBe(ERROR_STATUS[code]);
    }
    expect(conf).toMatch(/error_page 400 =400 \/_errors\/bad-request;/);
    expect(conf).toMatch(/error_page 405 =405 @method_not_allowed;/);
    expect(conf).toMatch(/error_page 413 =413 @payload_too_large;/);
    expect(conf).toMatch(/error_page 502 503 504 =503 @service_unavailable;/);
    expect(conf).toMatch(/error_page 502 504 =503 @service_unavailable;/);
  });

  it('intercepts no 400, 405 or 415 a function answers: /function/ declares those only inside its refusing ifs', () => {
    const block = /\n    location \/function\/ \{\n(.*?)\n    \}\n/s.exec(conf)![1]!;
    const outsideIfs = block.replace(/^\s*if \(.*?\n\s*\}$/gms, '');
    const intercepted = [...outsideIfs.matchAll(/^\s*error_page ([\d ]+) /gm)].flatMap((m) => m[1]!.trim().split(' '));
    expect(intercepted.sort()).toEqual(['413', '502', '504']);
    expect(block.match(/^\s*if \(/gm)).toHaveLength(3);
  });

  it('fills in only variables the image and the Deployment define', () => {
    expect(placeholders).toEqual(['GATEWAY_URL', 'NGINX_RESOLVER']);
    const envLine = /^ENV (.*)$/m.exec(dockerfile.replace(/\\\n\s*/g, ' '))![1]!;
    for (const name of placeholders) expect(envLine).toMatch(new RegExp(`\\b${name}=\\S+`));
    expect(envLine).toMatch(/GATEWAY_URL=http:\/\/gateway\.openfaas\.svc\.cluster\.local:8080/);
    const [deployment] = parseYamlDocs('deploy/web/deployment.yaml') as { spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } } }[];
    const env = deployment!.spec.template.spec.containers[0]!.env;
    expect(env.map((e) => e.name).sort()).toEqual(placeholders);
  });

  it('builds nginx-unprivileged with the app and the config template', () => {
    expect(dockerfile).toMatch(/^FROM nginxinc\/nginx-unprivileged:\d+\.\d+[\w.-]*$/m);
    expect(dockerfile).toMatch(/^COPY deploy\/web\/nginx\.conf \/etc\/nginx\/templates\/default\.conf\.template$/m);
    expect(dockerfile).toMatch(/^COPY web\/dist\/ \/usr\/share\/nginx\/html\/$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    const ignore = readFileSync(join(deployDir, 'web', 'Dockerfile.dockerignore'), 'utf8');
    expect(ignore.split('\n')).toEqual(expect.arrayContaining(['*', '!web/dist/', '!deploy/web/nginx.conf']));
  });
});

const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'];

/** The nginx to run deploy/web/nginx.conf with: required, as .ci/run installs it. */
function nginxBinary(): string {
  const found = NGINX_PATHS.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`nginx is required to check deploy/web/nginx.conf and is not installed (looked in ${NGINX_PATHS.join(', ')}): apt-get install nginx (.ci/run does this)`);
  }
  return found;
}

// A failed test of its own, as well as the failed suite below, when nginx is missing.
it('has nginx to run deploy/web/nginx.conf with (apt-get install nginx)', () => {
  expect(nginxBinary()).toMatch(/\/nginx$/);
});

/** The real nginx with deploy/web/nginx.conf, in front of a stand-in gateway. (Needs nginx: apt-get install nginx.) */
describe('deploy/web/nginx.conf served by nginx', () => {
  let work = '';
  let nginx: ChildProcess | undefined;
  let gateway: Server | undefined;
  let port = 0;
  let base = '';
  const seen: { url: string; method: string; bytes: number; forwardedFor?: string }[] = [];
  /** What /function/own-error/<status> answers: a function's own error, to pass through as is. */
  const ownErrors: Record<number, { body: string; headers?: Record<string, string> }> = {
    400: { body: JSON.stringify({ error: { code: 'validation_failed', message: 'Title is required.', fields: [{ field: 'title', message: 'Required.' }] } }) },
    405: { body: JSON.stringify({ error: { code: 'method_not_allowed', message: 'Use GET.' } }), headers: { Allow: 'GET' } },
    415: { body: JSON.stringify({ error: { code: 'unsupported_media_type', message: 'Send JSON.' } }) },
  };

  beforeAll(async () => {
    const nginxPath = nginxBinary();
    work = mkdtempSync(join(tmpdir(), 'web-nginx-'));
    mkdirSync(join(work, 'html', 'assets'), { recursive: true });
    writeFileSync(join(work, 'html', 'index.html'), '<!doctype html><title>to-do</title>');
    writeFileSync(join(work, 'html', 'assets', 'app-1a2b.js'), 'console.log(1)');
    // nginx's workers may run as another user: let them read the files.
    for (const d of [work, join(work, 'html'), join(work, 'html', 'assets')]) chmodSync(d, 0o755);

    gateway = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        seen.push({ url: req.url!, method: req.method!, bytes, forwardedFor: req.headers['x-forwarded-for'] as string | undefined });
        if (req.url!.startsWith('/function/recognition-down')) {
          res.writeHead(503, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'recognition_unavailable', message: 'Recognition is unavailable.' } }));
        } else if (req.url!.startsWith('/function/gateway-502')) {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end("Can't reach service for: gateway-502.");
        } else if (req.url!.startsWith('/function/gateway-504')) {
          res.writeHead(504, { 'Content-Type': 'text/plain' });
          res.end('upstream timeout');
        } else if (req.url!.startsWith('/function/own-error/')) {
          const status = Number(req.url!.split('/')[3]);
          res.writeHead(status, { 'Content-Type': 'application/json', ...ownErrors[status]!.headers });
          res.end(ownErrors[status]!.body);
        } else if (req.url!.startsWith('/function/too-large')) {
          res.writeHead(413, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'payload_too_large', message: 'At most 256 KB.' } }));
        } else {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        }
      });
    });
    await new Promise<void>((r) => gateway!.listen(0, '127.0.0.1', r));
    const gatewayPort = (gateway.address() as AddressInfo).port;
    port = await freePort();
    base = `http://127.0.0.1:${port}`;

    // What the image's envsubst step does, then a listen address and root for this machine.
    const site = conf
      .replaceAll('${GATEWAY_URL}', `http://127.0.0.1:${gatewayPort}`)
      .replaceAll('${NGINX_RESOLVER}', '127.0.0.1')
      .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
      .replace('root /usr/share/nginx/html;', `root ${join(work, 'html')};`);
    writeFileSync(join(work, 'site.conf'), site);
    writeFileSync(
      join(work, 'nginx.conf'),
      `worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 64; }
http {
  types { text/html html; application/javascript js; application/json json; text/plain txt; }
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${work}/client_temp;
  proxy_temp_path ${work}/proxy_temp;
  fastcgi_temp_path ${work}/fastcgi_temp;
  uwsgi_temp_path ${work}/uwsgi_temp;
  scgi_temp_path ${work}/scgi_temp;
  include ${work}/site.conf;
}
`,
    );
    execFileSync(nginxPath, ['-t', '-p', work, '-c', join(work, 'nginx.conf')], { stdio: 'pipe' });
    const child = spawn(nginxPath, ['-p', work, '-c', join(work, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    nginx = child;
    // The port was freed then taken again: only a good answer while our nginx still runs counts
    // (an nginx that failed to bind exits, and whatever took the port may answer anything).
    const running = () => child.exitCode === null && child.signalCode === null;
    for (let i = 0; i < 100 && running(); i++) {
      try {
        const res = await fetch(`${base}/healthz`);
        await res.arrayBuffer();
        if (res.ok && running()) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = running() ? '' : ` (exited: ${child.exitCode ?? child.signalCode})`;
    throw new Error(`nginx did not start${exited}: ${readFileSync(join(work, 'error.log'), 'utf8')}`);
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    if (nginx && nginx.exitCode === null) await new Promise((r) => nginx!.once('exit', r));
    await new Promise<void>((r) => (gateway?.listening ? gateway.close(() => r()) : r()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const errorOf = async (res: Response) => {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as unknown;
    expect(isErrorBody(body)).toBe(true);
    return (body as ErrorBody).error;
  };
  const errorCode = async (res: Response) => (await errorOf(res)).code;

  /**
   * One request written as is on its own connection, for what fetch will not send (TRACE, a
   * malformed request line or URI, no Host header); the answer as a Response.
   */
  const raw = (head: string) =>
    new Promise<Response>((resolve, reject) => {
      // Written, not ended: nginx takes a half-closed connection for a client gone and drops the proxied request.
      const socket = connect(port, '127.0.0.1', () => socket.write(head));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine!)?.[1];
        if (!status) return reject(new Error(`not an HTTP/1.1 answer to ${JSON.stringify(head)}: ${JSON.stringify(text.slice(0, 200))}`));
        const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
        resolve(new Response(text.slice(end + 4), { status: Number(status), headers }));
      });
    });
  const get = (target: string, method = 'GET') => raw(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

  it('serves the app, with index.html for client-side routes', async () => {
    for (const path of ['/', '/tasks/42']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>to-do</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
    const asset = await fetch(`${base}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
  });

  it('forwards /function/ calls with their path, query and body', async () => {
    const res = await fetch(`${base}/function/list-tasks?limit=5&cursor=a%2Fb`);
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ url: '/function/list-tasks?limit=5&cursor=a%2Fb', method: 'GET', forwardedFor: '127.0.0.1' });
    const image = Buffer.alloc(9 * 1024 * 1024, 1);
    const put = await fetch(`${base}/function/predict-image/7`, { method: 'PUT', body: image, headers: { 'Content-Type': 'image/jpeg' } });
    expect(put.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ url: '/function/predict-image/7', method: 'PUT', bytes: image.length });
  });

  it('does not forward the gateway\'s /system/ API', async () => {
    const before = seen.length;
    await fetch(`${base}/system/functions`);
    expect(seen.length).toBe(before);
  });

  it('answers a body over 12 MB with 413 payload_too_large, before the gateway sees it', async () => {
    const before = seen.length;
    const res = await fetch(`${base}/function/predict-image/7`, { method: 'PUT', body: Buffer.alloc(13 * 1024 * 1024), headers: { 'Content-Type': 'image/jpeg' } });
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('payload_too_large');
    expect(seen.length).toBe(before);
  });

  it('passes a function\'s own error answers through untouched', async () => {
    const res = await fetch(`${base}/function/recognition-down/7`);
    expect(res.status).toBe(503);
    expect(await errorCode(res)).toBe('recognition_unavailable');
    const large = await fetch(`${base}/function/too-large`, { method: 'POST', body: '{}' });
    expect(large.status).toBe(413);
    expect(await errorCode(large)).toBe('payload_too_large');
  });

  it('passes a function\'s own 400, 405 and 415 through unchanged', async () => {
    for (const status of [400, 405, 415]) {
      const res = await fetch(`${base}/function/own-error/${status}`, { method: 'POST', body: '{"title":""}', headers: { 'Content-Type': 'application/json' } });
      expect(res.status, String(status)).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('allow')).toBe(ownErrors[status]!.headers?.Allow ?? null);
      expect(await res.text()).toBe(ownErrors[status]!.body);
      expect(seen.at(-1)).toMatchObject({ url: `/function/own-error/${status}`, method: 'POST' });
    }
  });

  it('refuses a method the functions\' template does not route with 405 method_not_allowed, before the gateway sees it', async () => {
    const before = seen.length;
    // TRACE: nginx refuses it itself, before choosing a location.
    for (const res of [await fetch(`${base}/function/list-tasks`, { method: 'PROPFIND' }), await get('/function/list-tasks', 'TRACE')]) {
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
      const error = await errorOf(res);
      expect(error.code).toBe('method_not_allowed');
      expect(error.message).toMatch(/^(PROPFIND|TRACE) is not supported here\.$/);
    }
    expect(seen.length).toBe(before);
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const res = await fetch(`${base}/function/list-tasks`, { method });
      expect(res.status, method).toBe(200);
      expect(seen.at(-1)).toMatchObject({ url: '/function/list-tasks', method });
    }
  });

  it('answers a method the app\'s files do not take with 405 method_not_allowed, allowing GET and HEAD', async () => {
    for (const res of [await fetch(`${base}/tasks/42`, { method: 'POST', body: '{}' }), await get('/', 'TRACE')]) {
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await errorCode(res)).toBe('method_not_allowed');
    }
  });

  it('refuses a /function/ path the template cannot percent-decode with 400 validation_failed, as decodeURIComponent does', async () => {
    const decodable = (s: string) => {
      try {
        decodeURIComponent(s);
        return true;
      } catch {
        return false;
      }
    };
    // Malformed escapes (nginx's own 400), escapes of bytes that are not UTF-8, and good ones.
    const bad = ['%E0%A4%A', '%ZZ', '7%', '%FF', 'caf%E9', '%E0%A4', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%F0%9F%98'];
    const good = ['7', '%E0%A4%A4', 'caf%C3%A9', '%F0%9F%98%80', '%EF%BF%BD', 'a%2Fb', `${'%C3%A9'.repeat(1000)}`];
    for (const rest of [...bad, ...good]) {
      const path = `/function/delete-task/${rest}`;
      const before = seen.length;
      const res = await get(path);
      if (bad.includes(rest)) {
        expect(decodable(rest), rest).toBe(false);
        expect(res.status, rest).toBe(400);
        expect(await errorCode(res)).toBe('validation_failed');
        expect(seen.length, rest).toBe(before);
      } else {
        expect(decodable(rest), rest).toBe(true);
        expect(res.status, rest.slice(0, 40)).toBe(200);
        expect(seen.at(-1)?.url).toBe(path);
      }
    }
  });

  it('answers nginx\'s own 400 for a malformed request in the API shape', async () => {
    const before = seen.length;
    for (const head of [
      'G@T /function/list-tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      'GET /function/list-tasks HTTP/1.1\r\nConnection: close\r\n\r\n',
      'GET /tasks/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    ]) {
      const res = await raw(head);
      expect(res.status, head).toBe(400);
      expect(await errorCode(res)).toBe('validation_failed');
    }
    expect(seen.length).toBe(before);
    // Only as nginx's error page: not a path of its own.
    expect((await fetch(`${base}/_errors/bad-request`)).status).toBe(404);
  });

  it('refuses a body with a Content-Encoding with 415 unsupported_media_type, before the gateway sees it', async () => {
    const before = seen.length;
    for (const encoding of ['gzip', 'br', 'GZIP', 'identity, gzip']) {
      const res = await fetch(`${base}/function/create-task`, { method: 'POST', body: gzipSync('{"title":"a"}'), headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding } });
      expect(res.status, encoding).toBe(415);
      const error = await errorOf(res);
      expect(error.code).toBe('unsupported_media_type');
      expect(error.message).toBe('Send the body without a Content-Encoding.');
    }
    expect(seen.length).toBe(before);
    for (const encoding of ['identity', 'Identity']) {
      const res = await fetch(`${base}/function/create-task`, { method: 'POST', body: '{"title":"a"}', headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding } });
      expect(res.status, encoding).toBe(200);
      expect(seen.at(-1)).toMatchObject({ url: '/function/create-task', method: 'POST', bytes: 13 });
    }
  });

  it('turns the gateway\'s plain-text 502/504 into 503 service_unavailable', async () => {
    for (const path of ['/function/gateway-502', '/function/gateway-504']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(503);
      expect(await errorCode(res)).toBe('service_unavailable');
    }
  });

  it('answers 503 service_unavailable when the gateway is down', async () => {
    await new Promise<void>((r) => gateway!.close(() => r()));
    gateway!.closeAllConnections();
    const res = await fetch(`${base}/function/list-tasks`);
    expect(res.status).toBe(503);
    expect(await errorCode(res)).toBe('service_unavailable');
  });
});
