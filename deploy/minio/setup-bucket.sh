#!/bin/sh
# Run by the minio-setup Job (image minio/mc): makes the bucket (private), and the functions' own
# account (S3_ACCESS_KEY / S3_SECRET_KEY, the same values as the s3-access-key / s3-secret-key
# OpenFaaS secrets) with read/write/delete on that bucket only. Idempotent: safe to run again.
set -eu
: "${MINIO_URL:?}" "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${BUCKET:?}"
: "${S3_ACCESS_KEY:?}" "${S3_SECRET_KEY:?}"
export MC_CONFIG_DIR="${MC_CONFIG_DIR:-/tmp/.mc}"

tries=0
until mc alias set todo "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "MinIO at $MINIO_URL did not answer in 2 minutes" >&2
    exit 1
  fi
  sleep 2
done

mc mb --ignore-existing "todo/$BUCKET"
mc anonymous set none "todo/$BUCKET"

sed "s/BUCKET/$BUCKET/g" /setup/bucket-policy.json > /tmp/todo-app-policy.json
# `create` replaces a policy of the same name, so a changed policy file takes effect on re-run.
mc admin policy create todo todo-app /tmp/todo-app-policy.json
# Adding an existing user updates its secret key.
mc admin user add todo "$S3_ACCESS_KEY" "$S3_SECRET_KEY"
if ! out=$(mc admin policy attach todo todo-app --user "$S3_ACCESS_KEY" 2>&1); then
  case "$out" in
    *already*) ;;
    *) echo "$out" >&2; exit 1 ;;
  esac
fi
echo "bucket $BUCKET and account $S3_ACCESS_KEY are ready"
