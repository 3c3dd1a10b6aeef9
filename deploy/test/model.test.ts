import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployDir, loadStack, parseYamlDocs } from './support/repo.ts';

const script = join(deployDir, 'model', 'fetch-model.sh');
const source = readFileSync(script, 'utf8');

interface PodContainer {
  name: string;
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
}
const [tfServing] = parseYamlDocs('deploy/model/deployment.yaml') as {
  spec: { template: { spec: { initContainers: PodContainer[]; containers: PodContainer[] } } };
}[];
const pod = tfServing!.spec.template.spec;
const fetchEnv = Object.fromEntries((pod.initContainers.find((c) => c.name === 'fetch-model')!.env ?? []).map((e) => [e.name, e.value!]));
const labelsSidecar = pod.containers.find((c) => c.ports?.some((p) => p.containerPort === 8080))!;

/** The class names as TensorFlow publishes them (ImageNetLabels.txt): background, then 1000 names. */
const NAMES = Array.from({ length: 1000 }, (_, i) => (i === 0 ? 'tench' : `class ${i}`));
const PUBLISHED = `${['background', ...NAMES].join('\n')}\n`;

/**
 * fetch-model.sh without TensorFlow or a network: local files (file:// addresses, which curl
 * downloads like any other) stand in for the downloads and a stub stands in for python3 (it records
 * the program it was given and writes the export).
 */
describe('deploy/model/fetch-model.sh', () => {
  let work = '';
  const run = (env: Record<string, string>) =>
    spawnSync('sh', [script], {
      env: {
        PATH: process.env.PATH ?? '',
        MODEL_BASE: join(work, 'models'),
        PYTHON: join(work, 'python3'),
        STUB_DIR: work,
        LABELS_SOURCE_URL: `file://${join(work, 'ImageNetLabels.txt')}`,
        ...env,
      },
      encoding: 'utf8',
    });
  const archive = (layout: 'top' | 'nested' | 'empty') => {
    const src = join(work, `src-${layout}`);
    const root = layout === 'nested' ? join(src, 'efficientnet') : src;
    mkdirSync(join(root, 'variables'), { recursive: true });
    if (layout !== 'empty') writeFileSync(join(root, 'saved_model.pb'), 'pb');
    writeFileSync(join(root, 'variables', 'variables.index'), 'idx');
    const out = join(work, `${layout}.tar.gz`);
    execFileSync('tar', ['-czf', out, '-C', src, '.']);
    return out;
  };

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'fetch-model-'));
    writeFileSync(
      join(work, 'python3'),
      `#!/bin/sh
# $1 is "-" (program on stdin), then: source dir, export dir, image size.
cat > "$STUB_DIR/program.py"
echo "$2 $3 $4" >> "$STUB_DIR/calls"
[ -f "$2/saved_model.pb" ] || exit 3
[ -n "\${STUB_FAIL:-}" ] && exit 1
mkdir -p "$3/variables" && echo exported > "$3/saved_model.pb"
`,
    );
    chmodSync(join(work, 'python3'), 0o755);
    writeFileSync(join(work, 'ImageNetLabels.txt'), PUBLISHED);
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const installed = join('models', 'efficientnetv2-s', '1', 'saved_model.pb');
  const installedLabels = join('models', 'efficientnetv2-s', 'labels', 'labels.txt');
  const leftovers = () => readdirSync(join(work, 'models', 'efficientnetv2-s')).filter((n) => n.startsWith('.'));
  const pythonCalls = () => (existsSync(join(work, 'calls')) ? readFileSync(join(work, 'calls'), 'utf8').trim().split('\n') : []);

  it('exports the downloaded SavedModel with a 384x384 serving signature and installs it', () => {
    const r = run({ MODEL_ARCHIVE: archive('top') });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(work, installed), 'utf8')).toBe('exported\n');
    expect(readFileSync(join(work, 'calls'), 'utf8').trim().split(' ')[2]).toBe('384');
    const program = readFileSync(join(work, 'program.py'), 'utf8');
    expect(program).toContain('tf.saved_model.save(serving, export, signatures={"serving_default": serving.serve})');
    expect(program).toContain('tf.TensorSpec([None, size, size, 3], tf.float32, name="images")');
    expect(readFileSync(join(work, installedLabels), 'utf8')).toBe(PUBLISHED);
    expect(leftovers()).toEqual([]);
  });

  it('downloads the labels next to the model, where the tf-serving pod\'s labels sidecar serves them', () => {
    // The Deployment's settings: the init container's MODEL_BASE and MODEL_NAME, the sidecar's mount.
    const base = join(work, 'volume');
    const r = run({ MODEL_ARCHIVE: archive('top'), MODEL_BASE: base, MODEL_NAME: fetchEnv.MODEL_NAME!, MODEL_VERSION: fetchEnv.MODEL_VERSION! });
    expect(r.status, r.stderr).toBe(0);
    const models = pod.initContainers.find((c) => c.name === 'fetch-model')!.volumeMounts!.find((m) => m.mountPath === fetchEnv.MODEL_BASE)!;
    const mount = labelsSidecar.volumeMounts!.find((m) => m.mountPath === '/usr/share/nginx/html')!;
    expect(mount.name).toBe(models.name);
    expect(mount.readOnly).toBe(true);
    // What the sidecar's nginx serves at /labels.txt is the downloaded file, readable by its user.
    const served = join(base, mount.subPath!, 'labels.txt');
    expect(readFileSync(served, 'utf8')).toBe(PUBLISHED);
    expect(statSync(served).mode & 0o777).toBe(0o644);
    expect(statSync(join(base, mount.subPath!)).mode & 0o777).toBe(0o755);
    const url = new URL(String(loadStack().functions['predict-image']!.environment!.MODEL_LABELS));
    expect(url.pathname).toBe('/labels.txt');
    expect(labelsSidecar.readinessProbe?.httpGet?.path).toBe(url.pathname);
    expect(labelsSidecar.livenessProbe?.httpGet?.path).toBe(url.pathname);
    // Only the labels folder is served, not the model beside it.
    expect(readdirSync(join(base, mount.subPath!))).toEqual(['labels.txt']);
  });

  it('installs the labels with a rename: nothing is at the served path while they download', () => {
    // A curl stand-in that records where it writes and whether the served file exists meanwhile.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'curl'),
      `#!/bin/sh
out=""; url=""
while [ $# -gt 0 ]; do
  case $1 in --output) out=$2; shift 2 ;; --retry|--retry-delay|--connect-timeout) shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac
done
echo "$out" >> "$STUB_DIR/curl-outputs"
if [ -e "$SERVED" ]; then echo present >> "$STUB_DIR/curl-served"; else echo absent >> "$STUB_DIR/curl-served"; fi
head -c 100 "\${url#file://}" > "$out"
if [ -e "$SERVED" ]; then echo present >> "$STUB_DIR/curl-served"; else echo absent >> "$STUB_DIR/curl-served"; fi
cat "\${url#file://}" > "$out"
`,
    );
    chmodSync(join(bin, 'curl'), 0o755);
    const served = join(work, installedLabels);
    const r = run({ MODEL_ARCHIVE: archive('top'), PATH: `${bin}:${process.env.PATH ?? ''}`, SERVED: served });
    expect(r.status, r.stderr).toBe(0);
    const outputs = readFileSync(join(work, 'curl-outputs'), 'utf8').trim().split('\n');
    expect(outputs).toHaveLength(1);
    // Written in the work folder beside the model (same filesystem, so the install is a rename) ...
    expect(outputs[0]!.startsWith(join(work, 'models', 'efficientnetv2-s', '.fetch.'))).toBe(true);
    // ... while nothing was at the served path yet.
    expect(readFileSync(join(work, 'curl-served'), 'utf8').trim().split('\n')).toEqual(['absent', 'absent']);
    expect(readFileSync(served, 'utf8')).toBe(PUBLISHED);
    expect(leftovers()).toEqual([]);
  });

  /** awk implementations the line check must work with: the image's (Ubuntu's mawk) and this machine's. */
  const awks = (): { name: string; path: string }[] => {
    const mawk = ['/usr/bin/mawk', '/bin/mawk'].find((p) => existsSync(p));
    if (!mawk) throw new Error('mawk is missing (the awk of the tensorflow/tensorflow image): apt-get install mawk');
    const bin = join(work, 'mawk-bin');
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, 'awk'))) symlinkSync(mawk, join(bin, 'awk'));
    return [
      { name: 'awk', path: process.env.PATH ?? '' },
      { name: 'mawk', path: `${bin}:${process.env.PATH ?? ''}` },
    ];
  };

  it.each([
    ['1001 lines with a leading background class (TensorFlow\'s file)', `${['background', ...NAMES].join('\n')}\n`],
    ['1000 names', `${NAMES.join('\n')}\n`],
    ['CRLF line ends', `${['background', ...NAMES].join('\r\n')}\r\n`],
    ['no final newline', ['background', ...NAMES].join('\n')],
    ['blank lines at the end', `${NAMES.join('\n')}\n\n\n`],
  ])('accepts labels with %s', (_what, text) => {
    writeFileSync(join(work, 'ImageNetLabels.txt'), text);
    for (const awk of awks()) {
      rmSync(join(work, 'models'), { recursive: true, force: true });
      const r = run({ MODEL_ARCHIVE: archive('top'), PATH: awk.path });
      expect(r.status, `${awk.name}: ${r.stderr}`).toBe(0);
      expect(readFileSync(join(work, installedLabels), 'utf8'), awk.name).toBe(text);
      expect(r.stdout, awk.name).toMatch(new RegExp(`installed .*labels\\.txt \\(${text.startsWith('background') ? 1001 : 1000} lines\\)`));
    }
  });

  it.each([
    ['999 names', `${NAMES.slice(0, 999).join('\n')}\n`],
    ['1002 lines', `${['background', ...NAMES, 'extra'].join('\n')}\n`],
    ['1001 names without a background class', `${[...NAMES, 'extra'].join('\n')}\n`],
    ['a background class and 999 names', `${['background', ...NAMES.slice(0, 999)].join('\n')}\n`],
    ['a blank line between the names', `${[...NAMES.slice(0, 500), '', ...NAMES.slice(500)].join('\n')}\n`],
    ['a blank first line', `\n${NAMES.join('\n')}\n`],
    ['an HTML error page', '<!doctype html>\n<html><body>Not Found</body></html>\n'],
    ['an empty file', ''],
  ])('refuses labels with %s, installing nothing', (_what, text) => {
    writeFileSync(join(work, 'ImageNetLabels.txt'), text);
    for (const awk of awks()) {
      rmSync(join(work, 'models'), { recursive: true, force: true });
      rmSync(join(work, 'calls'), { force: true });
      const r = run({ MODEL_ARCHIVE: archive('top'), PATH: awk.path });
      expect(r.status, awk.name).not.toBe(0);
      expect(r.stderr, awk.name).toContain('not 1000 or 1001 class names');
      expect(existsSync(join(work, installedLabels)), awk.name).toBe(false);
      // Checked before the model's long download and export.
      expect(pythonCalls(), awk.name).toEqual([]);
      expect(leftovers(), awk.name).toEqual([]);
    }
  });

  it('fails, installing nothing, when the labels cannot be downloaded', () => {
    const r = run({ MODEL_ARCHIVE: archive('top'), LABELS_SOURCE_URL: `file://${join(work, 'missing.txt')}` });
    expect(r.status).not.toBe(0);
    expect(existsSync(join(work, installedLabels))).toBe(false);
    expect(existsSync(join(work, 'models', 'efficientnetv2-s', '1'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('takes the labels from LABELS_FILE instead of downloading', () => {
    writeFileSync(join(work, 'local-labels.txt'), `${NAMES.join('\n')}\n`);
    const r = run({ MODEL_ARCHIVE: archive('top'), LABELS_FILE: join(work, 'local-labels.txt'), LABELS_SOURCE_URL: `file://${join(work, 'missing.txt')}` });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(work, installedLabels), 'utf8')).toBe(`${NAMES.join('\n')}\n`);
  });

  it('fetches only the labels on a volume that has the model but not them', () => {
    expect(run({ MODEL_ARCHIVE: archive('top') }).status).toBe(0);
    rmSync(join(work, 'models', 'efficientnetv2-s', 'labels'), { recursive: true });
    const again = run({ MODEL_ARCHIVE: join(work, 'missing.tar.gz') });
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(work, installedLabels), 'utf8')).toBe(PUBLISHED);
    expect(pythonCalls()).toHaveLength(1);
    expect(leftovers()).toEqual([]);
  });

  it('does nothing when the version is already installed', () => {
    expect(run({ MODEL_ARCHIVE: archive('top') }).status).toBe(0);
    const again = run({ MODEL_ARCHIVE: join(work, 'missing.tar.gz'), LABELS_SOURCE_URL: `file://${join(work, 'missing.txt')}` });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('already installed');
    expect(readFileSync(join(work, 'calls'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(work, installedLabels), 'utf8')).toBe(PUBLISHED);
  });

  it('finds the SavedModel one folder down', () => {
    const r = run({ MODEL_ARCHIVE: archive('nested') });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(work, installed))).toBe(true);
  });

  it('downloads from MODEL_SOURCE_URL', () => {
    const r = run({ MODEL_SOURCE_URL: `file://${archive('top')}` });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(work, installed))).toBe(true);
  });

  it('fails, installing nothing, on an archive without a SavedModel or a failed export', () => {
    const empty = run({ MODEL_ARCHIVE: archive('empty') });
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain('no saved_model.pb');
    const failed = run({ MODEL_ARCHIVE: archive('top'), STUB_FAIL: '1' });
    expect(failed.status).not.toBe(0);
    expect(existsSync(join(work, 'models', 'efficientnetv2-s', '1'))).toBe(false);
    // The labels, fetched first, stay installed for the next attempt.
    expect(readFileSync(join(work, installedLabels), 'utf8')).toBe(PUBLISHED);
    expect(leftovers()).toEqual([]);
  });

  it('downloads the published EfficientNetV2-S ImageNet-1k classifier and TensorFlow\'s ImageNet labels by default', () => {
    expect(source).toMatch(
      /MODEL_SOURCE_URL:-https:\/\/tfhub\.dev\/google\/imagenet\/efficientnet_v2_imagenet1k_s\/classification\/2\?tf-hub-format=compressed\}/,
    );
    expect(source).toContain('LABELS_SOURCE_URL:-https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt}');
    // The Deployment leaves both at their defaults (an operator sets a mirror there).
    expect(Object.keys(fetchEnv)).not.toContain('LABELS_SOURCE_URL');
  });

  it('embeds Python that compiles', () => {
    const programs = [...source.matchAll(/<<'PY'\n([\s\S]*?)\nPY\n/g)].map((m) => m[1]!);
    expect(programs).toHaveLength(2);
    for (const [i, p] of programs.entries()) {
      const file = join(work, `p${i}.py`);
      writeFileSync(file, p);
      const r = spawnSync('python3', ['-m', 'py_compile', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });
});
