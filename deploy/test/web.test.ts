import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, isErrorBody } from '../../shared/src/contract/errors.ts';
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

  it('answers its own 413 and 502/503/504 in the API error shape', () => {
    const bodies = [...conf.matchAll(/return (\d{3}) '([^']*)';/g)].map((m) => ({ status: Number(m[1]), body: JSON.parse(m[2]!) as unknown }));
    const byCode = new Map(bodies.filter((b) => isErrorBody(b.body)).map((b) => [(b.body as { error: { code: string } }).error.code, b.status]));
    expect(byCode.get('payload_too_large')).toBe(ERROR_STATUS.payload_too_large);
    expect(byCode.get('service_unavailable')).toBe(ERROR_STATUS.service_unavailable);
    expect(conf).toMatch(/error_page 413 =413 @payload_too_large;/);
    expect(conf).toMatch(/error_page 502 503 504 =503 @service_unavailable;/);
    expect(conf).toMatch(/error_page 502 504 =503 @service_unavailable;/);
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

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
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
  let base = '';
  const seen: { url: string; method: string; bytes: number; forwardedFor?: string }[] = [];

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
    const port = await freePort();
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
    nginx = spawn(nginxPath, ['-p', work, '-c', join(work, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`${base}/healthz`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`nginx did not start: ${readFileSync(join(work, 'error.log'), 'utf8')}`);
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    if (nginx && nginx.exitCode === null) await new Promise((r) => nginx!.once('exit', r));
    await new Promise<void>((r) => (gateway?.listening ? gateway.close(() => r()) : r()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const errorCode = async (res: Response) => {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as unknown;
    expect(isErrorBody(body)).toBe(true);
    return (body as { error: { code: string } }).error.code;
  };

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
