import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  kustomizationInputs,
  podSpecOf,
  renderDeploy,
  renderWithoutKubectl,
  deployCopyWithSecrets,
  validateObject,
  type K8sObject,
} from './support/k8s.ts';
import { deployDir, isYamlFile, parseYamlDocs, repoFiles, repoRoot } from './support/repo.ts';

interface Container {
  name: string;
  image: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}

const containersOf = (o: K8sObject): { init: Container[]; main: Container[] } => {
  const spec = podSpecOf(o);
  return {
    init: (spec?.initContainers as Container[] | undefined) ?? [],
    main: (spec?.containers as Container[] | undefined) ?? [],
  };
};

/** YAML files under deploy/ that hold Kubernetes objects (not kustomizations or other configs). */
const manifestFiles = repoFiles()
  .filter((f) => f.startsWith('deploy/') && isYamlFile(f))
  .filter((f) => !f.endsWith('kustomization.yaml') && !f.startsWith('deploy/grafana/') && !f.startsWith('deploy/test/'));

describe('deploy/ manifests, file by file', () => {
  it.each(manifestFiles)('%s: every object validates against the Kubernetes API schema', async (file) => {
    const docs = parseYamlDocs(file) as K8sObject[];
    expect(docs.length).toBeGreaterThan(0);
    const problems = (await Promise.all(docs.map((d) => validateObject(d)))).flat();
    expect(problems).toEqual([]);
  });

  it('every manifest is part of the kustomization (nothing is left out of `kubectl apply -k`)', () => {
    const inputs = new Set(kustomizationInputs(deployDir).map((p) => p.slice(repoRoot.length + 1)));
    for (const f of manifestFiles) expect(inputs.has(f), `${f} is not listed in any kustomization.yaml`).toBe(true);
    for (const f of inputs) {
      if (f.startsWith('deploy/secrets/')) continue; // made on the operator's machine
      expect(existsSync(join(repoRoot, f)), `${f} is listed but missing`).toBe(true);
    }
  });
});

describe('the rendered kustomization (kubectl apply -k deploy/)', () => {
  let objects: K8sObject[] = [];
  let renderer = '';
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const findPrefix = (kind: string, prefix: string) => objects.find((o) => o.kind === kind && o.metadata.name.startsWith(prefix));

  beforeAll(() => {
    ({ objects, renderer } = renderDeploy());
  });

  it('renders', () => {
    expect(renderer).toBeTruthy();
    expect(objects.length).toBeGreaterThan(15);
  });

  it('renders the same set of objects without kubectl', () => {
    const copy = deployCopyWithSecrets();
    try {
      const plain = renderWithoutKubectl(copy.dir).map((o) => `${o.kind}/${o.metadata.name}`);
      const strip = (n: string) => n.replace(/-[a-z0-9]{10}$/, '');
      expect(plain.map(strip).sort()).toEqual(objects.map((o) => `${o.kind}/${strip(o.metadata.name)}`).sort());
    } finally {
      copy.cleanup();
    }
  });

  it('every object validates against the Kubernetes API schema', async () => {
    const problems = (await Promise.all(objects.map((o) => validateObject(o)))).flat();
    expect(problems).toEqual([]);
  });

  it('puts the app services in the todo namespace', () => {
    expect(find('Namespace', 'todo')).toBeTruthy();
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('todo');
  });

  it('has MySQL, MinIO with its bucket job, TF Serving and the web app', () => {
    for (const [kind, name] of [
      ['StatefulSet', 'mysql'], ['Service', 'mysql'],
      ['Deployment', 'minio'], ['Service', 'minio'], ['PersistentVolumeClaim', 'minio-data'], ['Job', 'minio-setup'],
      ['Deployment', 'tf-serving'], ['Service', 'tf-serving'], ['PersistentVolumeClaim', 'tf-models'],
      ['Deployment', 'web'], ['Service', 'web'], ['Ingress', 'web'],
    ]) {
      expect(find(kind!, name!), `${kind} ${name}`).toBeTruthy();
    }
    const mysql = find('StatefulSet', 'mysql')!;
    expect((mysql.spec as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates?.length).toBe(1);
  });

  it('gives every container resource requests and limits, and every long-running one probes', () => {
    const workloads = objects.filter((o) => podSpecOf(o));
    expect(workloads.length).toBeGreaterThanOrEqual(5);
    for (const o of workloads) {
      const { init, main } = containersOf(o);
      for (const c of [...init, ...main]) {
        const where = `${o.kind} ${o.metadata.name} container ${c.name}`;
        expect(c.resources?.requests?.cpu, where).toBeDefined();
        expect(c.resources?.requests?.memory, where).toBeDefined();
        expect(c.resources?.limits?.cpu, where).toBeDefined();
        expect(c.resources?.limits?.memory, where).toBeDefined();
      }
      if (o.kind === 'Job' || o.kind === 'CronJob') continue; // runs to completion
      for (const c of main) {
        const where = `${o.kind} ${o.metadata.name} container ${c.name}`;
        expect(c.livenessProbe, `${where} livenessProbe`).toBeDefined();
        expect(c.readinessProbe, `${where} readinessProbe`).toBeDefined();
      }
    }
  });

  it('pins every image to a version', () => {
    for (const o of objects.filter((x) => podSpecOf(x))) {
      const { init, main } = containersOf(o);
      for (const c of [...init, ...main]) {
        if (o.metadata.name === 'web') continue; // set per release with `kustomize edit set image`
        expect(c.image, `${o.metadata.name}/${c.name}`).toMatch(/:[A-Za-z0-9][\w.-]*$/);
        expect(c.image).not.toMatch(/:latest$/);
      }
    }
  });

  it('loads schema.sql into MySQL on first start, from a copy identical to the root one', () => {
    expect(readFileSync(join(deployDir, 'mysql', 'schema.sql'), 'utf8'), 'run: cp schema.sql deploy/mysql/schema.sql').toBe(
      readFileSync(join(repoRoot, 'schema.sql'), 'utf8'),
    );
    const cm = findPrefix('ConfigMap', 'mysql-schema')!;
    expect((cm.data as Record<string, string>)['schema.sql']).toBe(readFileSync(join(repoRoot, 'schema.sql'), 'utf8'));
    const sts = find('StatefulSet', 'mysql')!;
    const c = containersOf(sts).main[0]!;
    const mount = c.volumeMounts?.find((m) => m.mountPath === '/docker-entrypoint-initdb.d');
    expect(mount).toBeTruthy();
    const volumes = (podSpecOf(sts)!.volumes as { name: string; configMap?: { name: string } }[]);
    expect(volumes.find((v) => v.name === mount!.name)?.configMap?.name).toBe(cm.metadata.name);
  });

  it('takes every credential from a Secret, never from a literal', () => {
    for (const o of objects.filter((x) => podSpecOf(x))) {
      const { init, main } = containersOf(o);
      for (const c of [...init, ...main]) {
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|ACCESS_KEY|ROOT_USER/.test(e.name)) {
            expect(e.value, `${o.metadata.name}/${c.name} ${e.name}`).toBeUndefined();
            expect(e.valueFrom, `${o.metadata.name}/${c.name} ${e.name}`).toHaveProperty('secretKeyRef');
          }
        }
      }
    }
    // The Secrets the pods refer to are the generated ones (with throwaway values in this test).
    expect(findPrefix('Secret', 'mysql-')).toBeTruthy();
    expect(findPrefix('Secret', 'minio-')).toBeTruthy();
  });

  it('lets only OpenFaaS functions reach MySQL, MinIO and TF Serving', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & {
      spec: {
        podSelector: { matchLabels?: Record<string, string> };
        policyTypes?: string[];
        ingress?: { from?: { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: { matchLabels?: Record<string, string> } }[]; ports?: { port: number }[] }[];
      };
    })[];
    const denyAll = policies.find((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0);
    expect(denyAll, 'a default-deny ingress policy').toBeTruthy();
    expect(denyAll!.spec.policyTypes).toEqual(['Ingress']);
    expect(denyAll!.spec.ingress ?? []).toEqual([]);

    const servicePorts = (name: string) => ((find('Service', name)!.spec as { ports: { port: number; name: string }[] }).ports);
    for (const [app, ports] of [['mysql', [3306]], ['minio', [9000]], ['tf-serving', [8501, 8080]]] as const) {
      const selecting = policies.filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === app);
      expect(selecting.length, app).toBe(1);
      const rules = selecting[0]!.spec.ingress ?? [];
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.from?.length, `${app}: a rule without "from" would admit everyone`).toBeGreaterThan(0);
        for (const peer of rule.from ?? []) {
          if (peer.namespaceSelector) {
            expect(peer.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'openfaas-fn' });
            expect(peer.podSelector).toBeUndefined();
          } else {
            // Only MinIO's own setup Job, in this namespace.
            expect(app).toBe('minio');
            expect(peer.podSelector?.matchLabels).toEqual({ 'app.kubernetes.io/name': 'minio-setup' });
          }
        }
        expect(rule.ports?.map((p) => p.port).sort()).toEqual([...ports].sort());
      }
      for (const port of ports) expect(servicePorts(app).map((p) => p.port)).toContain(port);
    }
    // The bucket Job really carries the label its policy admits.
    const job = find('Job', 'minio-setup')!;
    expect((job.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['app.kubernetes.io/name']).toBe('minio-setup');
  });

  it('selects pods that exist with every Service', () => {
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const selector = (svc.spec as { selector: Record<string, string> }).selector;
      const pods = objects.filter((o) => {
        const labels = (o.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels;
        return podSpecOf(o) && o.kind !== 'Job' && labels && Object.entries(selector).every(([k, v]) => labels[k] === v);
      });
      expect(pods.length, `Service ${svc.metadata.name}`).toBe(1);
      const containers = containersOf(pods[0]!).main;
      for (const p of (svc.spec as { ports: { targetPort: string | number }[] }).ports) {
        const named = containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort);
        expect(named, `Service ${svc.metadata.name} targetPort ${p.targetPort}`).toBeTruthy();
      }
    }
  });

  it('serves the model labels the init container fetched, from the model volume, not from a ConfigMap', () => {
    // The labels are downloaded by fetch-model.sh (deploy/test/model.test.ts), never kept in the repository.
    expect(existsSync(join(deployDir, 'model', 'imagenet-labels.txt'))).toBe(false);
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
      expect(cm.metadata.name, 'no labels ConfigMap').not.toMatch(/label/);
      expect(Object.keys((cm.data as Record<string, string> | undefined) ?? {}).filter((k) => k.endsWith('.txt')), cm.metadata.name).toEqual([]);
    }
    const tf = find('Deployment', 'tf-serving')!;
    const { init, main } = containersOf(tf);
    const volumes = podSpecOf(tf)!.volumes as { name: string; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }[];
    const fetch = init.find((c) => c.name === 'fetch-model')!;
    const env = Object.fromEntries((fetch.env ?? []).map((e) => [e.name, e.value]));
    const modelsMount = fetch.volumeMounts!.find((m) => m.mountPath === env.MODEL_BASE)!;
    expect(volumes.find((v) => v.name === modelsMount.name)?.persistentVolumeClaim?.claimName).toBe('tf-models');
    // TF Serving reads the same volume.
    const server = main.find((c) => c.name === 'tf-serving')!;
    expect(server.volumeMounts?.find((m) => m.mountPath === '/models')?.name).toBe(modelsMount.name);

    const sidecar = main.find((c) => c.ports?.some((p) => p.containerPort === 8080))!;
    expect(sidecar.volumeMounts).toHaveLength(1);
    const mount = sidecar.volumeMounts![0]!;
    expect(mount.mountPath).toBe('/usr/share/nginx/html');
    // The folder fetch-model.sh installs labels.txt in ($MODEL_BASE/$MODEL_NAME/labels), read-only.
    expect(mount.name).toBe(modelsMount.name);
    expect(mount.subPath).toBe(`${env.MODEL_NAME}/labels`);
    expect(mount.readOnly).toBe(true);
    expect(volumes.filter((v) => v.configMap).map((v) => v.configMap!.name)).toEqual([findPrefix('ConfigMap', 'model-fetch')!.metadata.name]);
    for (const probe of [sidecar.readinessProbe, sidecar.livenessProbe] as { httpGet?: { path: string } }[]) {
      expect(probe.httpGet?.path).toBe('/labels.txt');
    }
  });

  it('fetches the model with deploy/model/fetch-model.sh in an init container', () => {
    const tf = find('Deployment', 'tf-serving')!;
    const init = containersOf(tf).init;
    expect(init).toHaveLength(1);
    expect(init[0]!.volumeMounts?.map((m) => m.mountPath)).toEqual(expect.arrayContaining(['/models', '/scripts']));
    const cm = findPrefix('ConfigMap', 'model-fetch')!;
    expect((cm.data as Record<string, string>)['fetch-model.sh']).toBe(readFileSync(join(deployDir, 'model', 'fetch-model.sh'), 'utf8'));
  });
});

describe('deploy/secrets/generate.sh', () => {
  it('creates every credential file once, private, and keeps existing ones', () => {
    const copy = deployCopyWithSecrets();
    try {
      const dir = join(copy.dir, 'secrets');
      const names = ['mysql-root-password', 'mysql-password', 'jwt-secret', 'minio-root-user', 'minio-root-password', 's3-access-key', 's3-secret-key'];
      const first = Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
      execFileSync('sh', [join(dir, 'generate.sh')], { stdio: 'ignore' });
      for (const n of names) {
        expect(readFileSync(join(dir, n), 'utf8'), n).toBe(first[n]);
        const mode = execFileSync('stat', ['-c', '%a', join(dir, n)], { encoding: 'utf8' }).trim();
        expect(mode, n).toBe('600');
      }
      // MinIO's limits: access keys 3-20 characters, secret keys 8-40.
      expect(first['s3-access-key']!.length).toBeGreaterThanOrEqual(3);
      expect(first['s3-access-key']!.length).toBeLessThanOrEqual(20);
      for (const n of ['s3-secret-key', 'minio-root-password']) {
        expect(first[n]!.length).toBeGreaterThanOrEqual(8);
        expect(first[n]!.length).toBeLessThanOrEqual(40);
      }
      // HS256 wants a key of at least 256 bits.
      expect(first['jwt-secret']!.length).toBeGreaterThanOrEqual(43);
      for (const n of names) expect(first[n], n).toMatch(/^[A-Za-z0-9_-]+$/);
    } finally {
      copy.cleanup();
    }
  });

  it('is ignored by git, together with what it makes', () => {
    const ignore = readFileSync(join(deployDir, 'secrets', '.gitignore'), 'utf8');
    expect(ignore).toMatch(/^\*$/m);
    const tracked = repoFiles().filter((f) => f.startsWith('deploy/secrets/'));
    expect(tracked.sort()).toEqual(['deploy/secrets/.gitignore', 'deploy/secrets/generate.sh']);
  });
});

describe('shell scripts under deploy/', () => {
  const scripts = repoFiles().filter((f) => f.startsWith('deploy/') && f.endsWith('.sh'));
  it.each(scripts)('%s is valid POSIX sh', (f) => {
    expect(() => execFileSync('sh', ['-n', join(repoRoot, f)], { stdio: 'pipe' })).not.toThrow();
    expect(readFileSync(join(repoRoot, f), 'utf8').startsWith('#!/bin/sh\n')).toBe(true);
  });
});
