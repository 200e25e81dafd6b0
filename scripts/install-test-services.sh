#!/usr/bin/env bash
# What the tests need beyond Python packages, from Debian's packages: Chromium (the HTML report is tested in a real
# headless browser), PostgreSQL (Dagster's production instance storage is tested against a real server, which
# the tests start themselves on 127.0.0.1), nginx (the authenticating proxy recipe in front of the UI) and Redis (the
# Celery broker of the distributed profile; the tests start their own server on 127.0.0.1 and never use the
# system service). Installs only what is missing; needs root or sudo for apt-get.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} (Debian packages) for the tests"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
