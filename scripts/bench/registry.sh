#!/usr/bin/env bash
# Registry benchmark: Edge's pull-through proxy against a plain CNCF distribution upstream and against
# distribution in proxy mode, all on 127.0.0.1, in one run with one generated image.
#
#   1. single-stream blob throughput: upstream direct, Edge cold/warm, distribution proxy cold/warm;
#   2. manifest HEAD requests/s at concurrency 32 (ab -i -k): Edge vs distribution proxy, by tag and by
#      digest; manifest GET by tag with wrk as context;
#   3. RSS growth of Edge (and, as context, distribution proxy) during a cold 2 GB blob download.
#
# Every received blob is checked for status and size; each configuration also gets one download whose
# bytes are hashed by the client and compared with the digest, so a broken proxy cannot look fast.
# See docs/benchmarks.md. Run with -h for options.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

LAYER_MB=512
BIG_MB=2048
DURATION=10
RUNS=3
CONNECTIONS=32
KEEP=0
MARKDOWN=""
EDGE_DIR=""
WARM_MB=64 # warm-up blob, fetched through each freshly started proxy before anything is measured
REPO="library/edgebench"
MANIFEST_TYPE="application/vnd.docker.distribution.manifest.v2+json"

usage() {
  cat <<EOF
Usage: scripts/bench/registry.sh [options]

Benchmarks Edge's registry proxy against a plain distribution upstream and distribution in proxy mode.

Options:
  --layer-mb N      size of the image's single random layer, MiB (default $LAYER_MB; the benchmark
                    specifies at least 512, smaller sizes are for smoke tests)
  --big-mb N        size of the blob for the RSS measurement, MiB (default $BIG_MB)
  --duration S      seconds of each request-rate measurement, ab and wrk (default $DURATION)
  --runs N          timed downloads per blob configuration; the median is reported (default $RUNS)
  --markdown FILE   also write the results as a markdown fragment to FILE
  --edge-dir DIR    use an already published Edge (DIR/edge.dll) instead of publishing a snapshot
                    of src/ into the temporary directory
  --keep            keep the temporary directory (logs, configs, data) instead of removing it
  -h, --help        show this help

Needs: dotnet (SDK 10), docker-registry (CNCF distribution), curl, ab (apache2-utils), wrk, openssl,
python3.
Exit status: 0 when every measurement ran and every check passed (whether or not the targets were
met), 1 when a check failed, 2 on a usage error.
EOF
}

BENCH=registry
# shellcheck source=scripts/bench/lib.sh
source "$HERE/lib.sh"

ORIGINAL_ARGS=("$@")
while (($# > 0)); do
  case $1 in
    --layer-mb) int_arg "$1" "${2:-}"; LAYER_MB=$2; shift 2 ;;
    --big-mb) int_arg "$1" "${2:-}"; BIG_MB=$2; shift 2 ;;
    --duration) int_arg "$1" "${2:-}"; DURATION=$2; shift 2 ;;
    --runs) int_arg "$1" "${2:-}"; RUNS=$2; shift 2 ;;
    *)
      common_option "$@"
      ((SHIFT > 0)) || unknown_option "$1"
      shift "$SHIFT"
      ;;
  esac
done
absolute_markdown

need_tools "apt-get install -y docker-registry apache2-utils wrk curl openssl python3; .NET SDK 10 for dotnet" \
  dotnet docker-registry curl ab wrk openssl python3 awk
bench_init
MACHINE="$MACHINE, $(first_line docker-registry --version | awk '{ print $2, $3 }'), $(first_line curl --version | awk '{ print $1, $2 }'), $(first_line wrk --version | awk '{ print $1, $2 }')"
log "machine: $MACHINE; load average $LOAD_START"
log "temporary directory $WORK"

publish_edge

# ---------------------------------------------------------------------------------------------------
# The image: one random layer of LAYER_MB, a tiny config, a schema 2 manifest; a second image whose layer
# is the BIG_MB blob for the RSS measurement. Pushed to a plain distribution with curl (monolithic,
# streamed from disk).

UP_PORT=$(free_port)
UPSTREAM="http://127.0.0.1:$UP_PORT"

write_distribution_config "$WORK/upstream.yml" "$UP_PORT" "$WORK/upstream-data"
docker-registry serve "$WORK/upstream.yml" >"$WORK/upstream.log" 2>&1 &
PIDS[upstream]=$!
wait_http upstream "$UPSTREAM/v2/" 30

mkdir -p "$WORK/image"
log "generating the ${LAYER_MB} MiB layer, the ${BIG_MB} MiB blob and a ${WARM_MB} MiB warm-up blob (random bytes)"
read -r LAYER_DIGEST LAYER_SIZE < <(python3 "$HERE/mkblob.py" "$WORK/image/layer.tar" "$LAYER_MB")
read -r BIG_DIGEST BIG_SIZE < <(python3 "$HERE/mkblob.py" "$WORK/image/big.tar" "$BIG_MB")
read -r WARM_DIGEST WARM_SIZE < <(python3 "$HERE/mkblob.py" "$WORK/image/warm.tar" "$WARM_MB")
[[ $LAYER_DIGEST == sha256:* && $BIG_DIGEST == sha256:* && $WARM_DIGEST == sha256:* ]] || die "blob generation failed"

log "pushing $REPO:bench, $REPO:big and $REPO:warmup to the upstream"
read -r MANIFEST_DIGEST CONFIG_DIGEST < <(push_image bench "$WORK/image/layer.tar" "$LAYER_DIGEST" "$LAYER_SIZE")
read -r BIG_MANIFEST_DIGEST _ < <(push_image big "$WORK/image/big.tar" "$BIG_DIGEST" "$BIG_SIZE")
read -r WARM_MANIFEST_DIGEST _ < <(push_image warmup "$WORK/image/warm.tar" "$WARM_DIGEST" "$WARM_SIZE")
[[ $MANIFEST_DIGEST == sha256:* && $BIG_MANIFEST_DIGEST == sha256:* && $WARM_MANIFEST_DIGEST == sha256:* ]] || die "pushing the images failed"
# The upstream has the bytes now; the sources only cost disk.
rm -f "$WORK/image/layer.tar" "$WORK/image/big.tar" "$WORK/image/warm.tar"
log "layer $LAYER_DIGEST ($LAYER_SIZE bytes), big blob $BIG_DIGEST ($BIG_SIZE bytes), manifest $MANIFEST_DIGEST"

# ---------------------------------------------------------------------------------------------------
# Proxies under test. Each (re)start gets an empty data directory; the previous one is deleted.

EDGE_PORT=$(free_port)
DIST_PORT=$(free_port)
EDGE="http://127.0.0.1:$EDGE_PORT"
DIST="http://127.0.0.1:$DIST_PORT"
GENERATION=0

start_edge() {
  stop_proc edge
  rm -rf "$WORK"/edge-data.*
  GENERATION=$((GENERATION + 1))
  # Request logging off (Warning), as distribution's access log is off: both serve, neither logs per request.
  dotnet "$EDGE_DLL" serve --urls "$EDGE" --Edge:DataDirectory="$WORK/edge-data.$GENERATION" \
    --Registry:Upstreams:docker:Url="$UPSTREAM" --Logging:LogLevel:Default=Warning >>"$WORK/edge.log" 2>&1 &
  PIDS[edge]=$!
  wait_http edge "$EDGE/_edge/health" 120
  warm_up "$EDGE"
}

start_dist() {
  stop_proc dist
  rm -rf "$WORK"/dist-data.*
  GENERATION=$((GENERATION + 1))
  write_distribution_config "$WORK/dist.yml" "$DIST_PORT" "$WORK/dist-data.$GENERATION" "$UPSTREAM"
  docker-registry serve "$WORK/dist.yml" >>"$WORK/dist.log" 2>&1 &
  PIDS[dist]=$!
  wait_http dist "$DIST/v2/" 30
  warm_up "$DIST"
}

# Cold means an empty cache, not a cold process: a long-running proxy has its code paths compiled. So each
# freshly started proxy first serves a client's first steps (manifest, config) and a separate WARM_MB blob,
# once from upstream (the shared-download path) and once from its cache, so that the .NET JIT has tiered up
# the copy loops before the measured layer, which stays cold, is requested.
warm_up() {
  local base=$1 i
  for ((i = 0; i < 3; i++)); do
    curl -fsS --max-time 30 -o /dev/null -H "Accept: $MANIFEST_TYPE" "$base/v2/$REPO/manifests/bench" || die "warm-up manifest GET from $base failed"
    curl -fsS --max-time 30 -o /dev/null "$base/v2/$REPO/blobs/$CONFIG_DIGEST" || die "warm-up config GET from $base failed"
  done
  for ((i = 0; i < 2; i++)); do
    fetch_timed "$base/v2/$REPO/blobs/$WARM_DIGEST" "$WARM_DIGEST" "$WARM_SIZE" >/dev/null
  done
}

# ---------------------------------------------------------------------------------------------------
# Blob downloads. MB = MiB (2^20 bytes) throughout.

declare -A SPEEDS=() VERIFIED=() CPU=()
record() { SPEEDS[$1]="${SPEEDS[$1]:+${SPEEDS[$1]} }$2"; }

# Server CPU (cpu_ticks, in lib.sh): the server's cost per byte is less sensitive to the box's other load
# than the wall-clock rate is.
# timed_run KEY URL PID: one timed download; records MiB/s and the serving process's CPU s per GiB.
timed_run() {
  local key=$1 url=$2 pid=$3 before after speed
  before=$(cpu_ticks "$pid")
  speed=$(fetch_timed "$url" "$LAYER_DIGEST" "$LAYER_SIZE")
  after=$(cpu_ticks "$pid")
  record "$key" "$speed"
  CPU[$key]="${CPU[$key]:+${CPU[$key]} }$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v b="$LAYER_SIZE" 'BEGIN { printf "%.2f\n", t / hz / (b / 1073741824) }')"
  log "$key: $speed MiB/s"
}

BLOB_PATH="/v2/$REPO/blobs/$LAYER_DIGEST"

# Cold: a fresh proxy per download. Run 0 is hashed by the client (verification), runs 1..RUNS are timed.
# Edge and distribution alternate so that background load drifts hit both alike.
for ((run = 0; run <= RUNS; run++)); do
  for proxy in edge dist; do
    "start_$proxy"
    base=$EDGE
    [[ $proxy == dist ]] && base=$DIST
    if ((run == 0)); then
      VERIFIED[${proxy}_cold]=$(fetch_verified "$base$BLOB_PATH" "$LAYER_DIGEST" "$LAYER_SIZE")
      log "$proxy cold (verified): ${VERIFIED[${proxy}_cold]} MiB/s"
    else
      timed_run "${proxy}_cold" "$base$BLOB_PATH" "${PIDS[$proxy]}"
    fi
  done
done

# Warm: the last cold download left both proxies with the layer cached. One hashed download each, then
# RUNS timed downloads per configuration, interleaved.
VERIFIED[direct]=$(fetch_verified "$UPSTREAM$BLOB_PATH" "$LAYER_DIGEST" "$LAYER_SIZE")
VERIFIED[edge_warm]=$(fetch_verified "$EDGE$BLOB_PATH" "$LAYER_DIGEST" "$LAYER_SIZE")
VERIFIED[dist_warm]=$(fetch_verified "$DIST$BLOB_PATH" "$LAYER_DIGEST" "$LAYER_SIZE")
log "verified: direct ${VERIFIED[direct]}, edge warm ${VERIFIED[edge_warm]}, dist warm ${VERIFIED[dist_warm]} MiB/s"
for ((run = 1; run <= RUNS; run++)); do
  timed_run direct "$UPSTREAM$BLOB_PATH" "${PIDS[upstream]}"
  timed_run edge_warm "$EDGE$BLOB_PATH" "${PIDS[edge]}"
  timed_run dist_warm "$DIST$BLOB_PATH" "${PIDS[dist]}"
done

# ---------------------------------------------------------------------------------------------------
# Manifest requests/s.

# check_head URL: the HEAD must answer 200 with the manifest's digest.
check_head() {
  local url=$1 expected=$2 headers code digest
  headers=$(curl -sS --max-time 10 -I -H "Accept: $MANIFEST_TYPE" "$url") || die "HEAD $url failed"
  code=$(awk 'NR == 1 { print $2 }' <<<"$headers")
  digest=$(awk 'tolower($1) == "docker-content-digest:" { print $2 }' <<<"$headers" | tr -d '\r')
  [[ $code == 200 ]] || die "HEAD $url answered $code"
  [[ $digest == "$expected" ]] || die "HEAD $url gave digest '$digest', expected $expected"
}

declare -A RPS=() GET_RPS=()
# run_head NAME URL: HEAD requests with ApacheBench (ab -i), CONNECTIONS concurrent keep-alive connections;
# a 2 s warm-up (JIT tiering, connection set-up), then DURATION s measured. wrk 4.1 cannot do this: its
# parser waits for the body that a HEAD response's Content-Length announces, so it stalls after the first
# response on each connection.
run_head() {
  local name=$1 url=$2 out complete failed non2xx keepalive
  check_head "$url" "$MANIFEST_DIGEST"
  timeout 30 ab -q -i -k -c "$CONNECTIONS" -t 2 -n 100000000 -s 10 -H "Accept: $MANIFEST_TYPE" "$url" >/dev/null 2>&1 \
    || die "ab warm-up against $url failed"
  # -n after -t: otherwise -t caps the run at 50000 requests.
  out=$(timeout $((DURATION + 30)) ab -q -i -k -c "$CONNECTIONS" -t "$DURATION" -n 100000000 -s 10 \
    -H "Accept: $MANIFEST_TYPE" "$url" 2>&1) || { echo "$out" >&2; die "ab against $url failed"; }
  echo "$out" >"$WORK/ab-$name.txt"
  complete=$(awk -F': *' '/^Complete requests/ { print $2 }' <<<"$out")
  failed=$(awk -F': *' '/^Failed requests/ { print $2 }' <<<"$out")
  non2xx=$(awk -F': *' '/^Non-2xx responses/ { print $2 }' <<<"$out")
  keepalive=$(awk -F': *' '/^Keep-Alive requests/ { print $2 }' <<<"$out")
  RPS[$name]=$(awk '/^Requests per second/ { printf "%.0f\n", $4 }' <<<"$out")
  ((${complete:-0} > 0)) || die "ab made no requests to $url (see $WORK/ab-$name.txt)"
  ((${failed:-0} == 0 && ${non2xx:-0} == 0)) || die "ab against $url: ${failed:-0} failed, ${non2xx:-0} non-2xx of $complete (see $WORK/ab-$name.txt)"
  ((${keepalive:-0} == complete)) || log "note: only ${keepalive:-0} of $complete HEAD requests to $name reused a connection"
  check_head "$url" "$MANIFEST_DIGEST"
  log "HEAD $name: ${RPS[$name]} req/s ($complete requests, all 200)"
}

# run_get NAME URL: manifest GETs with wrk (2 threads), as context: a second, multi-threaded client shows
# whether ab's single thread limited the HEAD numbers.
run_get() {
  local name=$1 url=$2 out requests non2xx errors body
  body=$(curl -fsS --max-time 10 -H "Accept: $MANIFEST_TYPE" "$url" | openssl dgst -sha256 -r | cut -d' ' -f1) || die "GET $url failed"
  [[ "sha256:$body" == "$MANIFEST_DIGEST" ]] || die "GET $url returned a manifest hashing to sha256:$body, expected $MANIFEST_DIGEST"
  timeout 30 wrk -t 2 -c "$CONNECTIONS" -d 2s --timeout 5s -H "Accept: $MANIFEST_TYPE" "$url" >/dev/null || die "wrk warm-up against $url failed"
  out=$(timeout $((DURATION + 30)) wrk -t 2 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s -H "Accept: $MANIFEST_TYPE" "$url") \
    || die "wrk against $url failed"
  echo "$out" >"$WORK/wrk-$name.txt"
  requests=$(awk '/ requests in / { print $1 }' <<<"$out")
  non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' <<<"$out")
  errors=$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")
  GET_RPS[$name]=$(awk '/^Requests\/sec/ { printf "%.0f\n", $2 }' <<<"$out")
  ((${requests:-0} > 0)) || die "wrk made no requests to $url (see $WORK/wrk-$name.txt)"
  ((${non2xx:-0} == 0 && ${errors:-0} == 0)) || die "wrk against $url: ${non2xx:-0} responses >= 400, ${errors:-0} socket errors (see $WORK/wrk-$name.txt)"
  log "GET $name: ${GET_RPS[$name]} req/s ($requests requests)"
}

run_head edge_tag "$EDGE/v2/$REPO/manifests/bench"
run_head dist_tag "$DIST/v2/$REPO/manifests/bench"
run_head edge_digest "$EDGE/v2/$REPO/manifests/$MANIFEST_DIGEST"
run_head dist_digest "$DIST/v2/$REPO/manifests/$MANIFEST_DIGEST"
run_get edge_tag "$EDGE/v2/$REPO/manifests/bench"
run_get dist_tag "$DIST/v2/$REPO/manifests/bench"

# ---------------------------------------------------------------------------------------------------
# Peak RSS during a cold BIG_MB download.

declare -A RSS_BEFORE=() RSS_PEAK=() RSS_SAMPLED=() RSS_METHOD=()
measure_rss() {
  local proxy=$1 base=$2 pid before sampled=0 now hwm method i code bytes
  "start_$proxy"
  pid=${PIDS[$proxy]}
  sleep 2 # let start-up allocations and the warm-up settle
  before=$(kib "$pid" VmRSS)
  method="VmHWM (reset via clear_refs)"
  if ! { echo 5 >"/proc/$pid/clear_refs"; } 2>/dev/null; then
    method="VmRSS sampled every 100 ms"
  fi
  curl -sS --max-time "$(blob_timeout "$BIG_SIZE")" -o - -w '%{stderr}%{http_code} %{size_download} %{time_total}\n' \
    "$base/v2/$REPO/blobs/$BIG_DIGEST" 2>"$WORK/big.meta" | openssl dgst -sha256 -r | cut -d' ' -f1 >"$WORK/big.hash" &
  PIDS[big_download]=$!
  for ((i = 0; i < $(blob_timeout "$BIG_SIZE") * 10; i++)); do
    now=$(kib "$pid" VmRSS)
    if ((now > sampled)); then sampled=$now; fi
    kill -0 "${PIDS[big_download]}" 2>/dev/null || break
    sleep 0.1
  done
  wait "${PIDS[big_download]}" || die "big download from $base failed: $(cat "$WORK/big.meta")"
  unset "PIDS[big_download]"
  read -r code bytes _ <"$WORK/big.meta"
  [[ $code == 200 && $bytes == "$BIG_SIZE" ]] || die "big download from $base: status $code, $bytes bytes (expected $BIG_SIZE)"
  [[ "sha256:$(cat "$WORK/big.hash")" == "$BIG_DIGEST" ]] || die "big download from $base: wrong bytes"
  hwm=$(kib "$pid" VmHWM)
  if [[ $method == VmHWM* ]]; then
    RSS_PEAK[$proxy]=$(( (hwm > sampled ? hwm : sampled) / 1024 ))
  else
    RSS_PEAK[$proxy]=$((sampled / 1024))
  fi
  RSS_BEFORE[$proxy]=$((before / 1024))
  RSS_SAMPLED[$proxy]=$((sampled / 1024))
  RSS_METHOD[$proxy]=$method
  log "RSS $proxy: before ${RSS_BEFORE[$proxy]} MiB, peak ${RSS_PEAK[$proxy]} MiB (sampled max ${RSS_SAMPLED[$proxy]} MiB; $method)"
  stop_proc "$proxy"
}

measure_rss edge "$EDGE"
measure_rss dist "$DIST"

# ---------------------------------------------------------------------------------------------------
# Results.

declare -A MED=() MED_CPU=()
for key in direct edge_cold edge_warm dist_cold dist_warm; do
  # shellcheck disable=SC2086 # space-separated lists of numbers
  MED[$key]=$(median ${SPEEDS[$key]})
  # shellcheck disable=SC2086
  MED_CPU[$key]=$(median ${CPU[$key]})
done
R_WARM_DIRECT=$(ratio "${MED[edge_warm]}" "${MED[direct]}")
R_COLD_COLD=$(ratio "${MED[edge_cold]}" "${MED[dist_cold]}")
R_WARM_WARM=$(ratio "${MED[edge_warm]}" "${MED[dist_warm]}")
R_HEAD_TAG=$(ratio "${RPS[edge_tag]}" "${RPS[dist_tag]}")
R_HEAD_DIGEST=$(ratio "${RPS[edge_digest]}" "${RPS[dist_digest]}")
R_GET_TAG=$(ratio "${GET_RPS[edge_tag]}" "${GET_RPS[dist_tag]}")
GROWTH_EDGE=$((RSS_PEAK[edge] - RSS_BEFORE[edge]))
GROWTH_DIST=$((RSS_PEAK[dist] - RSS_BEFORE[dist]))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - START_SECONDS))
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMAND="scripts/bench/registry.sh ${ORIGINAL_ARGS[*]}"

label() {
  case $1 in
    direct) echo "upstream direct" ;;
    edge_cold) echo "Edge cold" ;;
    edge_warm) echo "Edge warm" ;;
    dist_cold) echo "distribution proxy cold" ;;
    dist_warm) echo "distribution proxy warm" ;;
  esac
}

markdown() {
  local key
  echo "Run of $DATE, Edge $REVISION, \`$COMMAND\` ($((ELAPSED / 60)) min $((ELAPSED % 60)) s)."
  echo
  echo "Machine: $MACHINE. Load average at start $LOAD_START, at end $LOAD_END."
  echo
  echo "**Blob throughput**, one curl stream, ${LAYER_MB} MiB layer ($LAYER_SIZE bytes), MiB/s, median of $RUNS timed downloads (each cold download on a freshly started proxy with an empty cache). Server CPU = user + system CPU seconds the serving process (the proxy; the upstream for direct) used per GiB sent, median over the timed runs; in the cold rows the upstream's own CPU is not included. The verified download is an extra one whose bytes the client hashed (sha256 matched); the hashing slows the client, so it is not used for the median."
  echo
  echo "| configuration | median MiB/s | timed runs | server CPU s/GiB | verified download |"
  echo "| --- | ---: | --- | ---: | ---: |"
  for key in direct edge_cold edge_warm dist_cold dist_warm; do
    echo "| $(label "$key") | ${MED[$key]} | ${SPEEDS[$key]// /, } | ${MED_CPU[$key]} | ${VERIFIED[$key]} MiB/s, sha256 ok |"
  done
  echo
  echo "**Manifest requests/s**, $CONNECTIONS concurrent keep-alive connections, ${DURATION} s after a 2 s warm-up, Accept \`$MANIFEST_TYPE\`. HEAD with ApacheBench (\`ab -i -k\`, one client thread); GET with wrk (2 threads) as context. Every response was 200 (no failed or non-2xx responses, no socket errors), and curl confirmed status and digest before and after each HEAD run."
  echo
  echo "| request | Edge req/s | distribution proxy req/s | Edge / distribution |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| HEAD by tag | ${RPS[edge_tag]} | ${RPS[dist_tag]} | $R_HEAD_TAG |"
  echo "| HEAD by digest | ${RPS[edge_digest]} | ${RPS[dist_digest]} | $R_HEAD_DIGEST |"
  echo "| GET by tag (wrk, context) | ${GET_RPS[edge_tag]} | ${GET_RPS[dist_tag]} | $R_GET_TAG |"
  echo
  echo "**RSS during a cold ${BIG_MB} MiB blob download** (MiB; before = after start-up and warm-up; peak from ${RSS_METHOD[edge]}, never below the 100 ms samples)."
  echo
  echo "| process | before | peak | growth |"
  echo "| --- | ---: | ---: | ---: |"
  echo "| Edge | ${RSS_BEFORE[edge]} | ${RSS_PEAK[edge]} | $GROWTH_EDGE |"
  echo "| distribution proxy | ${RSS_BEFORE[dist]} | ${RSS_PEAK[dist]} | $GROWTH_DIST |"
  echo
  echo "**Targets**"
  echo
  echo "| target | value | goal | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| Edge warm / upstream direct | $R_WARM_DIRECT | ≥ 0.9 | $(met "$R_WARM_DIRECT" 0.9 '>=') |"
  echo "| Edge cold / distribution proxy cold | $R_COLD_COLD | ≥ 1.0 | $(met "$R_COLD_COLD" 1.0 '>=') |"
  echo "| Edge warm / distribution proxy warm | $R_WARM_WARM | (context) | |"
  echo "| manifest HEAD by tag, Edge / distribution proxy | $R_HEAD_TAG | ≥ 1.5 | $(met "$R_HEAD_TAG" 1.5 '>=') |"
  echo "| Edge RSS growth, cold ${BIG_MB} MiB download | $GROWTH_EDGE MiB | < 150 MiB | $(met "$GROWTH_EDGE" 150 '<') |"
}

FRAGMENT=$(markdown)
if [[ -n $MARKDOWN ]]; then
  echo "$FRAGMENT" >"$MARKDOWN"
  log "wrote $MARKDOWN"
fi

print_fragment "$FRAGMENT"
