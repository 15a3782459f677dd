#!/bin/sh
# The indicators served from a real PostgreSQL streaming replica on loopback (README "Read replica").
#
#   DATABASE_URL=postgres://user:pw@127.0.0.1:5433/passerelle_bench scripts/bench-replica.sh [start|bench|stop|all]
#
# start: pg_basebackup -R (streaming WAL, primary_conninfo and standby.signal written) from the primary of
#        DATABASE_URL into REPLICA_DIR, then the standby started on REPLICA_PORT, as the postgres user.
#        The primary needs wal_level=replica (the default), a free WAL sender and a pg_hba "replication"
#        line for the host it is reached from; its settings are only read here, never changed.
# bench: `bench_run --only indicators` with DATABASE_REPLICA_URL pointing at the standby; the result
#        (results/replica-indicators.md and .json) records the queries read on the replica, that it is in
#        recovery, its port and the primary's count of streaming standbys.
# stop:  the standby stopped and its directory removed.
# all (default): start, bench, stop.
set -eu

: "${DATABASE_URL:?DATABASE_URL=postgres://… (the primary, holding the benchmark data)}"
REPLICA_PORT=${REPLICA_PORT:-5434}
REPLICA_DIR=${REPLICA_DIR:-/tmp/passerelle-replica-$REPLICA_PORT}
PG_USER=${PG_USER:-postgres}
PG_BIN=${PG_BIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
PYTHON=${PYTHON:-.venv/bin/python}
cd "$(dirname "$0")/.."

# postgres://user:password@host:port/name -> its parts (no URL-encoded characters expected here).
rest=${DATABASE_URL#*://}
credentials=${rest%%@*}
location=${rest#*@}
DB_USER=${credentials%%:*}
DB_PASSWORD=$([ "$credentials" != "$DB_USER" ] && echo "${credentials#*:}" || true)
hostport=${location%%/*}
DB_NAME=${location#*/}
DB_HOST=${hostport%%:*}
DB_PORT=$([ "$hostport" != "$DB_HOST" ] && echo "${hostport#*:}" || echo 5432)
REPLICA_URL="postgres://$credentials@$DB_HOST:$REPLICA_PORT/$DB_NAME"

as_postgres() {
    if [ "$(id -un)" = "$PG_USER" ]; then sh -c "$1"; else su "$PG_USER" -s /bin/sh -c "$1"; fi
}

start() {
    if [ -e "$REPLICA_DIR" ]; then
        echo "$REPLICA_DIR existe déjà : scripts/bench-replica.sh stop d'abord." >&2
        exit 1
    fi
    mkdir -p "$REPLICA_DIR"
    chown "$PG_USER" "$REPLICA_DIR"
    chmod 700 "$REPLICA_DIR"
    echo "Copie de base du primaire $DB_HOST:$DB_PORT vers $REPLICA_DIR (pg_basebackup -R)…"
    as_postgres "PGPASSWORD='$DB_PASSWORD' $PG_BIN/pg_basebackup -h $DB_HOST -p $DB_PORT -U $DB_USER \
        -D $REPLICA_DIR/data -R -X stream -c fast --no-sync"
    # Its own port and socket directory: the copied configuration is the primary's.
    as_postgres "$PG_BIN/pg_ctl -D $REPLICA_DIR/data -l $REPLICA_DIR/log -w -t 120 start \
        -o \"-p $REPLICA_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$REPLICA_DIR -c hot_standby=on\""
    psql "$REPLICA_URL" -Atc "SELECT 'réplique en récupération (standby) : ' || pg_is_in_recovery()"
    psql "$DATABASE_URL" -Atc "SELECT 'réplicas en streaming vus du primaire : ' || count(*) \
        FROM pg_stat_replication WHERE state = 'streaming'"
}

bench() {
    DATABASE_REPLICA_URL="$REPLICA_URL" DJANGO_SETTINGS_MODULE=partnerships.settings.bench DJANGO_DEBUG=0 \
        "$PYTHON" manage.py bench_run --only indicators --results-name replica-indicators "$@"
}

stop() {
    if [ -e "$REPLICA_DIR/data/postmaster.pid" ]; then
        as_postgres "$PG_BIN/pg_ctl -D $REPLICA_DIR/data -m fast -w stop"
    fi
    rm -rf "$REPLICA_DIR"
}

case "${1:-all}" in
    start) start ;;
    bench) shift; bench "$@" ;;
    stop) stop ;;
    all)
        start
        trap stop EXIT
        bench
        ;;
    *) echo "usage: $0 [start|bench|stop|all]" >&2; exit 2 ;;
esac
