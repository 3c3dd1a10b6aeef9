#!/bin/sh
# Creates any missing credential file in this folder with a fresh random value (existing files are
# kept, so running it again changes nothing). These files feed both `kubectl apply -k deploy/`
# (MySQL and MinIO Secrets) and `faas-cli secret create` (the functions' secrets). Git ignores them.
#   sh deploy/secrets/generate.sh
set -eu
dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
umask 077

random_text() {
  # 24 random bytes as 32 URL-safe characters: no quoting trouble, and within MinIO's 40-character
  # limit for secret keys.
  head -c 24 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'
}

ensure() {
  name=$1
  value=$2
  if [ -s "$dir/$name" ]; then
    echo "kept    $dir/$name"
  else
    printf '%s' "$value" > "$dir/$name"
    echo "created $dir/$name"
  fi
}

ensure mysql-root-password "$(random_text)"
ensure mysql-password "$(random_text)"
ensure jwt-secret "$(random_text)$(random_text)"
ensure minio-root-user "todo-admin"
ensure minio-root-password "$(random_text)"
# The functions' own MinIO account (read/write on the bucket only), made by the minio-setup Job.
# MinIO access keys are 3-20 characters.
ensure s3-access-key "todo-app-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ensure s3-secret-key "$(random_text)"
