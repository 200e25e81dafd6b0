#!/usr/bin/env bash
# A throwaway Redis server (Debian's redis-server, installed by scripts/install-test-services.sh) for the Celery
# profile's tests and for trying it by hand: 127.0.0.1:PORT only, no persistence, files in DIR. Production uses a
# managed Redis (README, "Production beyond one machine").
#
#   scripts/local-redis.sh start DIR [PORT]   start it, wait until it answers PING
#   scripts/local-redis.sh stop DIR           stop it
set -euo pipefail
command=${1:?usage: local-redis.sh start DIR [PORT] | stop DIR}
server=$(command -v redis-server || echo /usr/bin/redis-server)
[ -x "$server" ] || { echo "redis-server is not installed: run scripts/install-test-services.sh" >&2; exit 1; }
case "$command" in
  start)
    dir=$(realpath -m "${2:?DIR}")
    port=${3:-6380}
    mkdir -p "$dir"
    "$server" --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no --protected-mode yes \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 1 100); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
        echo "Redis on 127.0.0.1:$port (log in $dir/redis.log)"
        exit 0
      fi
      sleep 0.1
    done
    echo "Redis did not answer on 127.0.0.1:$port; see $dir/redis.log" >&2
    exit 1
    ;;
  stop)
    dir=$(realpath -m "${2:?DIR}")
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    ;;
  *)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
