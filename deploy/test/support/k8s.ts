import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { deployDir } from './repo.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

type ModelCtor = { new (data: unknown): { validate(): void }; prototype: { validate(): void } };

/** The kubernetes-models module of an apiVersion: "v1" → kubernetes-models/v1, "apps/v1" → …/apps/v1. */
async function modelFor(apiVersion: string, kind: string): Promise<ModelCtor | undefined> {
  const specifier = `kubernetes-models/${apiVersion}`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return mod[kind] as ModelCtor | undefined;
}

/** Wraps `value` so every property the validator reads is recorded as a JSON path. */
function tracked(value: unknown, path: string, seen: Set<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== 'string') return v;
      const p = `${path}/${key}`;
      seen.add(p);
      return tracked(v, p, seen);
    },
  });
}

function unread(value: unknown, path: string, seen: Set<string>, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    const p = `${path}/${key}`;
    if (!seen.has(p)) out.push(p);
    else unread((value as Record<string, unknown>)[key], p, seen, out);
  }
}

/**
 * Validates one object against the Kubernetes API schema (kubernetes-models: `new Model(obj).validate()`),
 * and also reports fields the schema does not know: the generated validators accept unknown
 * fields, but `kubectl apply` rejects them (strict field validation), and a misspelt optional
 * field (say `livenessprobe`) would otherwise pass silently. An unknown field is one the validator
 * never looked at.
 */
export async function validateObject(obj: K8sObject): Promise<string[]> {
  const where = `${obj.kind ?? '?'} ${obj.metadata?.name ?? '?'}`;
  if (!obj.apiVersion || !obj.kind) return [`${where}: apiVersion and kind are required`];
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) return [`${where}: no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`];
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
  }
  const seen = new Set<string>();
  try {
    Model.prototype.validate.call(tracked(structuredClone(obj), '', seen) as { validate(): void });
  } catch {
    // reported above
  }
  const unknown: string[] = [];
  unread(obj, '', seen, unknown);
  for (const p of unknown) problems.push(`${where}: unknown field ${p}`);
  return problems;
}

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of deploy/ with throwaway credential files, as an operator has it after running
 * deploy/secrets/generate.sh. Returns the copy's deploy folder; remove it with `cleanup`.
 */
export function deployCopyWithSecrets(): { dir: string; cleanup: () => void } {
  const work = mkdtempSync(join(tmpdir(), 'deploy-copy-'));
  const dir = join(work, 'deploy');
  cpSync(deployDir, dir, {
    recursive: true,
    // The operator's real credentials, if any, stay where they are.
    filter: (src) => {
      const rel = relative(deployDir, src);
      return !(rel.startsWith('secrets/') && !['secrets/generate.sh', 'secrets/.gitignore'].includes(rel));
    },
  });
  execFileSync('sh', [join(dir, 'secrets', 'generate.sh')], { stdio: 'ignore' });
  return { dir, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  configMapGenerator?: { name: string; files?: string[]; literals?: string[] }[];
  secretGenerator?: { name: string; files?: string[]; literals?: string[] }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  labels?: { pairs: Record<string, string> }[];
  [key: string]: unknown;
}

const KUSTOMIZATION_KEYS = new Set([
  'apiVersion', 'kind', 'namespace', 'resources', 'configMapGenerator', 'secretGenerator',
  'images', 'labels', 'generatorOptions', 'patches', 'components',
]);

function readKustomization(dir: string): Kustomization {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key)) throw new Error(`${dir}/kustomization.yaml: unexpected key ${key}`);
  }
  return k;
}

/** Every file a kustomization tree reads (resources, generator sources), as absolute paths. */
export function kustomizationInputs(dir: string): string[] {
  const k = readKustomization(dir);
  const out = [join(dir, 'kustomization.yaml')];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    if (existsSync(p) && statSync(p).isDirectory()) out.push(...kustomizationInputs(p));
    else out.push(p);
  }
  for (const g of [...(k.configMapGenerator ?? []), ...(k.secretGenerator ?? [])]) {
    for (const f of g.files ?? []) out.push(join(dir, f.includes('=') ? f.slice(f.indexOf('=') + 1) : f));
  }
  return out;
}

/**
 * A small stand-in for `kustomize build` for where kubectl is missing: resources (files and
 * folders), ConfigMap/Secret generators (without the name hash), namespace, common labels and images.
 */
export function renderWithoutKubectl(dir: string): K8sObject[] {
  const k = readKustomization(dir);
  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    if (statSync(p).isDirectory()) objects.push(...renderWithoutKubectl(p));
    else objects.push(...(parseAllDocuments(readFileSync(p, 'utf8')).map((d) => d.toJS()).filter(Boolean) as K8sObject[]));
  }
  const generated = (kind: 'ConfigMap' | 'Secret', g: { name: string; files?: string[]; literals?: string[] }): K8sObject => {
    const data: Record<string, string> = {};
    for (const f of g.files ?? []) {
      const [key, file] = f.includes('=') ? [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] : [basename(f), f];
      const content = readFileSync(join(dir, file));
      data[key] = kind === 'Secret' ? content.toString('base64') : content.toString('utf8');
    }
    for (const l of g.literals ?? []) {
      const [key, value = ''] = l.split(/=(.*)/s);
      data[key!] = kind === 'Secret' ? Buffer.from(value).toString('base64') : value;
    }
    return { apiVersion: 'v1', kind, metadata: { name: g.name }, data, ...(kind === 'Secret' ? { type: 'Opaque' } : {}) };
  };
  objects.push(...(k.configMapGenerator ?? []).map((g) => generated('ConfigMap', g)));
  objects.push(...(k.secretGenerator ?? []).map((g) => generated('Secret', g)));
  if (k.namespace) {
    objects = objects.map((o) =>
      o.kind === 'Namespace' ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace } },
    );
  }
  for (const l of k.labels ?? []) {
    for (const o of objects) o.metadata.labels = { ...(o.metadata.labels ?? {}), ...l.pairs };
  }
  for (const img of k.images ?? []) {
    const replace = (spec: unknown): void => {
      if (Array.isArray(spec)) spec.forEach(replace);
      else if (spec && typeof spec === 'object') {
        for (const [key, v] of Object.entries(spec)) {
          if (key === 'image' && typeof v === 'string' && (v === img.name || v.startsWith(`${img.name}:`))) {
            (spec as Record<string, unknown>)[key] = `${img.newName ?? img.name}:${img.newTag ?? v.split(':')[1] ?? 'latest'}`;
          } else replace(v);
        }
      }
    };
    objects.forEach(replace);
  }
  return objects;
}

/** `kubectl kustomize <dir>` (kustomize as kubectl ships it), parsed. */
function renderWithKubectl(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return parseAllDocuments(out).map((d) => d.toJS()).filter(Boolean) as K8sObject[];
}

/** The rendered kustomization of deploy/ (with throwaway credentials), and how it was rendered. */
export function renderDeploy(): { objects: K8sObject[]; renderer: string } {
  const copy = deployCopyWithSecrets();
  try {
    if (hasKubectl()) return { objects: renderWithKubectl(copy.dir), renderer: 'kubectl kustomize' };
    return { objects: renderWithoutKubectl(copy.dir), renderer: 'built-in' };
  } finally {
    copy.cleanup();
  }
}

/** The pod template (or pod spec holder) of a workload, or undefined for other kinds. */
export function podSpecOf(o: K8sObject): Record<string, unknown> | undefined {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (o.kind === 'Pod') return spec;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(o.kind)) {
    return (spec.template as { spec?: Record<string, unknown> } | undefined)?.spec;
  }
  if (o.kind === 'CronJob') {
    return ((spec.jobTemplate as { spec?: { template?: { spec?: Record<string, unknown> } } }).spec?.template?.spec);
  }
  return undefined;
}

