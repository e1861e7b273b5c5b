#!/usr/bin/env bash
# builtin:http-proxy benchmark: the same origin behind Edge's `builtin:http-proxy` and behind nginx as an HTTP
# reverse proxy, in one run, all on 127.0.0.1:
#
#   direct      curl/wrk → origin (context: what the origin gives without a proxy in front)
#   http-proxy  curl/wrk → edge serve, one function builtin:http-proxy with Origin = the origin
#   nginx       curl/wrk → nginx as a reverse proxy (keep-alive upstream connections, responses streamed through a
#               64 KiB buffer, not buffered whole; X-Forwarded-* set, as Edge sets them) → the origin
#
# The origin is a separate nginx serving static files (sendfile), so it costs both proxies the same and little.
#
#   1. one 1 GiB download (single stream);
#   2. 16 parallel downloads of a 256 MiB file (aggregate MiB/s);
#   3. small responses (a 512-byte file) per second at concurrency 50 (wrk);
#   4. RSS of edge serve before and at peak over the whole run.
#
# Targets: http-proxy / nginx ≥ 0.9 on each of 1-3. Every download is checked for status and size, and one per path
# is hashed by the client and compared with the file's digest, so a broken path cannot look fast. See
# docs/benchmarks.md. Run with -h for options.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

BIG_MB=1024
PAR_MB=256
STREAMS=16
DURATION=10
RUNS=3
CONNECTIONS=50
MARKDOWN=""
EDGE_DIR=""

usage() {
  cat <<EOF
Usage: scripts/bench/http-proxy.sh [options]

Benchmarks Edge's builtin:http-proxy against nginx as a reverse proxy in front of the same origin.

Options:
  --big-mb N        size of the single-stream download, MiB (default $BIG_MB)
  --par-mb N        size of the file each parallel stream downloads, MiB (default $PAR_MB)
  --streams N       parallel downloads (default $STREAMS)
  --duration S      seconds of each request-rate measurement (default $DURATION)
  --connections N   wrk connections for the request-rate measurement (default $CONNECTIONS)
  --runs N          timed repetitions per measurement; the median is reported (default $RUNS)
  --markdown FILE   also write the results as a markdown fragment to FILE
  --edge-dir DIR    use an already published Edge (DIR/edge.dll) instead of publishing a snapshot
                    of src/ into the temporary directory
  --keep            keep the temporary directory (logs, configs, files) instead of removing it
  -h, --help        show this help

Needs: dotnet (SDK 10), nginx (nginx-light), curl, wrk, openssl, python3.
Exit status: 0 when every measurement ran and every check passed (whether or not the targets were
met), 1 when a check failed, 2 on a usage error.
EOF
}

BENCH=http-proxy
# shellcheck source=scripts/bench/lib.sh
source "$HERE/lib.sh"

ORIGINAL_ARGS=("$@")
while (($# > 0)); do
  case $1 in
    --big-mb) int_arg "$1" "${2:-}"; BIG_MB=$2; shift 2 ;;
    --par-mb) int_arg "$1" "${2:-}"; PAR_MB=$2; shift 2 ;;
    --streams) int_arg "$1" "${2:-}"; STREAMS=$2; shift 2 ;;
    --duration) int_arg "$1" "${2:-}"; DURATION=$2; shift 2 ;;
    --connections) int_arg "$1" "${2:-}"; CONNECTIONS=$2; shift 2 ;;
    --runs) int_arg "$1" "${2:-}"; RUNS=$2; shift 2 ;;
    *)
      common_option "$@"
      ((SHIFT > 0)) || unknown_option "$1"
      shift "$SHIFT"
      ;;
  esac
done
absolute_markdown

need_tools "apt-get install -y nginx-light wrk curl openssl python3; .NET SDK 10 for dotnet" \
  dotnet nginx curl wrk openssl python3 awk
bench_init
MACHINE="$MACHINE, $(first_line nginx -v | sed 's/^nginx version: //'), $(first_line curl --version | awk '{ print $1, $2 }'), $(first_line wrk --version | awk '{ print $1, $2 }')"
log "machine: $MACHINE; load average $LOAD_START"
log "temporary directory $WORK"
publish_edge

# ---------------------------------------------------------------------------------------------------
# The origin's files: random (incompressible) bytes, digests taken while writing.

mkdir -p "$WORK/www"
log "generating a ${BIG_MB} MiB and a ${PAR_MB} MiB file (random bytes)"
read -r BIG_DIGEST BIG_SIZE < <(python3 "$HERE/mkblob.py" "$WORK/www/big.bin" "$BIG_MB")
read -r PAR_DIGEST PAR_SIZE < <(python3 "$HERE/mkblob.py" "$WORK/www/par.bin" "$PAR_MB")
[[ $BIG_DIGEST == sha256:* && $PAR_DIGEST == sha256:* ]] || die "file generation failed"
head -c 512 /dev/urandom | base64 -w 0 | head -c 512 >"$WORK/www/small.txt"
SMALL_DIGEST=$(sha256_file "$WORK/www/small.txt")
echo ok >"$WORK/www/health"

# ---------------------------------------------------------------------------------------------------
# The origin (nginx, static files) and nginx as a reverse proxy: separate processes, every worker the machine
# allows. The proxy keeps upstream connections alive and streams responses through 64 KiB buffers (as
# scripts/bench/tunnel.sh configures it), and sets the X-Forwarded-* headers Edge sets.

ORIGIN_PORT=$(free_port)
NGINX_PORT=$(free_port)
EDGE_PORT=$(free_port)
ORIGIN="http://127.0.0.1:$ORIGIN_PORT"
NGINX="http://127.0.0.1:$NGINX_PORT"
EDGE="http://127.0.0.1:$EDGE_PORT"

# Workers run as the invoking user: the files live in the private temporary directory (as root, nginx would
# otherwise switch its workers to an unprivileged user that cannot read them; as any other user this is ignored).
nginx_common() { # NAME
  cat <<EOF
user $(id -un) $(id -gn);
worker_processes auto;
daemon off;
pid $WORK/$1/nginx.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 4096; }
EOF
}

mkdir -p "$WORK/origin/logs" "$WORK/proxy/logs"
{
  nginx_common origin
  cat <<EOF
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$ORIGIN_PORT; root $WORK/www; }
}
EOF
} >"$WORK/origin/nginx.conf"
{
  nginx_common proxy
  cat <<EOF
http {
  access_log off;
  keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_buffering off;
      proxy_buffer_size 64k;
      proxy_buffers 8 64k;
      proxy_busy_buffers_size 128k;
    }
  }
}
EOF
} >"$WORK/proxy/nginx.conf"

nginx -p "$WORK/origin" -c "$WORK/origin/nginx.conf" >"$WORK/origin.log" 2>&1 &
PIDS[origin]=$!
wait_http origin "$ORIGIN/health" 30
nginx -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS[nginx]=$!
wait_http nginx "$NGINX/health" 30

# edge serve with one function, builtin:http-proxy, for every host; the registry proxy off; request log lines off
# (Warning), as nginx's access log is.
dotnet "$EDGE_DLL" serve --urls "$EDGE" --Edge:DataDirectory="$WORK/edge-data" \
  --Functions:registry:Enabled=false --Functions:app:Handler=builtin:http-proxy --Functions:app:Routes:0='*' \
  --Functions:app:Vars:Origin="$ORIGIN" --Logging:LogLevel:Default=Warning >"$WORK/edge.log" 2>&1 &
PIDS[edge]=$!
wait_http edge "$EDGE/health" 120

PATHS=(direct http_proxy nginx)
base_of() {
  case $1 in
    direct) echo "$ORIGIN" ;;
    http_proxy) echo "$EDGE" ;;
    nginx) echo "$NGINX" ;;
  esac
}
label() {
  case $1 in
    direct) echo "direct to the origin (context)" ;;
    http_proxy) echo "Edge builtin:http-proxy" ;;
    nginx) echo "nginx reverse proxy" ;;
  esac
}

# RSS of edge serve: from here on, its peak (VmHWM reset via clear_refs where allowed; else sampled).
RSS_BEFORE=$(kib "${PIDS[edge]}" VmRSS)
RSS_METHOD="VmHWM (reset via clear_refs), never below 200 ms samples"
if ! { echo 5 >"/proc/${PIDS[edge]}/clear_refs"; } 2>/dev/null; then
  RSS_METHOD="VmRSS sampled every 200 ms"
fi
(
  while true; do
    kib "${PIDS[edge]}" VmRSS
    sleep 0.2
  done
) >"$WORK/rss.samples" 2>/dev/null &
PIDS[rss_sampler]=$!

log "verifying every path end to end"
declare -A VERIFIED=()
for path in "${PATHS[@]}"; do
  VERIFIED[$path]=$(fetch_verified "$(base_of "$path")/big.bin" "$BIG_DIGEST" "$BIG_SIZE")
  log "$path: verified ${BIG_MB} MiB download at ${VERIFIED[$path]} MiB/s (sha256 ok)"
done

declare -A SINGLE=() PARALLEL=() RPS=()
record() { # ARRAY KEY VALUE
  local -n target=$1
  target[$2]="${target[$2]:+${target[$2]} }$3"
}

# ---------------------------------------------------------------------------------------------------
# 1. Single stream. Paths interleave so that background load drifts hit all alike.

for ((run = 1; run <= RUNS; run++)); do
  for path in "${PATHS[@]}"; do
    speed=$(fetch_timed "$(base_of "$path")/big.bin" "$BIG_DIGEST" "$BIG_SIZE")
    record SINGLE "$path" "$speed"
    log "single stream, $path: $speed MiB/s"
  done
done

# ---------------------------------------------------------------------------------------------------
# 2. Parallel streams: STREAMS curls at once; aggregate = all bytes / wall time from first start to last end.

parallel_run() { # PATH -> prints aggregate MiB/s
  local path=$1 base i start end code bytes pids=()
  base=$(base_of "$path")
  start=$(date +%s.%N)
  for ((i = 0; i < STREAMS; i++)); do
    curl -sS --max-time "$(blob_timeout $((PAR_SIZE * STREAMS)))" -o /dev/null \
      -w '%{http_code} %{size_download}\n' "$base/par.bin" >"$WORK/par.$i" 2>&1 &
    pids+=($!)
  done
  for ((i = 0; i < STREAMS; i++)); do
    wait "${pids[$i]}" || die "parallel GET $i via $path failed: $(cat "$WORK/par.$i")"
  done
  end=$(date +%s.%N)
  for ((i = 0; i < STREAMS; i++)); do
    read -r code bytes <"$WORK/par.$i"
    [[ $code == 200 && $bytes == "$PAR_SIZE" ]] || die "parallel GET $i via $path: status $code, $bytes bytes (expected $PAR_SIZE)"
  done
  awk -v b=$((PAR_SIZE * STREAMS)) -v s="$start" -v e="$end" 'BEGIN { printf "%.1f\n", b / (e - s) / 1048576 }'
}

for ((run = 1; run <= RUNS; run++)); do
  for path in "${PATHS[@]}"; do
    speed=$(parallel_run "$path")
    record PARALLEL "$path" "$speed"
    log "$STREAMS parallel streams, $path: $speed MiB/s aggregate"
  done
done

# ---------------------------------------------------------------------------------------------------
# 3. Small responses: the 512-byte file, CONNECTIONS keep-alive connections, wrk with 2 threads, a 2 s warm-up,
# then DURATION s measured. Every response must be 200.

small_run() { # PATH -> prints requests/s
  local path=$1 url out requests non2xx errors body
  url="$(base_of "$path")/small.txt"
  body=$(curl -fsS --max-time 10 "$url" | openssl dgst -sha256 -r | cut -d' ' -f1) || die "GET $url via $path failed"
  [[ "sha256:$body" == "$SMALL_DIGEST" ]] || die "GET $url via $path returned bytes hashing to sha256:$body"
  timeout 30 wrk -t 2 -c "$CONNECTIONS" -d 2s --timeout 5s "$url" >/dev/null || die "wrk warm-up via $path failed"
  out=$(timeout $((DURATION + 30)) wrk -t 2 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s "$url") || die "wrk via $path failed"
  echo "$out" >>"$WORK/wrk-$path.txt"
  requests=$(awk '/ requests in / { print $1 }' <<<"$out")
  non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' <<<"$out")
  errors=$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")
  ((${requests:-0} > 0)) || die "wrk made no requests via $path (see $WORK/wrk-$path.txt)"
  ((${non2xx:-0} == 0 && ${errors:-0} == 0)) || die "wrk via $path: ${non2xx:-0} responses >= 300, ${errors:-0} socket errors (see $WORK/wrk-$path.txt)"
  awk '/^Requests\/sec/ { printf "%.0f\n", $2 }' <<<"$out"
}

for ((run = 1; run <= RUNS; run++)); do
  for path in "${PATHS[@]}"; do
    rps=$(small_run "$path")
    record RPS "$path" "$rps"
    log "small responses, $path: $rps req/s"
  done
done

# ---------------------------------------------------------------------------------------------------
# Results.

stop_proc rss_sampler
sampled=$(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' "$WORK/rss.samples")
RSS_PEAK=$(kib "${PIDS[edge]}" VmHWM)
if [[ $RSS_METHOD != VmHWM* ]] || ((sampled > RSS_PEAK)); then RSS_PEAK=$sampled; fi
RSS_PEAK=$((RSS_PEAK / 1024))
RSS_BEFORE=$((RSS_BEFORE / 1024))

declare -A MED_SINGLE=() MED_PAR=() MED_RPS=()
for path in "${PATHS[@]}"; do
  # shellcheck disable=SC2086 # space-separated lists of numbers
  MED_SINGLE[$path]=$(median ${SINGLE[$path]})
  # shellcheck disable=SC2086
  MED_PAR[$path]=$(median ${PARALLEL[$path]})
  # shellcheck disable=SC2086
  MED_RPS[$path]=$(median ${RPS[$path]})
done
R_SINGLE=$(ratio "${MED_SINGLE[http_proxy]}" "${MED_SINGLE[nginx]}")
R_PAR=$(ratio "${MED_PAR[http_proxy]}" "${MED_PAR[nginx]}")
R_RPS=$(ratio "${MED_RPS[http_proxy]}" "${MED_RPS[nginx]}")
R_NGX_SINGLE=$(ratio "${MED_SINGLE[nginx]}" "${MED_SINGLE[direct]}")
R_NGX_PAR=$(ratio "${MED_PAR[nginx]}" "${MED_PAR[direct]}")
R_NGX_RPS=$(ratio "${MED_RPS[nginx]}" "${MED_RPS[direct]}")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - START_SECONDS))
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMAND="scripts/bench/http-proxy.sh ${ORIGINAL_ARGS[*]}"

markdown() {
  local path
  echo "Run of $DATE, Edge $REVISION, \`$COMMAND\` ($((ELAPSED / 60)) min $((ELAPSED % 60)) s)."
  echo
  echo "Machine: $MACHINE. Load average at start $LOAD_START, at end $LOAD_END. The origin is nginx serving static files (sendfile); in front of it \`edge serve\` with one \`builtin:http-proxy\` function, and nginx as a reverse proxy (keep-alive upstream, \`proxy_buffering off\` with 64 KiB buffers, X-Forwarded-* set); request logging off in both. Medians of $RUNS timed runs per path, paths interleaved; every response checked for status and size, and one ${BIG_MB} MiB download per path hashed by the client (sha256 matched)."
  echo
  echo "| path | single ${BIG_MB} MiB stream, MiB/s | $STREAMS × ${PAR_MB} MiB in parallel, MiB/s | small responses, req/s (c=$CONNECTIONS) | verified download |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for path in "${PATHS[@]}"; do
    echo "| $(label "$path") | ${MED_SINGLE[$path]} (${SINGLE[$path]// /, }) | ${MED_PAR[$path]} (${PARALLEL[$path]// /, }) | ${MED_RPS[$path]} (${RPS[$path]// /, }) | ${VERIFIED[$path]} MiB/s |"
  done
  echo
  echo "**Memory** of \`edge serve\` over the whole run, MiB ($RSS_METHOD): before $RSS_BEFORE, peak $RSS_PEAK, growth $((RSS_PEAK - RSS_BEFORE))."
  echo
  echo "**Targets**"
  echo
  echo "| target | value | goal | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| single stream, http-proxy / nginx | $R_SINGLE | ≥ 0.9 | $(met "$R_SINGLE" 0.9 '>=') |"
  echo "| $STREAMS streams, http-proxy / nginx | $R_PAR | ≥ 0.9 | $(met "$R_PAR" 0.9 '>=') |"
  echo "| small responses, http-proxy / nginx | $R_RPS | ≥ 0.9 | $(met "$R_RPS" 0.9 '>=') |"
  echo "| single stream, nginx / direct | $R_NGX_SINGLE | (context) | |"
  echo "| $STREAMS streams, nginx / direct | $R_NGX_PAR | (context) | |"
  echo "| small responses, nginx / direct | $R_NGX_RPS | (context) | |"
}

FRAGMENT=$(markdown)
if [[ -n $MARKDOWN ]]; then
  echo "$FRAGMENT" >"$MARKDOWN"
  log "wrote $MARKDOWN"
fi
print_fragment "$FRAGMENT"
