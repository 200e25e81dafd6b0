#!/usr/bin/env bash
# The authenticating proxy of deploy/nginx-ucj.conf, for production and for the tests.
#   scripts/ucj-proxy.sh adduser USERS_FILE NAME      asks for a password (or reads UCJ_PROXY_PASSWORD) and adds NAME
#   scripts/ucj-proxy.sh start RUNDIR LISTEN UPSTREAM USERS_FILE   renders the config into RUNDIR and starts nginx
#   scripts/ucj-proxy.sh stop RUNDIR
# nginx comes from Debian's package (scripts/install-test-services.sh installs it for the tests).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

case "${1:-}" in
  adduser)
    users="$2"; name="$3"
    [[ "$name" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "user name: letters, digits, . _ - only" >&2; exit 2; }
    password="${UCJ_PROXY_PASSWORD:-}"
    if [ -z "$password" ]; then read -rsp "password for $name: " password; echo; fi
    [ "${#password}" -ge 12 ] || { echo "password: at least 12 characters" >&2; exit 2; }
    umask 077
    touch "$users"
    grep -v "^$name:" "$users" > "$users.new" || true
    printf '%s:%s\n' "$name" "$(printf '%s' "$password" | openssl passwd -6 -stdin)" >> "$users.new"
    mv "$users.new" "$users"
    ;;
  start)
    rundir="$(realpath -m "$2")"; listen="$3"; upstream="$4"; users="$(realpath "$5")"
    mkdir -p "$rundir"/{client_body,proxy,fastcgi,uwsgi,scgi}
    chmod 700 "$rundir"
    user_line="# workers run as the user who started nginx"
    if [ "$(id -u)" -eq 0 ]; then
      # Started as root, nginx runs its workers unprivileged; they must read the users file and use the temp folders.
      worker="$(id -u www-data >/dev/null 2>&1 && echo www-data || echo nobody)"
      group="$(id -gn "$worker")"
      user_line="user $worker $group;"
      chgrp "$group" "$users"; chmod 640 "$users"
      chmod 711 "$rundir"; chown "$worker" "$rundir"/{client_body,proxy,fastcgi,uwsgi,scgi}
    fi
    sed -e "s|@RUNDIR@|$rundir|g" -e "s|@LISTEN@|$listen|g" -e "s|@UPSTREAM@|$upstream|g" -e "s|@USERS@|$users|g" \
      -e "s|@USER_LINE@|$user_line|g" "$here/deploy/nginx-ucj.conf" > "$rundir/nginx.conf"
    "$nginx_bin" -t -q -c "$rundir/nginx.conf" -p "$rundir" -e "$rundir/error.log"
    "$nginx_bin" -c "$rundir/nginx.conf" -p "$rundir" -e "$rundir/error.log"
    ;;
  stop)
    rundir="$(realpath -m "$2")"
    [ -f "$rundir/nginx.pid" ] && kill "$(cat "$rundir/nginx.pid")" || true
    ;;
  *)
    sed -n '2,6p' "$0"; exit 2 ;;
esac
