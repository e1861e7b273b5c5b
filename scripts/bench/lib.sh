# Shared by the benchmark scripts in this folder; sourced, not run. The caller sets BENCH (its name, for
# messages), HERE and ROOT before sourcing, and calls bench_init once its options are parsed.
# shellcheck shell=bash disable=SC2034 # the variables set here are read by the sourcing script

die() { echo "$BENCH.sh: $*" >&2; exit 1; }
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
int_arg() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "$BENCH.sh: $1 needs a positive integer, got '$2'" >&2; exit 2; }; }
need_tools() { # HINT TOOL...
  local hint=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is not installed ($hint)"
  done
}

# common_option ARGS...: the options every benchmark takes (--markdown FILE, --edge-dir DIR, --keep, -h); sets
# SHIFT to the number of arguments it used, 0 when $1 is not one of them. The caller defines usage().
common_option() {
  SHIFT=0
  case $1 in
    --markdown) [[ -n ${2:-} ]] || { echo "$BENCH.sh: --markdown needs a file" >&2; exit 2; }; MARKDOWN=$2; SHIFT=2 ;;
    --edge-dir) [[ -n ${2:-} ]] || { echo "$BENCH.sh: --edge-dir needs a directory" >&2; exit 2; }; EDGE_DIR=$2; SHIFT=2 ;;
    --keep) KEEP=1; SHIFT=1 ;;
    -h | --help) usage; exit 0 ;;
  esac
}

# unknown_option OPTION: the usage error for anything else.
unknown_option() {
  echo "$BENCH.sh: unknown option '$1'" >&2
  usage >&2
  exit 2
}

# absolute_markdown: MARKDOWN made absolute (the script changes directory later), its folder created.
absolute_markdown() {
  if [[ -n $MARKDOWN ]]; then
    mkdir -p "$(dirname "$MARKDOWN")"
    MARKDOWN=$(cd "$(dirname "$MARKDOWN")" && pwd)/$(basename "$MARKDOWN")
  fi
}

# ---------------------------------------------------------------------------------------------------
# Processes and cleanup: every background process is recorded by name in PIDS and stopped by its own id.

declare -A PIDS=()
WORK=""
KEEP=${KEEP:-0}

stop_proc() {
  local name=$1 pid i
  pid=${PIDS[$name]:-}
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$name]"
}

bench_cleanup() {
  local status=$? name
  trap - EXIT INT TERM
  for name in "${!PIDS[@]}"; do
    stop_proc "$name"
  done
  if [[ -n $WORK ]]; then
    if ((KEEP)); then
      log "kept $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  if ((status != 0)); then
    log "failed (exit $status) after $((SECONDS - START_SECONDS)) s"
  fi
  exit "$status"
}

# bench_init: temporary directory, traps, machine description (MACHINE, LOAD_START, REVISION).
bench_init() {
  WORK=$(mktemp -d "/tmp/edge-$BENCH.XXXXXX")
  START_SECONDS=$SECONDS
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
  MACHINE="nproc $(nproc), ${mem} GiB RAM, ${cpu:-unknown CPU}, kernel $(uname -r), .NET SDK $(dotnet --version 2>/dev/null || echo '?')"
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  REVISION=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -z ${EDGE_DIR:-} ]] && [[ -n $(GIT_OPTIONAL_LOCKS=0 git -C "$ROOT" status --porcelain -- src 2>/dev/null) ]]; then
    REVISION="$REVISION + uncommitted changes in src/"
  fi
}

# first_line CMD...: the first line a tool prints about itself (some, like wrk, exit non-zero after it).
first_line() { "$@" 2>&1 | head -n 1 || true; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http NAME URL SECONDS [CURL-ARGS...]: until URL answers 2xx, failing early if the process NAME exits.
wait_http() {
  local name=$1 url=$2 limit=$3 i
  shift 3
  for ((i = 0; i < limit * 10; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; then
      return 0
    fi
    kill -0 "${PIDS[$name]}" 2>/dev/null || { tail -n 30 "$WORK/$name.log" >&2 || true; die "$name exited during start-up"; }
    sleep 0.1
  done
  tail -n 30 "$WORK/$name.log" >&2 || true
  die "$name did not answer $url within $limit s"
}

# wait_tcp NAME PORT SECONDS: until 127.0.0.1:PORT accepts connections, failing early if the process NAME exits.
wait_tcp() {
  local name=$1 port=$2 limit=$3 i
  for ((i = 0; i < limit * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    kill -0 "${PIDS[$name]}" 2>/dev/null || { tail -n 30 "$WORK/$name.log" >&2 || true; die "$name exited during start-up"; }
    sleep 0.1
  done
  tail -n 30 "$WORK/$name.log" >&2 || true
  die "$name did not listen on port $port within $limit s"
}

# publish_edge: EDGE_DLL from --edge-dir, or a Release publish of a snapshot of src/ (others may be editing
# it; their bin/obj are left alone).
publish_edge() {
  if [[ -z ${EDGE_DIR:-} ]]; then
    log "publishing Edge (snapshot of src/ at $REVISION)"
    mkdir -p "$WORK/src-snapshot"
    tar -C "$ROOT" --exclude=bin --exclude=obj -cf - src .editorconfig Directory.Build.props Directory.Packages.props global.json \
      | tar -C "$WORK/src-snapshot" -xf -
    if ! timeout 900 dotnet publish "$WORK/src-snapshot/src/EdgeHost" -c Release -o "$WORK/edge" --nologo >"$WORK/publish.log" 2>&1; then
      tail -n 30 "$WORK/publish.log" >&2
      die "dotnet publish failed (log above)"
    fi
    EDGE_DIR="$WORK/edge"
  fi
  EDGE_DLL="$EDGE_DIR/edge.dll"
  [[ -f $EDGE_DLL ]] || die "$EDGE_DLL does not exist"
}

# publish_baseline REV: BASE_DLL, a Release publish of git revision REV of this repository (for "before and after
# in one run" comparisons); BASE_REVISION its short hash.
publish_baseline() {
  local rev=$1
  BASE_REVISION=$(git -C "$ROOT" rev-parse --short "$rev^{commit}" 2>/dev/null) || die "--baseline-rev: '$rev' is not a commit"
  log "publishing the baseline Edge ($BASE_REVISION)"
  mkdir -p "$WORK/baseline-src"
  git -C "$ROOT" archive "$BASE_REVISION" src .editorconfig Directory.Build.props Directory.Packages.props global.json \
    | tar -C "$WORK/baseline-src" -xf - || die "git archive $BASE_REVISION failed"
  if ! timeout 900 dotnet publish "$WORK/baseline-src/src/EdgeHost" -c Release -o "$WORK/edge-baseline" --nologo >"$WORK/publish-baseline.log" 2>&1; then
    tail -n 30 "$WORK/publish-baseline.log" >&2
    die "dotnet publish of the baseline failed (log above)"
  fi
  BASE_DLL="$WORK/edge-baseline/edge.dll"
}

# ---------------------------------------------------------------------------------------------------
# A plain CNCF distribution and images pushed to it with curl (monolithic, streamed from disk). The
# caller sets UPSTREAM, REPO and MANIFEST_TYPE.

write_distribution_config() { # FILE PORT ROOTDIR [REMOTEURL]
  {
    echo "version: 0.1"
    echo "log: { level: error, accesslog: { disabled: true } }"
    echo "storage: { filesystem: { rootdirectory: $3 }, delete: { enabled: true }, cache: { blobdescriptor: inmemory } }"
    echo "http: { addr: 127.0.0.1:$2, secret: edge-bench }"
    if [[ -n ${4:-} ]]; then
      echo "proxy: { remoteurl: $4 }"
    fi
  } >"$1"
}

sha256_file() { echo "sha256:$(openssl dgst -sha256 -r "$1" | cut -d' ' -f1)"; }

push_blob() { # FILE DIGEST
  local location
  location=$(curl -fsS --max-time 30 -X POST -D - -o /dev/null "$UPSTREAM/v2/$REPO/blobs/uploads/" \
    | awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
  [[ -n $location ]] || die "upstream gave no upload location"
  [[ $location == http* ]] || location="$UPSTREAM$location"
  if [[ $location == *\?* ]]; then location="$location&digest=$2"; else location="$location?digest=$2"; fi
  curl -fsS --max-time 900 -X PUT -H 'Content-Type: application/octet-stream' -T "$1" -o /dev/null "$location" \
    || die "pushing $2 failed"
}

push_image() { # TAG LAYERFILE LAYERDIGEST LAYERSIZE -> prints "MANIFESTDIGEST CONFIGDIGEST"
  local tag=$1 file=$2 digest=$3 size=$4 config manifest config_digest config_size
  config="$WORK/image/config-$tag.json"
  manifest="$WORK/image/manifest-$tag.json"
  printf '{"architecture":"amd64","os":"linux","config":{"Labels":{"edge.bench":"%s"}},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$tag" "$digest" >"$config"
  config_digest=$(sha256_file "$config")
  config_size=$(stat -c %s "$config")
  push_blob "$config" "$config_digest"
  push_blob "$file" "$digest"
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar","size":%s,"digest":"%s"}]}' \
    "$MANIFEST_TYPE" "$config_size" "$config_digest" "$size" "$digest" >"$manifest"
  curl -fsS --max-time 30 -X PUT -H "Content-Type: $MANIFEST_TYPE" --data-binary "@$manifest" -o /dev/null \
    "$UPSTREAM/v2/$REPO/manifests/$tag" || die "pushing manifest $tag failed"
  echo "$(sha256_file "$manifest") $config_digest"
}

# ---------------------------------------------------------------------------------------------------
# Downloads. MB = MiB (2^20 bytes) throughout. Extra curl arguments (a Host header) follow the size.

blob_timeout() { echo $((120 + $1 / 1048576 / 10)); } # generous: 10 MiB/s would still finish

# fetch_timed URL DIGEST SIZE [CURL-ARGS...]: prints MiB/s; checks status and byte count.
fetch_timed() {
  local url=$1 size=$3 code bytes seconds
  shift 3
  read -r code bytes seconds < <(curl -sS --max-time "$(blob_timeout "$size")" -o /dev/null "$@" \
    -w '%{http_code} %{size_download} %{time_total}\n' "$url") || die "GET $url failed"
  [[ $code == 200 ]] || die "GET $url answered $code"
  [[ $bytes == "$size" ]] || die "GET $url returned $bytes bytes, expected $size"
  awk -v b="$bytes" -v t="$seconds" 'BEGIN { printf "%.1f\n", b / t / 1048576 }'
}

# fetch_verified URL DIGEST SIZE [CURL-ARGS...]: downloads while the client hashes; prints MiB/s; dies on
# any mismatch.
fetch_verified() {
  local url=$1 digest=$2 size=$3 hash code bytes seconds
  shift 3
  hash=$(curl -sS --max-time "$(blob_timeout "$size")" -o - "$@" \
    -w '%{stderr}%{http_code} %{size_download} %{time_total}\n' "$url" 2>"$WORK/verify.meta" \
    | openssl dgst -sha256 -r | cut -d' ' -f1) || die "GET $url failed: $(cat "$WORK/verify.meta")"
  read -r code bytes seconds <"$WORK/verify.meta"
  [[ $code == 200 ]] || die "GET $url answered $code"
  [[ $bytes == "$size" ]] || die "GET $url returned $bytes bytes, expected $size"
  [[ "sha256:$hash" == "$digest" ]] || die "GET $url returned bytes hashing to sha256:$hash, expected $digest"
  awk -v b="$bytes" -v t="$seconds" 'BEGIN { printf "%.1f\n", b / t / 1048576 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (b > 0 ? a / b : 0) }'; }
met() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "<" ? v < t : v >= t); print (ok ? "met" : "MISSED") }'; }

# CPU time (user + system, clock ticks) a process has used so far.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# kib PID FIELD: a /proc/PID/status field in KiB (VmRSS, VmHWM).
kib() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"; }

# print_fragment TEXT: the markdown tables for a terminal, rows turned into aligned columns.
print_fragment() {
  echo
  echo "$1" | sed -e 's/\*\*//g' -e 's/`//g' -e 's/≥/>=/g' | awk '
    /^\| ---/ { next }
    /^\|/ { line = $0; gsub(/^\| *| *\|$/, "", line); n = split(line, f, / *\| */)
            out = sprintf("  %-48s", f[1]); for (i = 2; i <= n; i++) out = out sprintf(" %-26s", f[i]); sub(/ +$/, "", out); print out; next }
    { print }'
}
