#!/bin/sh
# The model download script: puts EfficientNetV2-S (ImageNet-1k) where TensorFlow Serving loads it,
# $MODEL_BASE/$MODEL_NAME/$MODEL_VERSION/saved_model.pb. Run by the tf-serving pod's init container
# (image tensorflow/tensorflow, which has python3 and TensorFlow); runs anywhere else with those.
#
#   1. download the published TF2 SavedModel (TF Hub's google/imagenet/efficientnet_v2_imagenet1k_s/
#      classification/2, served from Kaggle Models): a .tar.gz of the SavedModel folder;
#   2. re-export it with an explicit `serving_default` signature: input `images` float32
#      [batch, 384, 384, 3] in [0, 1] (what predict-image sends), output `logits` [batch, 1000];
#      checked with one all-zero image before it is installed;
#   3. install it with a rename, so TF Serving never sees a half-written version.
# Nothing happens when the version is already there (the volume is persistent), so restarts are fast.
#
# Settings (environment):
#   MODEL_NAME        efficientnetv2-s          folder name = TF Serving's model name (MODEL_NAME in stack.yml)
#   MODEL_BASE        /models                   the volume TF Serving reads
#   MODEL_VERSION     1                         TF Serving version folder
#   MODEL_SOURCE_URL  the TF Hub address below  any mirror of the same compressed SavedModel
#   MODEL_ARCHIVE     (unset)                   a local .tar.gz to use instead of downloading
#   IMAGE_SIZE        384                       EfficientNetV2-S's input size
#   PYTHON            python3
set -eu

MODEL_NAME="${MODEL_NAME:-efficientnetv2-s}"
MODEL_BASE="${MODEL_BASE:-/models}"
MODEL_VERSION="${MODEL_VERSION:-1}"
MODEL_SOURCE_URL="${MODEL_SOURCE_URL:-https://tfhub.dev/google/imagenet/efficientnet_v2_imagenet1k_s/classification/2?tf-hub-format=compressed}"
IMAGE_SIZE="${IMAGE_SIZE:-384}"
PYTHON="${PYTHON:-python3}"

model_dir="$MODEL_BASE/$MODEL_NAME"
target="$model_dir/$MODEL_VERSION"

if [ -f "$target/saved_model.pb" ]; then
  echo "fetch-model: $target is already installed"
  exit 0
fi

mkdir -p "$model_dir"
# Work next to the target (same filesystem), so the final step is an atomic rename.
work=$(mktemp -d "$model_dir/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

download() {
  url=$1
  out=$2
  if command -v curl >/dev/null 2>&1; then
    curl --fail --location --silent --show-error --retry 5 --retry-delay 3 --connect-timeout 20 \
      --output "$out" "$url"
  elif command -v wget >/dev/null 2>&1; then
    wget --tries=5 --timeout=60 --output-document="$out" "$url"
  else
    "$PYTHON" - "$url" "$out" <<'PY'
import shutil, sys, time, urllib.request
url, out = sys.argv[1], sys.argv[2]
for attempt in range(5):
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(out, "wb") as f:
            shutil.copyfileobj(response, f)
        break
    except Exception as err:
        if attempt == 4:
            raise
        print(f"fetch-model: download failed ({err}), retrying", file=sys.stderr)
        time.sleep(3)
PY
  fi
}

archive="$work/model.tar.gz"
if [ -n "${MODEL_ARCHIVE:-}" ]; then
  echo "fetch-model: using $MODEL_ARCHIVE"
  cp "$MODEL_ARCHIVE" "$archive"
else
  echo "fetch-model: downloading $MODEL_SOURCE_URL"
  download "$MODEL_SOURCE_URL" "$archive"
fi

mkdir "$work/source"
tar -xzf "$archive" -C "$work/source"
rm -f "$archive"
# The SavedModel is at the archive's top level or, in some mirrors, one folder down.
source_dir="$work/source"
if [ ! -f "$source_dir/saved_model.pb" ]; then
  found=$(find "$work/source" -name saved_model.pb -type f | head -n 1)
  if [ -z "$found" ]; then
    echo "fetch-model: no saved_model.pb in the archive from ${MODEL_ARCHIVE:-$MODEL_SOURCE_URL}" >&2
    exit 1
  fi
  source_dir=$(dirname "$found")
fi

echo "fetch-model: exporting with a serving signature"
"$PYTHON" - "$source_dir" "$work/export" "$IMAGE_SIZE" <<'PY'
import sys

import tensorflow as tf

source, export, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
classifier = tf.saved_model.load(source)


class Serving(tf.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, name="images")])
    def serve(self, images):
        return {"logits": self.model(images)}


serving = Serving(classifier)
logits = serving.serve(tf.zeros([1, size, size, 3], tf.float32))["logits"]
if tuple(logits.shape) != (1, 1000):
    sys.exit(f"fetch-model: expected 1000 ImageNet scores per image, got shape {tuple(logits.shape)}")
tf.saved_model.save(serving, export, signatures={"serving_default": serving.serve})
print("fetch-model: exported", export)
PY

if [ ! -f "$work/export/saved_model.pb" ]; then
  echo "fetch-model: the export did not produce saved_model.pb" >&2
  exit 1
fi
rm -rf "$target"
mv "$work/export" "$target"
echo "fetch-model: installed $target"
