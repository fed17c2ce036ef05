#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the `clipfit serve` tests and prints its URL
# (the last line of output), e.g. postgres://clipfit@127.0.0.1:54329/postgres.
#
# Uses Debian's packages (`apt-get install postgresql`: binaries in /usr/lib/postgresql/*/bin).
# PostgreSQL refuses to run as root, so when run as root the server runs as the `postgres`
# user the package creates. Data lives in a fresh temporary directory; stop the server with
# `pg_ctl -D DIR stop` (the directory is printed on stderr) or let the machine go.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "test-postgres: no PostgreSQL found; install it with: apt-get install -y postgresql" >&2
  exit 1
fi

# A free port: the first of 54329.. that nothing listens on.
port=54329
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done

dir=$(mktemp -d /tmp/clipfit-pg.XXXXXX)
as_user=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_user=(runuser -u postgres --)
fi
"${as_user[@]}" "$bin/initdb" -D "$dir/data" -U clipfit --auth=trust -E UTF8 >/dev/null
# Tests create one database each and many connections: allow plenty; fsync off (throwaway).
"${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off" start >/dev/null
echo "test-postgres: server in $dir (stop: ${as_user[*]} $bin/pg_ctl -D $dir/data stop)" >&2
echo "postgres://clipfit@127.0.0.1:$port/postgres"
