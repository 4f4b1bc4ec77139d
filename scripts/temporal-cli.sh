#!/usr/bin/env bash
# Finds or builds the Temporal CLI (dev server + Web UI in one binary) and prints
# ONLY its absolute path on stdout. Everything else goes to stderr, so callers can do
#   TEMPORAL="$(scripts/temporal-cli.sh)"
#
# Lookup order:
#   1. $TEMPORAL_CLI_PATH (must be an executable file)
#   2. a `temporal` on PATH whose `temporal --version` reports the pinned version
#   3. the cached build: <cache>/temporal-cli/<version>/temporal
#   4. build it with `go install` into that cache (several minutes, once per version)
#
# <cache> = ${OSIGU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/osigu-webhooks}
# Only builtins are used before step 4, so this also runs with a minimal PATH.
set -euo pipefail

# Later tags carry replace directives that `go install pkg@version` refuses.
readonly PINNED_VERSION=1.5.1
VERSION="${TEMPORAL_CLI_VERSION:-$PINNED_VERSION}"
VERSION="${VERSION#v}"
readonly VERSION
readonly PKG=github.com/temporalio/cli/cmd/temporal
# Same flags as the official release build (.goreleaser.yml of temporalio/cli):
# without -X the binary reports "0.0.0-DEV" instead of its version.
readonly LDFLAGS="-s -w -X github.com/temporalio/cli/temporalcli.Version=${VERSION}"
# Fallback pieces the CLI v1.5.1 embeds (see its go.mod).
readonly SERVER_VERSION=1.29.1
readonly UI_SERVER_VERSION=2.42.1
readonly PROGRESS_EVERY=10
# `go install` failures that mean a module (or toolchain) could not be downloaded/verified.
module_errors=(
  '(403|404|410) [A-Z]' 'Forbidden' 'reading https?://' 'reading .* at revision'
  'verifying .*(module|go\.mod)' 'checksum mismatch' 'SECURITY ERROR' 'unknown revision'
  'invalid version' 'malformed module path' 'toolchain not available'
  'dial tcp' 'no such host' 'proxyconnect' 'TLS handshake timeout'
)
printf -v MODULE_ERRORS_RE '%s|' "${module_errors[@]}"
readonly MODULE_ERRORS_RE="${MODULE_ERRORS_RE%|}"

me="${0##*/}"

log() { printf '%s: %s\n' "$me" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# `cat` for heredocs, builtins only (the no-Go error path must work with a bare PATH).
print_block() {
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do printf '%s\n' "$line"; done
}

usage() {
  print_block <<EOF
Usage: $me [--version | --help]

Finds or builds the Temporal CLI ${VERSION} and prints its absolute path on stdout
(progress and errors go to stderr).

Lookup order:
  1. \$TEMPORAL_CLI_PATH                      (must be an executable file)
  2. \`temporal\` on PATH reporting version ${VERSION}
  3. cached build: ${cache_root}/temporal-cli/${VERSION}/temporal
  4. build with \`go install ${PKG}@v${VERSION}\` into that cache
     (needs Go; takes several minutes; the log is kept next to the binary)

Environment:
  TEMPORAL_CLI_PATH     use this binary, skip everything else
  TEMPORAL_CLI_VERSION  version to find/build (default ${PINNED_VERSION})
  OSIGU_CACHE_DIR       cache root (default \${XDG_CACHE_HOME:-\$HOME/.cache}/osigu-webhooks)

Options:
  --version  print the pinned Temporal CLI version and exit
  --help     print this help and exit
EOF
}

# Absolute form of a path without resolving symlinks (builtins only).
absolute() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "${PWD%/}/${1#./}" ;;
  esac
}

install_hint() {
  print_block >&2 <<EOF
To get the Temporal CLI ${VERSION}, either:
  - install Go 1.25 or newer (https://go.dev/dl/ or your package manager; Go >= 1.21 also
    works as it fetches the newer toolchain itself) and rerun this script, or
  - download a Temporal CLI ${VERSION} release
    (https://github.com/temporalio/cli/releases/tag/v${VERSION}), unpack it and set
    TEMPORAL_CLI_PATH=/path/to/temporal
EOF
}

cache_root="${OSIGU_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/osigu-webhooks}"

while (($# > 0)); do
  case "$1" in
    --version)
      printf '%s\n' "$VERSION"
      exit 0
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      log "error: unknown argument: $1"
      usage >&2
      exit 2
      ;;
  esac
done

cache_root="$(absolute "$cache_root")"
cache_dir="${cache_root}/temporal-cli/${VERSION}"
cached_bin="${cache_dir}/temporal"

# 1. Explicit override.
if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -f "$TEMPORAL_CLI_PATH" && -x "$TEMPORAL_CLI_PATH" ]]; then
    absolute "$TEMPORAL_CLI_PATH"
    exit 0
  fi
  die "TEMPORAL_CLI_PATH=${TEMPORAL_CLI_PATH} is not an executable file"
fi

# 2. A `temporal` on PATH with the right version ("temporal version 1.5.1 (Server ..., UI ...)").
version_of() {
  local out
  if command -v timeout >/dev/null 2>&1; then
    out="$(timeout 20 "$1" --version 2>/dev/null)" || return 1
  else
    out="$("$1" --version 2>/dev/null)" || return 1
  fi
  out="${out%%$'\n'*}"
  out="${out#temporal version }"
  printf '%s\n' "${out%% *}"
}

while IFS= read -r candidate; do
  [[ -n "$candidate" && -f "$candidate" && -x "$candidate" ]] || continue
  found="$(version_of "$candidate")" || found="unknown"
  if [[ "$found" == "$VERSION" ]]; then
    absolute "$candidate"
    exit 0
  fi
  log "ignoring ${candidate}: version ${found:-unknown}, want ${VERSION}"
done < <(type -ap temporal || true)

# 3. Cached build.
if [[ -f "$cached_bin" && -x "$cached_bin" ]]; then
  printf '%s\n' "$cached_bin"
  exit 0
fi

# 4. Build it.
if ! command -v go >/dev/null 2>&1; then
  log "error: Temporal CLI ${VERSION} not found (not in TEMPORAL_CLI_PATH, not on PATH," \
    "not cached at ${cached_bin}) and Go is not installed, so it cannot be built."
  install_hint
  exit 1
fi

go_version="$(go env GOVERSION 2>/dev/null || true)" # e.g. go1.26.8
if [[ "$go_version" =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] < 21)); then
  log "error: ${go_version} is too old to build the Temporal CLI ${VERSION}."
  install_hint
  exit 1
fi

mkdir -p "$cache_dir"

# One builder per version; the others wait and then reuse its result.
exec 9>"${cache_dir}/.lock"
if ! flock -n 9; then
  log "another build of Temporal CLI ${VERSION} is running; waiting for it (lock ${cache_dir}/.lock)..."
  flock 9
fi
if [[ -f "$cached_bin" && -x "$cached_bin" ]]; then
  printf '%s\n' "$cached_bin"
  exit 0
fi

# Build into a temp dir on the same filesystem, then rename into place: an interrupted
# or failed build never leaves a partial binary at the cached path.
rm -rf "${cache_dir}"/.build.* # leftovers of killed builds (we hold the lock)
build_dir="$(mktemp -d "${cache_dir}/.build.XXXXXX")"
build_log="${cache_dir}/build.log"
build_pid=""
cleanup() {
  if [[ -n "$build_pid" ]]; then
    kill "$build_pid" 2>/dev/null || true
    wait "$build_pid" 2>/dev/null || true
  fi
  rm -rf "$build_dir"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Packages compiled so far = lines of the -v log that are not "go: ..." messages.
compiled_count() { grep -vc '^go: ' "$build_log" || true; }
last_package() { grep -v '^go: ' "$build_log" | tail -n 1 || true; }

log "building Temporal CLI ${VERSION} with ${go_version:-go} (takes several minutes, once per version)"
log "  go install -v -trimpath -ldflags='${LDFLAGS}' ${PKG}@v${VERSION}"
log "  log: ${build_log}"

start=$SECONDS
# CGO_ENABLED=0 as in the release build: the only cgo users are net/os/user (pure-Go
# fallbacks); SQLite is modernc.org/sqlite, pure Go.
CGO_ENABLED=0 GOBIN="$build_dir" \
  go install -v -trimpath -ldflags="$LDFLAGS" "${PKG}@v${VERSION}" >"$build_log" 2>&1 &
build_pid=$!

next_report=$((start + PROGRESS_EVERY))
while kill -0 "$build_pid" 2>/dev/null; do
  sleep 1
  if ((SECONDS >= next_report)); then
    next_report=$((SECONDS + PROGRESS_EVERY))
    downloads="$(grep -c '^go: downloading' "$build_log" || true)"
    pkg="$(last_package)"
    log "  ... $((SECONDS - start))s: ${downloads} modules downloaded, $(compiled_count) packages compiled${pkg:+, last: ${pkg}}"
  fi
done
if wait "$build_pid"; then rc=0; else rc=$?; fi
build_pid=""
elapsed=$((SECONDS - start))

if ((rc != 0)) || [[ ! -f "${build_dir}/temporal" ]]; then
  log "error: go install failed after ${elapsed}s (exit ${rc}). Last lines of ${build_log}:"
  tail -n 30 "$build_log" >&2 || true
  if grep -qE "$MODULE_ERRORS_RE" "$build_log"; then
    print_block >&2 <<EOF

$me: the Go module proxy refused (or could not serve) part of this build: a module
download failed, see the log above. Possible ways out:
  - retry later, or point GOPROXY / GONOSUMDB / GOFLAGS at a proxy that serves these modules;
  - download a Temporal CLI ${VERSION} release and set TEMPORAL_CLI_PATH=/path/to/temporal;
  - build the two parts the CLI bundles separately (not automated by this script;
    versions below are the ones CLI ${PINNED_VERSION} bundles):
      go install go.temporal.io/server/cmd/server@v${SERVER_VERSION}             # Temporal server
      go install github.com/temporalio/ui-server/v2/cmd/server@v${UI_SERVER_VERSION}  # Web UI
    (both binaries are named "server": use separate GOBIN dirs) and run them with a
    SQLite dev config; the CLI's "temporal server start-dev" does the same in-process.
EOF
  fi
  exit 1
fi

mv -f "${build_dir}/temporal" "$cached_bin"
size=$(($(wc -c <"$cached_bin")))
log "built in ${elapsed}s ($((elapsed / 60))m$((elapsed % 60))s), $(compiled_count) packages compiled;" \
  "binary ${size} bytes ($((size / 1048576)).$((size * 10 / 1048576 % 10)) MiB): ${cached_bin}"
if reported="$(version_of "$cached_bin")" && [[ "$reported" != "$VERSION" ]]; then
  log "warning: the new binary reports version '${reported}', expected ${VERSION}"
fi
printf '%s\n' "$cached_bin"
