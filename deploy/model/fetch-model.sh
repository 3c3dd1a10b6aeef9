#!/bin/sh
# The model download script: puts EfficientNetV2-S (ImageNet-1k) where TensorFlow Serving loads it,
# $MODEL_BASE/$MODEL_NAME/$MODEL_VERSION/saved_model.pb, and the model's class names next to it,
# $MODEL_BASE/$MODEL_NAME/labels/labels.txt (what the pod's labels sidecar serves at /labels.txt for
# predict-image's MODEL_LABELS). Run by the tf-serving pod's init container (image
# tensorflow/tensorflow, which has python3 and TensorFlow); runs anywhere else with those.
#
#   1. download TensorFlow's published ImageNet class names (ImageNetLabels.txt: 1001 lines, a
#      leading "background" class then the 1000 ImageNet-1k classes in the model's output order;
#      predict-image drops the background class); check it has 1000 or 1001 non-empty lines and
#      nothing else (an error page is not a labels file), and install it with a rename;
#   2. download the published TF2 SavedModel (TF Hub's google/imagenet/efficientnet_v2_imagenet1k_s/
#      classification/2, served from Kaggle Models): a .tar.gz of the SavedModel folder;
#   3. re-export it with an explicit `serving_default` signature: input `images` float32
#      [batch, 384, 384, 3] in [0, 1] (what predict-image sends), output `logits` [batch, 1000];
#      checked with one all-zero image before it is installed;
#   4. install it with a rename, so TF Serving never sees a half-written version.
# Each step is skipped when what it installs is already there (the volume is persistent), so
# restarts are fast. (TF Serving loads only the numbered folders of $MODEL_BASE/$MODEL_NAME.)
#
# Settings (environment):
#   MODEL_NAME        efficientnetv2-s          folder name = TF Serving's model name (MODEL_NAME in stack.yml)
#   MODEL_BASE        /models                   the volume TF Serving reads
#   MODEL_VERSION     1                         TF Serving version folder
#   MODEL_SOURCE_URL  the TF Hub address below  any mirror of the same compressed SavedModel
#   MODEL_ARCHIVE     (unset)                   a local .tar.gz to use instead of downloading
#   LABELS_SOURCE_URL TensorFlow's address below  any mirror of the same ImageNetLabels.txt
#   LABELS_FILE       (unset)                   a local labels file to use instead of downloading
#   IMAGE_SIZE        384                       EfficientNetV2-S's input size
#   PYTHON            python3
set -eu

MODEL_NAME="${MODEL_NAME:-efficientnetv2-s}"
MODEL_BASE="${MODEL_BASE:-/models}"
MODEL_VERSION="${MODEL_VERSION:-1}"
MODEL_SOURCE_URL="${MODEL_SOURCE_URL:-https://tfhub.dev/google/imagenet/efficientnet_v2_imagenet1k_s/classification/2?tf-hub-format=compressed}"
LABELS_SOURCE_URL="${LABELS_SOURCE_URL:-https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt}"
IMAGE_SIZE="${IMAGE_SIZE:-384}"
PYTHON="${PYTHON:-python3}"

model_dir="$MODEL_BASE/$MODEL_NAME"
target="$model_dir/$MODEL_VERSION"

labels_dir="$model_dir/labels"
labels="$labels_dir/labels.txt"

if [ -f "$target/saved_model.pb" ] && [ -f "$labels" ]; then
  echo "fetch-model: $target and $labels are already installed"
  exit 0
fi

mkdir -p "$model_dir"
# Work next to the targets (same filesystem), so each install is an atomic rename.
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

if [ -f "$labels" ]; then
  echo "fetch-model: $labels is already installed"
else
  fetched="$work/labels.txt"
  if [ -n "${LABELS_FILE:-}" ]; then
    echo "fetch-model: using $LABELS_FILE"
    cp "$LABELS_FILE" "$fetched"
  else
    echo "fetch-model: downloading $LABELS_SOURCE_URL"
    download "$LABELS_SOURCE_URL" "$fetched"
  fi
  # One class name per line (CRLF allowed), blank lines only at the end, 1000 names or a leading
  # background class and 1000 names: what predict-image's labels loader takes.
  count=$(awk '
    { sub(/\r$/, "") }
    /^[[:space:]]*$/ { blank++; next }
    { if (blank) inner = 1; blank = 0; n++; if (n == 1) first = $0 }
    END {
      if (inner) { print "blank lines before or between the names"; exit }
      # A background class only ever comes first, and only with the 1000 names after it.
      if (n == 1001 && tolower(first) != "background") { print "1001 lines without a leading background class"; exit }
      if (n == 1000 && tolower(first) == "background") { print "a background class and only 999 names"; exit }
      print n
    }' "$fetched")
  case $count in
    1000 | 1001) ;;
    *)
      echo "fetch-model: the labels from ${LABELS_FILE:-$LABELS_SOURCE_URL} are not 1000 or 1001 class names, one per line (found: $count)" >&2
      exit 1
      ;;
  esac
  mkdir -p "$labels_dir"
  chmod 0755 "$labels_dir"
  chmod 0644 "$fetched"
  mv "$fetched" "$labels"
  echo "fetch-model: installed $labels ($count lines)"
fi

if [ -f "$target/saved_model.pb" ]; then
  echo "fetch-model: $target is already installed"
  exit 0
fi

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
