import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployDir } from './support/repo.ts';

const script = join(deployDir, 'model', 'fetch-model.sh');
const source = readFileSync(script, 'utf8');

/**
 * fetch-model.sh without TensorFlow or a network: a local archive stands in for the download and
 * a stub stands in for python3 (it records the program it was given and writes the export).
 */
describe('deploy/model/fetch-model.sh', () => {
  let work = '';
  const run = (env: Record<string, string>) =>
    spawnSync('sh', [script], {
      env: { PATH: process.env.PATH ?? '', MODEL_BASE: join(work, 'models'), PYTHON: join(work, 'python3'), STUB_DIR: work, ...env },
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
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const installed = join('models', 'efficientnetv2-s', '1', 'saved_model.pb');
  const leftovers = () => readdirSync(join(work, 'models', 'efficientnetv2-s')).filter((n) => n.startsWith('.'));

  it('exports the downloaded SavedModel with a 384x384 serving signature and installs it', () => {
    const r = run({ MODEL_ARCHIVE: archive('top') });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(work, installed), 'utf8')).toBe('exported\n');
    expect(readFileSync(join(work, 'calls'), 'utf8').trim().split(' ')[2]).toBe('384');
    const program = readFileSync(join(work, 'program.py'), 'utf8');
    expect(program).toContain('tf.saved_model.save(serving, export, signatures={"serving_default": serving.serve})');
    expect(program).toContain('tf.TensorSpec([None, size, size, 3], tf.float32, name="images")');
    expect(leftovers()).toEqual([]);
  });

  it('does nothing when the version is already installed', () => {
    expect(run({ MODEL_ARCHIVE: archive('top') }).status).toBe(0);
    const again = run({ MODEL_ARCHIVE: join(work, 'missing.tar.gz') });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('already installed');
    expect(readFileSync(join(work, 'calls'), 'utf8').trim().split('\n')).toHaveLength(1);
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
    expect(leftovers()).toEqual([]);
  });

  it('downloads the published EfficientNetV2-S ImageNet-1k classifier by default', () => {
    expect(source).toMatch(
      /MODEL_SOURCE_URL:-https:\/\/tfhub\.dev\/google\/imagenet\/efficientnet_v2_imagenet1k_s\/classification\/2\?tf-hub-format=compressed\}/,
    );
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
