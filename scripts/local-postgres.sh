#!/usr/bin/env bash
# A throwaway PostgreSQL server for `make ui-postgres` and the tests: a cluster in DIR, on 127.0.0.1:PORT only,
# superuser and database `dagster`, password `dagster`. Production uses a managed server (deploy/dagster.yaml).
#
#   scripts/local-postgres.sh start DIR [PORT]   initialise DIR if new, start the server, wait until it answers
#   scripts/local-postgres.sh stop DIR           stop it
#   scripts/local-postgres.sh env [PORT]         print the UCJ_PG_* variables deploy/dagster.yaml reads
set -euo pipefail
command=${1:?usage: local-postgres.sh start DIR [PORT] | stop DIR | env [PORT]}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "PostgreSQL is not installed: run scripts/install-test-services.sh" >&2; exit 1; }

as_owner() {  # PostgreSQL refuses to run as root: run as the postgres user when we are root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    dir=$(realpath -m "${2:?DIR}")
    port=${3:-5433}
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      pwfile=$(mktemp)
      echo dagster >"$pwfile"
      chmod 644 "$pwfile"
      as_owner "$bindir/initdb" -D "$dir" -U dagster --pwfile="$pwfile" --auth=scram-sha-256 >/dev/null
      rm -f "$pwfile"
    fi
    as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
    if ! PGPASSWORD=dagster "$bindir/psql" -h 127.0.0.1 -p "$port" -U dagster -d postgres -tAc \
        "select 1 from pg_database where datname = 'dagster'" | grep -q 1; then
      PGPASSWORD=dagster "$bindir/createdb" -h 127.0.0.1 -p "$port" -U dagster dagster
    fi
    echo "PostgreSQL on 127.0.0.1:$port (data in $dir)"
    ;;
  stop)
    dir=$(realpath -m "${2:?DIR}")
    as_owner "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
  env)
    port=${2:-5433}
    echo "export UCJ_PG_HOST=127.0.0.1 UCJ_PG_PORT=$port UCJ_PG_USER=dagster UCJ_PG_PASSWORD=dagster UCJ_PG_DB=dagster"
    ;;
  *)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
