/**
 * `pnpm model:fetch`: downloads a model bundle the local model server can serve into `MODEL_DIR`
 * (default `.data/models`): one ImageNet-1k ONNX classifier and its 1000 labels.
 *
 * Source: the ONNX Model Zoo (github.com/onnx/models, Apache-2.0), "validated" ResNet50-v1 int8
 * (opset 12, top-1 74.8 %, 25 MB), pinned to a commit. The checksum is the sha256 the repository
 * publishes in its Git LFS pointer for that file. There is no validated ONNX export of
 * EfficientNetV2-S (production's model), so this is the closest reliable stand-in: the same 1000
 * classes in the same order, logits out. Its input is float [N, 3, 224, 224] RGB with ImageNet
 * mean/std, which is what the server assumes without a model.json, so none is written.
 * The labels come from the zoo's synset.txt ("n01440764 tench, Tinca tinca"): the first name of
 * each line, so line i is the name of class i.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const ZOO_COMMIT = '4c46cd00fbdb7cd30b6c1c17ab54f2e1f4f7b177';
const MODEL_URL = `https://github.com/onnx/models/raw/${ZOO_COMMIT}/validated/vision/classification/resnet/model/resnet50-v1-12-int8.onnx`;
const MODEL_SHA256 = 'c234f30975989788b4405f25253275aae247ab6dbdd34aaa69ab0a59ff76f6d0';
const MODEL_FILE = 'resnet50-v1-12-int8.onnx';
const LABELS_URL = `https://raw.githubusercontent.com/onnx/models/${ZOO_COMMIT}/validated/vision/classification/synset.txt`;
const LABELS_FILE = 'imagenet-labels.txt';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Writes through a temporary name so an interrupted run never leaves a half file behind. */
async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.part`, data);
  await rename(`${path}.part`, path);
}

async function fetchModel(dir: string): Promise<void> {
  const path = join(dir, MODEL_FILE);
  const existing = await readFile(path).catch(() => undefined);
  if (existing && sha256(existing) === MODEL_SHA256) {
    console.log(`${path} is already there`);
    return;
  }
  console.log(`downloading ${MODEL_URL}`);
  const model = await download(MODEL_URL);
  const actual = sha256(model);
  if (actual !== MODEL_SHA256) throw new Error(`${MODEL_FILE}: sha256 ${actual}, expected ${MODEL_SHA256}`);
  await writeAtomically(path, model);
}

async function fetchLabels(dir: string): Promise<void> {
  const synset = (await download(LABELS_URL)).toString('utf8');
  const labels = synset
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.slice(line.indexOf(' ') + 1).split(',')[0]!.trim());
  if (labels.length !== 1000 || labels[0] !== 'tench' || labels[340] !== 'zebra') {
    throw new Error(`${LABELS_URL} does not look like the ImageNet-1k class list (${labels.length} lines)`);
  }
  await writeAtomically(join(dir, LABELS_FILE), `${labels.join('\n')}\n`);
}

const dir = resolve(process.env.MODEL_DIR ?? '.data/models');
await mkdir(dir, { recursive: true });
await fetchModel(dir);
await fetchLabels(dir);
const others = (await readdir(dir)).filter((f) => f.endsWith('.onnx') && f !== MODEL_FILE);
if (others.length > 0) {
  console.warn(`note: ${dir} also holds ${others.join(', ')}; the server needs one .onnx or a model.json naming it`);
}
console.log(`model bundle ready in ${dir}; run with MODEL_DIR=${dir}`);
