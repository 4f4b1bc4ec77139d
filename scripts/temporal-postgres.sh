#!/usr/bin/env bash
# Temporal server 1.29.1 on PostgreSQL, natively (no Docker): the topology of docker-compose.yml,
# minus the Web UI. Builds the server and its SQL schema tool once from the Go module proxy into
# a cache outside the repo, creates and migrates the databases, runs the server.
#
#   scripts/temporal-postgres.sh install   build (once) and print the paths
#   scripts/temporal-postgres.sh setup     create + migrate the two databases (idempotent)
#   scripts/temporal-postgres.sh start     run the server in the foreground (Ctrl-C stops it)
#   scripts/temporal-postgres.sh reset     drop and recreate the two databases (server stopped)
#
# Then `npm run temporal:setup` registers the `default` namespace and our search attributes.
# Progress and messages go to stderr; `install` prints KEY=VALUE lines on stdout.
#
# <cache> = ${OSIGU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/osigu-webhooks}
set -euo pipefail

readonly VERSION=1.29.1
readonly MODULE=go.temporal.io/server
readonly PKGS=("${MODULE}/cmd/server" "${MODULE}/cmd/tools/sql")
# The server stamps its own version (a constant in common/headers), so no -X is needed.
readonly LDFLAGS="-s -w"
readonly PROGRESS_EVERY=10
readonly SCHEMA_SUBDIR=schema/postgresql/v12
module_errors=(
  '(403|404|410) [A-Z]' 'Forbidden' 'reading https?://' 'reading .* at revision'
  'verifying .*(module|go\.mod)' 'checksum mismatch' 'SECURITY ERROR' 'unknown revision'
  'invalid version' 'malformed module path' 'toolchain not available'
  'dial tcp' 'no such host' 'proxyconnect' 'TLS handshake timeout'
)
printf -v MODULE_ERRORS_RE '%s|' "${module_errors[@]}"
readonly MODULE_ERRORS_RE="${MODULE_ERRORS_RE%|}"

me="${0##*/}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

absolute() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "${PWD%/}/${1#./}" ;;
  esac
}

cache_root="$(absolute "${OSIGU_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/osigu-webhooks}")"
cache_dir="${cache_root}/temporal-server/${VERSION}"
server_bin="${cache_dir}/temporal-server"
sql_tool="${cache_dir}/temporal-sql-tool"
schema_dir="${cache_dir}/${SCHEMA_SUBDIR}"

# Connection and names; every one can be overridden from the environment.
export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-postgres}"
export PGPASSWORD="${PGPASSWORD:-}"
export TEMPORAL_PG_DB="${TEMPORAL_PG_DB:-temporal_osigu}"
export TEMPORAL_PG_VISIBILITY_DB="${TEMPORAL_PG_VISIBILITY_DB:-temporal_osigu_visibility}"

usage() {
  cat <<EOF
Usage: $me install | setup | start | reset [--force] | drop [--force]

Temporal server ${VERSION} on PostgreSQL (persistence and visibility, plugin postgres12_pgx),
single node, every service in one process, config deploy/temporal/postgres.yaml.

  install  build temporal-server and temporal-sql-tool (go install, once, several minutes)
           into ${cache_dir}
           and copy the PostgreSQL schema there; prints their paths
  setup    create the databases if missing and migrate both schemas to the newest version
           (safe to rerun: an up-to-date database is left as it is)
  start    run the server in the foreground (exec; SIGINT/SIGTERM stop it)
  reset    drop both databases and set them up again (refused while a server uses them,
           unless --force: then its sessions are disconnected)
  drop     drop both databases (same --force)

Afterwards: TEMPORAL_ADDRESS=127.0.0.1:\${TEMPORAL_PG_FRONTEND_PORT:-7233} npm run temporal:setup

Environment (defaults in brackets):
  PGHOST [127.0.0.1] PGPORT [5432] PGUSER [postgres] PGPASSWORD []
  TEMPORAL_PG_DB [temporal_osigu]  TEMPORAL_PG_VISIBILITY_DB [temporal_osigu_visibility]
  TEMPORAL_PG_TEMPLATE_DB, TEMPORAL_PG_TEMPLATE_VISIBILITY_DB [unset]: setup migrates these and
    creates a missing database as a copy of its template (fast: the tests use it)
  TEMPORAL_PG_BIND_IP [127.0.0.1]
  TEMPORAL_PG_FRONTEND_PORT [7233]  TEMPORAL_PG_FRONTEND_HTTP_PORT [7244]
  TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT [6933]
  TEMPORAL_PG_HISTORY_PORT [7234]   TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT [6934]
  TEMPORAL_PG_MATCHING_PORT [7235]  TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT [6935]
  TEMPORAL_PG_WORKER_PORT [7239]    TEMPORAL_PG_WORKER_MEMBERSHIP_PORT [6939]
  TEMPORAL_PG_METRICS_PORT [unset: no Prometheus endpoint]
  TEMPORAL_PG_MAX_CONNS [20]  TEMPORAL_PG_VISIBILITY_MAX_CONNS [10]  (per service, 4 services)
  TEMPORAL_PG_HISTORY_SHARDS [4]  (fixed when the database is first used)
  TEMPORAL_PG_LOG_LEVEL [info]      TEMPORAL_PG_DYNAMIC_CONFIG [deploy/temporal/dynamicconfig.yaml]
  OSIGU_CACHE_DIR [\${XDG_CACHE_HOME:-\$HOME/.cache}/osigu-webhooks]
EOF
}

installed() { [[ -x "$server_bin" && -x "$sql_tool" && -d "${schema_dir}/temporal/versioned" && -d "${schema_dir}/visibility/versioned" ]]; }

print_paths() {
  printf 'TEMPORAL_SERVER=%s\nTEMPORAL_SQL_TOOL=%s\nTEMPORAL_SCHEMA_DIR=%s\n' "$server_bin" "$sql_tool" "$schema_dir"
}

# --- install ---------------------------------------------------------------------------------

build() {
  command -v go >/dev/null 2>&1 || die "Go is not installed, so Temporal server ${VERSION} cannot be built.
  Install Go 1.25 or newer (https://go.dev/dl/; Go >= 1.21 fetches the newer toolchain itself),
  or put prebuilt binaries at ${server_bin} and ${sql_tool}
  (the temporalio/server and temporalio/admin-tools images carry them) and the schema at ${schema_dir}."
  local go_version
  go_version="$(go env GOVERSION 2>/dev/null || true)"
  if [[ "$go_version" =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] < 21)); then
    die "${go_version} is too old to build Temporal server ${VERSION} (needs Go >= 1.21)"
  fi

  mkdir -p "$cache_dir"
  exec 9>"${cache_dir}/.lock"
  if ! flock -n 9; then
    log "another build of Temporal server ${VERSION} is running; waiting for it (lock ${cache_dir}/.lock)..."
    flock 9
  fi
  installed && return 0

  rm -rf "${cache_dir}"/.build.*
  build_dir="$(mktemp -d "${cache_dir}/.build.XXXXXX")"
  build_log="${cache_dir}/build.log"
  build_pid=""
  trap 'if [[ -n "$build_pid" ]]; then kill "$build_pid" 2>/dev/null || true; wait "$build_pid" 2>/dev/null || true; fi; rm -rf "$build_dir"' EXIT
  trap 'log "interrupted"; exit 130' INT
  trap 'log "terminated"; exit 143' TERM

  log "building Temporal server ${VERSION} and its SQL tool with ${go_version:-go} (several minutes, once per version)"
  log "  go install -v -trimpath -ldflags='${LDFLAGS}' ${PKGS[*]/%/@v${VERSION}}"
  log "  log: ${build_log}"
  local start=$SECONDS rc=0
  local args=()
  for pkg in "${PKGS[@]}"; do args+=("${pkg}@v${VERSION}"); done
  # CGO_ENABLED=0: the server needs no cgo (pgx and modernc SQLite are pure Go); a static binary.
  CGO_ENABLED=0 GOBIN="$build_dir" go install -v -trimpath -ldflags="$LDFLAGS" "${args[@]}" >"$build_log" 2>&1 &
  build_pid=$!
  local next_report=$((start + PROGRESS_EVERY)) downloads compiled pkg
  while kill -0 "$build_pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next_report)); then
      next_report=$((SECONDS + PROGRESS_EVERY))
      downloads="$(grep -c '^go: downloading' "$build_log" || true)"
      compiled="$(grep -vc '^go: ' "$build_log" || true)"
      pkg="$(grep -v '^go: ' "$build_log" | tail -n 1 || true)"
      log "  ... $((SECONDS - start))s: ${downloads} modules downloaded, ${compiled} packages compiled${pkg:+, last: ${pkg}}"
    fi
  done
  if wait "$build_pid"; then rc=0; else rc=$?; fi
  build_pid=""
  local elapsed=$((SECONDS - start))
  if ((rc != 0)) || [[ ! -f "${build_dir}/server" || ! -f "${build_dir}/sql" ]]; then
    log "error: go install failed after ${elapsed}s (exit ${rc}). Last lines of ${build_log}:"
    tail -n 30 "$build_log" >&2 || true
    if grep -qE "$MODULE_ERRORS_RE" "$build_log"; then
      cat >&2 <<EOF

$me: the Go module proxy refused (or could not serve) part of this build: a module download
failed, see the log above. Retry later, point GOPROXY / GONOSUMDB / GOFLAGS at a proxy that
serves these modules, or copy prebuilt binaries (the temporalio/server image's temporal-server,
the temporalio/admin-tools image's temporal-sql-tool, both ${VERSION}) to ${server_bin}
and ${sql_tool}.
EOF
    fi
    exit 1
  fi

  # The schema files ship in the module source, not in the binaries' -d path: copy them.
  local mod_dir
  mod_dir="$(go mod download -json "${MODULE}@v${VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$mod_dir" && -d "${mod_dir}/${SCHEMA_SUBDIR}" ]] ||
    die "go mod download ${MODULE}@v${VERSION} gave no ${SCHEMA_SUBDIR} (Dir: '${mod_dir}')"
  mkdir -p "${build_dir}/${SCHEMA_SUBDIR%/*}"
  cp -R "${mod_dir}/${SCHEMA_SUBDIR}" "${build_dir}/${SCHEMA_SUBDIR}"
  chmod -R u+w "${build_dir}/schema" # the module cache is read-only; keep the cache deletable

  # Into place, schema first and the server last: installed() tests all three.
  rm -rf "${cache_dir}/schema"
  mv "${build_dir}/schema" "${cache_dir}/schema"
  mv -f "${build_dir}/sql" "$sql_tool"
  mv -f "${build_dir}/server" "$server_bin"
  local s1 s2
  s1=$(($(wc -c <"$server_bin"))) s2=$(($(wc -c <"$sql_tool")))
  log "built in ${elapsed}s ($((elapsed / 60))m$((elapsed % 60))s), $(grep -vc '^go: ' "$build_log" || true) packages compiled;" \
    "temporal-server $((s1 / 1048576)).$((s1 * 10 / 1048576 % 10)) MiB, temporal-sql-tool $((s2 / 1048576)).$((s2 * 10 / 1048576 % 10)) MiB"
}

ensure_installed() {
  if ! installed; then build; fi
}

# --- databases -------------------------------------------------------------------------------

require_psql() {
  command -v psql >/dev/null 2>&1 || die "psql (PostgreSQL's client) is needed to create and drop databases: apt-get install postgresql-client"
}

# Run one SQL statement on the maintenance database; PG* environment as libpq reads it.
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "${PGMAINTENANCE_DB:-postgres}" -tA -c "$1"; }

check_postgres() {
  local out
  if ! out="$(psql_admin 'SELECT 1' 2>&1)"; then
    die "cannot reach PostgreSQL at ${PGHOST}:${PGPORT} as ${PGUSER} (set PGHOST, PGPORT, PGUSER, PGPASSWORD): ${out}"
  fi
}

valid_name() { [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name '$1' must match [a-z_][a-z0-9_]*"; }

sql_tool_run() {
  local db="$1"
  shift
  "$sql_tool" --plugin postgres12_pgx --endpoint "$PGHOST" --port "$PGPORT" --user "$PGUSER" \
    --password "$PGPASSWORD" --database "$db" "$@"
}

# Serialise database changes on this machine: CREATE DATABASE copies template1 and fails while
# another session uses it, and two setups of one database must not interleave.
lock_databases() {
  mkdir -p "$cache_dir"
  exec 8>"${cache_dir}/.db.lock"
  flock 8
}

db_exists() { [[ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$1'")" == 1 ]]; }

schema_version() { psql -X -tA -d "$1" -c 'SELECT curr_version FROM schema_version' 2>/dev/null || echo '?'; }

# The newest version in the schema directory (v1.0 … v1.18 → 1.18).
newest_version() {
  local dir
  for dir in "${schema_dir}/$1/versioned"/v*; do printf '%s\n' "${dir##*/v}"; done | sort -V | tail -n 1
}

migrate_one() {
  local db="$1" kind="$2" out
  valid_name "$db"
  if ! db_exists "$db"; then
    log "creating database ${db}"
    psql_admin "CREATE DATABASE \"${db}\"" >/dev/null
  elif [[ "$(schema_version "$db")" == "$(newest_version "$kind")" ]]; then
    log "${db}: ${kind} schema at version $(newest_version "$kind"), the newest"
    return
  fi
  # setup-schema -v 0.0 only creates the version tables (no-op when they exist); update-schema
  # applies every versioned step above the recorded version.
  if ! out="$(sql_tool_run "$db" setup-schema -v 0.0 2>&1)" ||
    ! out+=$'\n'"$(sql_tool_run "$db" update-schema -d "${schema_dir}/${kind}/versioned" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "migrating ${db} failed"
  fi
  log "${db}: ${kind} schema at version $(schema_version "$db")"
}

# With a template (TEMPORAL_PG_TEMPLATE_DB / TEMPORAL_PG_TEMPLATE_VISIBILITY_DB, used by the
# tests: one pair of databases per test file), the template is migrated and a missing database
# is created as its copy: CREATE DATABASE … TEMPLATE takes ~0.1 s where migrating takes seconds.
setup_one() {
  local db="$1" kind="$2" template="${3:-}"
  if [[ -z "$template" ]]; then
    migrate_one "$db" "$kind"
    return
  fi
  migrate_one "$template" "$kind"
  valid_name "$db"
  if db_exists "$db"; then
    migrate_one "$db" "$kind"
  else
    psql_admin "CREATE DATABASE \"${db}\" TEMPLATE \"${template}\"" >/dev/null
    # The schema version row is keyed by database name, and the server looks up its own.
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "UPDATE schema_version SET db_name = '${db}' WHERE db_name = '${template}'" >/dev/null
    log "${db}: created from ${template}, ${kind} schema at version $(schema_version "$db")"
  fi
}

drop_one() {
  valid_name "$1"
  db_exists "$1" || return 0
  log "dropping database $1"
  # WITH (FORCE) (PostgreSQL >= 13) disconnects whoever is still attached; checked before.
  psql_admin "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
}

cmd_setup() {
  ensure_installed
  require_psql
  check_postgres
  lock_databases
  setup_one "$TEMPORAL_PG_DB" temporal "${TEMPORAL_PG_TEMPLATE_DB:-}"
  setup_one "$TEMPORAL_PG_VISIBILITY_DB" visibility "${TEMPORAL_PG_TEMPLATE_VISIBILITY_DB:-}"
}

# $1: --force to disconnect a server that still uses the databases; without it, refuse.
cmd_drop() {
  require_psql
  check_postgres
  lock_databases
  local sessions
  sessions="$(psql_admin "SELECT count(*) FROM pg_stat_activity WHERE datname IN ('${TEMPORAL_PG_DB}', '${TEMPORAL_PG_VISIBILITY_DB}')")"
  if ((sessions > 0)) && [[ "${1:-}" != --force ]]; then
    die "${sessions} sessions still use ${TEMPORAL_PG_DB} / ${TEMPORAL_PG_VISIBILITY_DB}: stop the Temporal server first (or add --force to disconnect them)"
  fi
  drop_one "$TEMPORAL_PG_DB"
  drop_one "$TEMPORAL_PG_VISIBILITY_DB"
}

# --- server ----------------------------------------------------------------------------------

cmd_start() {
  ensure_installed
  local config_dir
  TEMPORAL_PG_DYNAMIC_CONFIG="$(absolute "${TEMPORAL_PG_DYNAMIC_CONFIG:-${repo_root}/deploy/temporal/dynamicconfig.yaml}")"
  export TEMPORAL_PG_DYNAMIC_CONFIG
  config_dir="$(absolute "${TEMPORAL_PG_CONFIG_DIR:-${repo_root}/deploy/temporal}")"
  [[ -f "${config_dir}/postgres.yaml" ]] || die "no ${config_dir}/postgres.yaml"
  log "Temporal ${VERSION} on postgres://${PGUSER}@${PGHOST}:${PGPORT}/${TEMPORAL_PG_DB} (+ ${TEMPORAL_PG_VISIBILITY_DB}):" \
    "frontend ${TEMPORAL_PG_BIND_IP:-127.0.0.1}:${TEMPORAL_PG_FRONTEND_PORT:-7233}"
  # The config loader reads <config dir>/<env>.yaml; `# enable-template` in it turns on
  # {{ env "…" }} templating. All four services (the default) run in this one process.
  exec "$server_bin" --root / --config "${config_dir#/}" --env postgres --allow-no-auth start
}

main() {
  case "${1:-}" in
    install)
      ensure_installed
      print_paths
      ;;
    setup) cmd_setup ;;
    start) cmd_start ;;
    reset)
      cmd_drop "${2:-}"
      cmd_setup
      ;;
    drop) cmd_drop "${2:-}" ;;
    -h | --help | help) usage ;;
    --version) printf '%s\n' "$VERSION" ;;
    *)
      [[ -n "${1:-}" ]] && log "error: unknown command: $1"
      usage >&2
      exit 2
      ;;
  esac
}

# On one line, so that bash has read all of it before running: editing this file during a
# several-minute build cannot change what the running copy does.
main "$@"; exit
