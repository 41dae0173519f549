# Sourced by .ci/run: a throwaway PostgreSQL cluster for the search/study
# tests. It listens on 127.0.0.1 only (trust auth, a private socket
# directory), lives in a temporary directory and is stopped and removed by
# fnlab_pg_stop (.ci/run traps EXIT). Exports:
#   FNLAB_TEST_POSTGRES  the URL the tests connect to
#   FNLAB_TEST_PGCTL     a pg_ctl command for the cluster (the restart test)

fnlab_pg_start() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  local bin port
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  FNLAB_PG_DIR=$(mktemp -d /tmp/fnlab-pg.XXXXXX)
  mkdir "$FNLAB_PG_DIR/sock"
  chown -R postgres: "$FNLAB_PG_DIR"
  # The first free port from 55432 on (a busy one accepts a connection).
  port=55432
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  runuser -u postgres -- "$bin/initdb" -D "$FNLAB_PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
  # Trust for everyone but fnlab_pw, whose password is checked: the
  # wrong-credentials test (pg_hba.conf takes the first matching line).
  sed -i '1i host all fnlab_pw 127.0.0.1/32 scram-sha-256' "$FNLAB_PG_DIR/data/pg_hba.conf"
  FNLAB_TEST_PGCTL="runuser -u postgres -- $bin/pg_ctl -D $FNLAB_PG_DIR/data -w -l $FNLAB_PG_DIR/log"
  # fsync off: the cluster is thrown away, and it keeps the tests fast.
  $FNLAB_TEST_PGCTL -o "-h 127.0.0.1 -p $port -k $FNLAB_PG_DIR/sock -c fsync=off -c max_connections=200" start >/dev/null
  export FNLAB_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
  export FNLAB_TEST_PGCTL FNLAB_PG_DIR
  echo "postgres $("$bin/postgres" --version | awk '{print $3}') at $FNLAB_TEST_POSTGRES"
}

fnlab_pg_stop() {
  if [ -n "${FNLAB_PG_DIR:-}" ] && [ -d "$FNLAB_PG_DIR" ]; then
    $FNLAB_TEST_PGCTL -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$FNLAB_PG_DIR"
  fi
}
