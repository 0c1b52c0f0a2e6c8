#!/usr/bin/env bash
# Installs every Debian package that building gantry, running its tests and
# running `gantry dev` need. Idempotent, and quick when all is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libspdlog-dev libcli11-dev liblz4-dev libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  wrk python3
  docker.io busybox-static
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The end-to-end tests drive gantry with boto3 and the aws cli. Use the
# python3 on PATH when it has them; otherwise install Debian's.
if ! python3 -c 'import boto3' 2>/dev/null; then missing+=(python3-boto3); fi
if ! command -v aws >/dev/null 2>&1; then missing+=(awscli); fi

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
