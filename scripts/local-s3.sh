#!/usr/bin/env bash
# A throwaway S3-compatible server for the tests and for trying an s3:// landing area by hand: moto's standalone
# server (PyPI `moto[server]`, installed by `make install`), over HTTP on 127.0.0.1:PORT only, state in memory.
# Production uses a real bucket (README, "Production beyond one machine").
#
#   scripts/local-s3.sh start DIR [PORT]   start it (pid and log in DIR), wait until it answers
#   scripts/local-s3.sh stop DIR           stop it
#   scripts/local-s3.sh env [PORT]         print the AWS_* variables obstore reads (test credentials)
set -euo pipefail
command=${1:?usage: local-s3.sh start DIR [PORT] | stop DIR | env [PORT]}
bin=$(dirname "$(realpath "$0")")/../.venv/bin
[ -x "$bin/moto_server" ] || bin=$(dirname "$(command -v moto_server || echo /nonexistent/x)")
case "$command" in
  start)
    dir=$(realpath -m "${2:?DIR}")
    port=${3:-5055}
    [ -x "$bin/moto_server" ] || { echo "moto_server not found: run make install" >&2; exit 1; }
    mkdir -p "$dir"
    nohup "$bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/s3.log" 2>&1 &
    echo $! >"$dir/s3.pid"
    for _ in $(seq 1 100); do
      if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
        echo "S3 (moto) on http://127.0.0.1:$port (log in $dir/s3.log)"
        exit 0
      fi
      sleep 0.2
    done
    echo "the S3 server did not answer on 127.0.0.1:$port; see $dir/s3.log" >&2
    exit 1
    ;;
  stop)
    dir=$(realpath -m "${2:?DIR}")
    [ -f "$dir/s3.pid" ] && kill "$(cat "$dir/s3.pid")" 2>/dev/null || true
    rm -f "$dir/s3.pid"
    ;;
  env)
    port=${2:-5055}
    echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ALLOW_HTTP=true AWS_REGION=us-east-1" \
      "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
    ;;
  *)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
