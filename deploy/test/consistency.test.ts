import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/src/contract/limits.ts';
import { podSpecOf, renderDeploy, type K8sObject } from './support/k8s.ts';
import { deployDir, goDurationMs, loadStack } from './support/repo.ts';

/** stack.yml's connection settings point at what deploy/ creates, and the limits line up. */
describe('stack.yml against deploy/', () => {
  const stack = loadStack();
  const fns = Object.entries(stack.functions);
  const env = (name: string) => stack.functions[name]!.environment as Record<string, string>;
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = renderDeploy().objects;
  });

  const service = (host: string) => {
    const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(host);
    expect(m, `${host} is <service>.<namespace>.svc.cluster.local`).toBeTruthy();
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === m![1] && o.metadata.namespace === m![2]);
    expect(svc, `Service ${m![1]} in ${m![2]}`).toBeTruthy();
    return svc!.spec as { ports: { port: number; name: string }[] };
  };
  const envOf = (kind: string, name: string, container?: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name)!;
    const spec = podSpecOf(o)!;
    const all = [...((spec.initContainers as { name: string; env?: { name: string; value?: string }[] }[]) ?? []), ...(spec.containers as { name: string; env?: { name: string; value?: string }[] }[])];
    const c = container ? all.find((x) => x.name === container)! : all[all.length - 1]!;
    return Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  };
  const argsOf = (kind: string, name: string): string[] => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name)!;
    return ((podSpecOf(o)!.containers as { args?: string[] }[])[0]!.args ?? []);
  };

  it('MySQL: host, port, database and user', () => {
    for (const [name, fn] of fns) {
      const e = fn.environment as Record<string, string>;
      const svc = service(e.MYSQL_HOST!);
      expect(svc.ports.map((p) => p.port), name).toContain(Number(e.MYSQL_PORT));
      const mysql = envOf('StatefulSet', 'mysql');
      expect(e.MYSQL_DATABASE).toBe(mysql.MYSQL_DATABASE);
      expect(e.MYSQL_USER).toBe(mysql.MYSQL_USER);
    }
  });

  it('MySQL accepts every pool of every replica at full scale', () => {
    const maxConnections = Number(/^--max-connections=(\d+)$/.exec(argsOf('StatefulSet', 'mysql').find((a) => a.startsWith('--max-connections='))!)![1]);
    const needed = fns.reduce((sum, [, fn]) => {
      const pool = Number((fn.environment as Record<string, string>).MYSQL_POOL_SIZE ?? 4);
      return sum + pool * Number(fn.labels!['com.openfaas.scale.max']);
    }, 0);
    // Headroom for an operator's session and a rolling update's extra pods.
    expect(needed + 20).toBeLessThanOrEqual(maxConnections);
  });

  it('MinIO: endpoint and bucket', () => {
    for (const name of ['delete-task', 'predict-image']) {
      const url = new URL(env(name).S3_ENDPOINT!);
      const svc = service(url.hostname);
      expect(svc.ports.map((p) => p.port)).toContain(Number(url.port));
      expect(env(name).S3_BUCKET).toBe(envOf('Job', 'minio-setup').BUCKET);
    }
  });

  it('TF Serving: model URL, model name and labels URL', () => {
    const e = env('predict-image');
    const model = new URL(e.MODEL_URL!);
    expect(service(model.hostname).ports.find((p) => p.port === Number(model.port))?.name).toBe('rest');
    expect(e.MODEL_NAME).toBe(envOf('Deployment', 'tf-serving', 'tf-serving').MODEL_NAME);
    expect(e.MODEL_NAME).toBe(envOf('Deployment', 'tf-serving', 'fetch-model').MODEL_NAME);
    const labels = new URL(e.MODEL_LABELS!);
    expect(labels.hostname).toBe(model.hostname);
    expect(service(labels.hostname).ports.find((p) => p.port === Number(labels.port))?.name).toBe('labels');
    // The labels sidecar serves labels.txt (what fetch-model.sh installs) from nginx's root.
    expect(labels.pathname).toBe('/labels.txt');
    const tf = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'tf-serving')!;
    const target = (service(labels.hostname) as { ports: { port: number; targetPort?: string | number }[] }).ports.find((p) => p.port === Number(labels.port))!.targetPort;
    const sidecar = (podSpecOf(tf)!.containers as { ports?: { name?: string; containerPort: number }[]; readinessProbe?: { httpGet?: { path: string } }; volumeMounts?: { mountPath: string; subPath?: string }[] }[])
      .find((c) => c.ports?.some((p) => p.name === target || p.containerPort === target))!;
    expect(sidecar, `the container behind the Service's port ${labels.port}`).toBeTruthy();
    expect(sidecar.readinessProbe?.httpGet?.path).toBe(labels.pathname);
    expect(sidecar.volumeMounts?.find((m) => m.mountPath === '/usr/share/nginx/html')?.subPath).toBe(`${e.MODEL_NAME}/labels`);
  });

  it('the web server lets through what the functions accept, for as long as they may take', () => {
    const conf = readFileSync(join(deployDir, 'web', 'nginx.conf'), 'utf8');
    const bodyMb = Number(/client_max_body_size\s+(\d+)m;/.exec(conf)![1]);
    expect(bodyMb * 1024 * 1024).toBeGreaterThan(LIMITS.imageMaxBytes);
    expect(`${bodyMb}mb`).toBe(env('predict-image').MAX_RAW_SIZE);
    const readTimeout = Number(/proxy_read_timeout\s+(\d+)s;/.exec(conf)![1]) * 1000;
    for (const [name] of fns) expect(readTimeout, name).toBeGreaterThan(goDurationMs(env(name).exec_timeout!));
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size']).toBe(`${bodyMb}m`);
    expect(Number(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']) * 1000).toBeGreaterThan(readTimeout);
  });
});
