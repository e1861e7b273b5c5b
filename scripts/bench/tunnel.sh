#!/usr/bin/env bash
# Tunnel benchmark: the same requests to `edge serve` (the registry proxy with its cache warm) three ways, in
# one run, all on 127.0.0.1:
#
#   direct  curl/wrk → edge serve
#   tunnel  curl/wrk → edge relay → (agent connections dialed by edge serve) → edge serve
#   tunnel over TLS  the same, with the agent dialing the relay over https (a second edge serve, the way a relay
#           on the internet is run), as context
#   ssh -R  curl/wrk → sshd's remote forward → ssh client → edge serve  (OpenSSH, the usual do-it-yourself
#           reverse tunnel; the ssh client plays the agent, sshd the relay)
#   forwarder  curl/wrk → nginx's stream module (a plain TCP forwarder, no HTTP, no multiplexing) → edge serve, as
#           context: any relay moves every byte through one more process like this, so on a machine shared by
#           client, relay and origin this is the ceiling for what a relay can reach against direct
#   nginx proxy  curl/wrk → nginx as an HTTP reverse proxy (keep-alive upstream, no buffering) → edge serve, as
#           context: routing by HTTP request like a relay, but with no tunnel behind it
#   baseline tunnel (with --baseline-rev REV)  the same as "tunnel" with relay and agent built from git revision
#           REV, so a change to the tunnel is measured before and after in one run
#
#   1. one 1 GiB blob download (single stream);
#   2. 16 parallel downloads of a 256 MiB blob (aggregate MiB/s);
#   3. small responses (a cached manifest, by digest) per second at concurrency 50 (wrk);
#   4. RSS of the relay and the agent before and at peak over the whole run.
#
# Every download is checked for status and size, and one per path is hashed by the client and compared with
# the digest, so a broken path cannot look fast. See docs/benchmarks.md. Run with -h for options.
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
BASELINE_REV=""
REPO="library/tunnelbench"
PUBLIC_HOST="bench.tunnel.test"
PUBLIC_TLS_HOST="benchtls.tunnel.test"
MANIFEST_TYPE="application/vnd.docker.distribution.manifest.v2+json"

usage() {
  cat <<EOF
Usage: scripts/bench/tunnel.sh [options]

Benchmarks Edge's tunnel (edge relay + the agent in edge serve) against direct requests and an OpenSSH
'ssh -R' reverse tunnel.

Options:
  --big-mb N        size of the single-stream blob, MiB (default $BIG_MB)
  --par-mb N        size of the blob each parallel stream downloads, MiB (default $PAR_MB)
  --streams N       parallel downloads (default $STREAMS)
  --duration S      seconds of each request-rate measurement (default $DURATION)
  --connections N   wrk connections for the request-rate measurement (default $CONNECTIONS)
  --runs N          timed repetitions per measurement; the median is reported (default $RUNS)
  --markdown FILE   also write the results as a markdown fragment to FILE
  --edge-dir DIR    use an already published Edge (DIR/edge.dll) instead of publishing a snapshot
                    of src/ into the temporary directory
  --baseline-rev REV  also measure the tunnel with relay and agent built from git revision REV (before and
                    after in one run; the ratios after/before are printed)
  --keep            keep the temporary directory (logs, configs, data) instead of removing it
  -h, --help        show this help

Needs: dotnet (SDK 10), docker-registry (CNCF distribution), curl, wrk, openssl, python3, OpenSSH server
and client (sshd, ssh, ssh-keygen), nginx with its stream module (nginx-light libnginx-mod-stream).
Exit status: 0 when every measurement ran and every check passed (whether or not the targets were
met), 1 when a check failed, 2 on a usage error.
EOF
}

BENCH=tunnel
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
    --baseline-rev) [[ -n ${2:-} ]] || { echo "$BENCH.sh: --baseline-rev needs a git revision" >&2; exit 2; }; BASELINE_REV=$2; shift 2 ;;
    *)
      common_option "$@"
      ((SHIFT > 0)) || unknown_option "$1"
      shift "$SHIFT"
      ;;
  esac
done
absolute_markdown

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[[ -x $SSHD ]] || die "sshd is not installed (apt-get install -y openssh-server)"
need_tools "apt-get install -y docker-registry wrk curl openssl python3 openssh-client nginx-light libnginx-mod-stream; .NET SDK 10 for dotnet" \
  dotnet docker-registry curl wrk openssl python3 awk ssh ssh-keygen nginx
# nginx's stream module: built in, or a dynamic module under --modules-path (Debian: libnginx-mod-stream).
NGINX_BUILD=$(nginx -V 2>&1)
NGINX_LOAD=""
if [[ $NGINX_BUILD == *--with-stream=dynamic* ]]; then
  NGINX_MODULES=$(grep -o -- '--modules-path=[^ ]*' <<<"$NGINX_BUILD" | cut -d= -f2)
  NGINX_MODULE="${NGINX_MODULES:-/usr/lib/nginx/modules}/ngx_stream_module.so"
  [[ -f $NGINX_MODULE ]] || die "nginx's stream module is missing ($NGINX_MODULE; apt-get install -y libnginx-mod-stream)"
  NGINX_LOAD="load_module $NGINX_MODULE;"
elif [[ $NGINX_BUILD != *--with-stream* ]]; then
  die "this nginx has no stream module (apt-get install -y nginx-light libnginx-mod-stream)"
fi
bench_init
MACHINE="$MACHINE, $(first_line ssh -V), $(first_line curl --version | awk '{ print $1, $2 }'), $(first_line wrk --version | awk '{ print $1, $2 }')"
log "machine: $MACHINE; load average $LOAD_START"
log "temporary directory $WORK"
publish_edge
if [[ -n $BASELINE_REV ]]; then
  publish_baseline "$BASELINE_REV"
fi

# ---------------------------------------------------------------------------------------------------
# Upstream and image: two random layers pushed to a plain distribution.

UP_PORT=$(free_port)
UPSTREAM="http://127.0.0.1:$UP_PORT"
write_distribution_config "$WORK/upstream.yml" "$UP_PORT" "$WORK/upstream-data"
docker-registry serve "$WORK/upstream.yml" >"$WORK/upstream.log" 2>&1 &
PIDS[upstream]=$!
wait_http upstream "$UPSTREAM/v2/" 30

mkdir -p "$WORK/image"
log "generating a ${BIG_MB} MiB and a ${PAR_MB} MiB layer (random bytes)"
read -r BIG_DIGEST BIG_SIZE < <(python3 "$HERE/mkblob.py" "$WORK/image/big.tar" "$BIG_MB")
read -r PAR_DIGEST PAR_SIZE < <(python3 "$HERE/mkblob.py" "$WORK/image/par.tar" "$PAR_MB")
[[ $BIG_DIGEST == sha256:* && $PAR_DIGEST == sha256:* ]] || die "blob generation failed"
log "pushing $REPO:big and $REPO:par to the upstream"
read -r MANIFEST_DIGEST _ < <(push_image big "$WORK/image/big.tar" "$BIG_DIGEST" "$BIG_SIZE")
push_image par "$WORK/image/par.tar" "$PAR_DIGEST" "$PAR_SIZE" >/dev/null
[[ $MANIFEST_DIGEST == sha256:* ]] || die "pushing the images failed"
rm -f "$WORK/image/big.tar" "$WORK/image/par.tar"

# ---------------------------------------------------------------------------------------------------
# edge serve (the agent's host), edge relay, and sshd + ssh -R. Request logging is off (Warning) everywhere.

EDGE_PORT=$(free_port)
RELAY_PORT=$(free_port)
RELAY_TLS_PORT=$(free_port)
EDGE_TLS_PORT=$(free_port)
SSHD_PORT=$(free_port)
SSH_FWD_PORT=$(free_port)
FWD_PORT=$(free_port)
NGX_HTTP_PORT=$(free_port)
BASE_RELAY_PORT=$(free_port)
BASE_EDGE_PORT=$(free_port)
BASE_RELAY="http://127.0.0.1:$BASE_RELAY_PORT"
BASE_EDGE="http://127.0.0.1:$BASE_EDGE_PORT"
EDGE="http://127.0.0.1:$EDGE_PORT"
RELAY="http://127.0.0.1:$RELAY_PORT"
SSH_FWD="http://127.0.0.1:$SSH_FWD_PORT"
FWD="http://127.0.0.1:$FWD_PORT"
NGX_HTTP="http://127.0.0.1:$NGX_HTTP_PORT"
EDGE_TLS="http://127.0.0.1:$EDGE_TLS_PORT"
TOKEN=$(openssl rand -hex 24)

# A private CA and a certificate for localhost, for the relay's https listener (agents dial it; clients do not).
mkdir -p "$WORK/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=edge bench CA" \
  -keyout "$WORK/tls/ca.key" -out "$WORK/tls/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/tls/relay.key" -out "$WORK/tls/relay.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/tls/ext.cnf"
openssl x509 -req -in "$WORK/tls/relay.csr" -CA "$WORK/tls/ca.pem" -CAkey "$WORK/tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$WORK/tls/ext.cnf" -out "$WORK/tls/relay.pem" 2>/dev/null || die "making the test certificate failed"

# Tokens travel in the environment, not on the command line.
Relay__Tunnels__0__Id=bench Relay__Tunnels__0__Token=$TOKEN \
  Relay__Ingress__0__Host=$PUBLIC_HOST Relay__Ingress__0__TunnelId=bench \
  Relay__Tunnels__1__Id=benchtls Relay__Tunnels__1__Token=$TOKEN \
  Relay__Ingress__1__Host=$PUBLIC_TLS_HOST Relay__Ingress__1__TunnelId=benchtls \
  Relay__Certificates__0__CertificatePath="$WORK/tls/relay.pem" Relay__Certificates__0__KeyPath="$WORK/tls/relay.key" \
  dotnet "$EDGE_DLL" relay --urls "$RELAY;https://127.0.0.1:$RELAY_TLS_PORT" --Logging:LogLevel:Default=Warning \
  >"$WORK/relay.log" 2>&1 &
PIDS[relay]=$!
wait_http relay "$RELAY/_edge/health" 120

Edge__Tunnel__Token=$TOKEN dotnet "$EDGE_DLL" serve --urls "$EDGE" --Edge:DataDirectory="$WORK/edge-data" \
  --Registry:Upstreams:docker:Url="$UPSTREAM" --Edge:Tunnel:RelayUri="$RELAY" --Edge:Tunnel:TunnelId=bench \
  --Logging:LogLevel:Default=Warning >"$WORK/edge.log" 2>&1 &
PIDS[edge]=$!
wait_http edge "$EDGE/_edge/ready" 120

Edge__Tunnel__Token=$TOKEN dotnet "$EDGE_DLL" serve --urls "$EDGE_TLS" --Edge:DataDirectory="$WORK/edge-tls-data" \
  --Registry:Upstreams:docker:Url="$UPSTREAM" --Edge:Tunnel:RelayUri="https://localhost:$RELAY_TLS_PORT" \
  --Edge:Tunnel:TunnelId=benchtls --Edge:Tunnel:CaCertificatePath="$WORK/tls/ca.pem" \
  --Logging:LogLevel:Default=Warning >"$WORK/edge_tls.log" 2>&1 &
PIDS[edge_tls]=$!
wait_http edge_tls "$EDGE_TLS/_edge/ready" 120

if [[ -n $BASELINE_REV ]]; then
  # The baseline's relay and agent: the same settings, its own data directory (warmed below like the others).
  Relay__Tunnels__0__Id=bench Relay__Tunnels__0__Token=$TOKEN \
    Relay__Ingress__0__Host=$PUBLIC_HOST Relay__Ingress__0__TunnelId=bench \
    dotnet "$BASE_DLL" relay --urls "$BASE_RELAY" --Logging:LogLevel:Default=Warning >"$WORK/relay_base.log" 2>&1 &
  PIDS[relay_base]=$!
  wait_http relay_base "$BASE_RELAY/_edge/health" 120
  Edge__Tunnel__Token=$TOKEN dotnet "$BASE_DLL" serve --urls "$BASE_EDGE" --Edge:DataDirectory="$WORK/edge-base-data" \
    --Registry:Upstreams:docker:Url="$UPSTREAM" --Edge:Tunnel:RelayUri="$BASE_RELAY" --Edge:Tunnel:TunnelId=bench \
    --Logging:LogLevel:Default=Warning >"$WORK/edge_base.log" 2>&1 &
  PIDS[edge_base]=$!
  wait_http edge_base "$BASE_EDGE/_edge/ready" 120
fi

mkdir -p "$WORK/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/client_key"
cp "$WORK/ssh/client_key.pub" "$WORK/ssh/authorized_keys"
chmod 600 "$WORK/ssh/authorized_keys"
cat >"$WORK/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $WORK/ssh/host_key
PidFile $WORK/ssh/sshd.pid
AuthorizedKeysFile $WORK/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding remote
GatewayPorts no
EOF
if ((EUID == 0)); then
  mkdir -p /run/sshd # privilege separation directory, normally created by the service unit
fi
"$SSHD" -D -e -f "$WORK/ssh/sshd_config" >"$WORK/sshd.log" 2>&1 &
PIDS[sshd]=$!
wait_tcp sshd "$SSHD_PORT" 30
# The ssh client (on the agent's side in real life) asks sshd to listen on SSH_FWD_PORT and forward to Edge.
ssh -N -F /dev/null -i "$WORK/ssh/client_key" -p "$SSHD_PORT" -o BatchMode=yes -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes -o ServerAliveInterval=15 -o LogLevel=ERROR \
  -R "127.0.0.1:$SSH_FWD_PORT:127.0.0.1:$EDGE_PORT" "$(id -un)@127.0.0.1" >"$WORK/ssh.log" 2>&1 &
PIDS[ssh]=$!
wait_http ssh "$SSH_FWD/_edge/health" 30
# nginx in front of edge serve, every worker the machine allows: a bare TCP forwarder (64 KiB buffers), and an HTTP
# reverse proxy (keep-alive upstream connections, responses streamed through a 64 KiB buffer, not buffered whole).
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
$NGINX_LOAD
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
stream {
  server { listen 127.0.0.1:$FWD_PORT; proxy_pass 127.0.0.1:$EDGE_PORT; proxy_buffer_size 64k; }
}
http {
  access_log off;
  upstream edge { server 127.0.0.1:$EDGE_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGX_HTTP_PORT;
    location / {
      proxy_pass http://edge;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_buffering off;
      proxy_buffer_size 64k;
      proxy_buffers 8 64k;
      proxy_busy_buffers_size 128k;
    }
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS[nginx]=$!
wait_http nginx "$FWD/_edge/health" 30
wait_http nginx "$NGX_HTTP/_edge/health" 30
CIPHER=$(ssh -G -F /dev/null 127.0.0.1 2>/dev/null | awk '$1 == "ciphers" { split($2, c, ","); print c[1] }')

# base_of PATH: the base URL of a path (direct, tunnel, tunnel_tls, ssh, forwarder, nginx_http); host_args PATH: its extra curl/wrk arguments,
# one per line (the tunnel's public host name).
base_of() {
  case $1 in
    direct) echo "$EDGE" ;;
    tunnel | tunnel_tls) echo "$RELAY" ;;
    tunnel_base) echo "$BASE_RELAY" ;;
    ssh) echo "$SSH_FWD" ;;
    forwarder) echo "$FWD" ;;
    nginx_http) echo "$NGX_HTTP" ;;
  esac
}
PATHS=(direct tunnel tunnel_tls ssh forwarder nginx_http)
if [[ -n $BASELINE_REV ]]; then
  PATHS=(direct tunnel tunnel_base tunnel_tls ssh forwarder nginx_http)
fi
host_args() {
  case $1 in
    tunnel | tunnel_base) printf '%s\n' -H "Host: $PUBLIC_HOST" ;;
    tunnel_tls) printf '%s\n' -H "Host: $PUBLIC_TLS_HOST" ;;
  esac
}

# Warm Edge's cache (the first GET of each blob goes upstream) and check every path end to end.
log "warming the cache and verifying every path"
BIG_URL_PATH="/v2/$REPO/blobs/$BIG_DIGEST"
PAR_URL_PATH="/v2/$REPO/blobs/$PAR_DIGEST"
fetch_verified "$EDGE$BIG_URL_PATH" "$BIG_DIGEST" "$BIG_SIZE" >/dev/null
fetch_verified "$EDGE$PAR_URL_PATH" "$PAR_DIGEST" "$PAR_SIZE" >/dev/null
fetch_verified "$EDGE_TLS$BIG_URL_PATH" "$BIG_DIGEST" "$BIG_SIZE" >/dev/null
fetch_verified "$EDGE_TLS$PAR_URL_PATH" "$PAR_DIGEST" "$PAR_SIZE" >/dev/null
if [[ -n $BASELINE_REV ]]; then
  fetch_verified "$BASE_EDGE$BIG_URL_PATH" "$BIG_DIGEST" "$BIG_SIZE" >/dev/null
  fetch_verified "$BASE_EDGE$PAR_URL_PATH" "$PAR_DIGEST" "$PAR_SIZE" >/dev/null
fi

# RSS: from here on, the relay's and the agent's peak (VmHWM reset via clear_refs where allowed; else sampled).
declare -A RSS_BEFORE=()
RSS_METHOD="VmHWM (reset via clear_refs), never below 200 ms samples"
for name in relay edge; do
  RSS_BEFORE[$name]=$(kib "${PIDS[$name]}" VmRSS)
  if ! { echo 5 >"/proc/${PIDS[$name]}/clear_refs"; } 2>/dev/null; then
    RSS_METHOD="VmRSS sampled every 200 ms"
  fi
done
(
  while true; do
    echo "$(kib "${PIDS[relay]}" VmRSS) $(kib "${PIDS[edge]}" VmRSS)"
    sleep 0.2
  done
) >"$WORK/rss.samples" 2>/dev/null &
PIDS[rss_sampler]=$!

declare -A VERIFIED=()
for path in "${PATHS[@]}"; do
  mapfile -t extra < <(host_args "$path")
  VERIFIED[$path]=$(fetch_verified "$(base_of "$path")$BIG_URL_PATH" "$BIG_DIGEST" "$BIG_SIZE" "${extra[@]}")
  log "$path: verified ${BIG_MB} MiB download at ${VERIFIED[$path]} MiB/s (sha256 ok)"
done

# ---------------------------------------------------------------------------------------------------
# 1. Single stream. Paths interleave so that background load drifts hit all alike.

declare -A SINGLE=() PARALLEL=() RPS=()
record() { # ARRAY KEY VALUE
  local -n target=$1
  target[$2]="${target[$2]:+${target[$2]} }$3"
}

for ((run = 1; run <= RUNS; run++)); do
  for path in "${PATHS[@]}"; do
    mapfile -t extra < <(host_args "$path")
    speed=$(fetch_timed "$(base_of "$path")$BIG_URL_PATH" "$BIG_DIGEST" "$BIG_SIZE" "${extra[@]}")
    record SINGLE "$path" "$speed"
    log "single stream, $path: $speed MiB/s"
  done
done

# ---------------------------------------------------------------------------------------------------
# 2. Parallel streams: STREAMS curls at once; aggregate = all bytes / wall time from first start to last end.

parallel_run() { # PATH -> prints aggregate MiB/s
  local path=$1 base i start end code bytes pids=()
  base=$(base_of "$path")
  mapfile -t extra < <(host_args "$path")
  start=$(date +%s.%N)
  for ((i = 0; i < STREAMS; i++)); do
    curl -sS --max-time "$(blob_timeout $((PAR_SIZE * STREAMS)))" -o /dev/null "${extra[@]}" \
      -w '%{http_code} %{size_download}\n' "$base$PAR_URL_PATH" >"$WORK/par.$i" 2>&1 &
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
# 3. Small responses: the cached manifest by digest, CONNECTIONS keep-alive connections, wrk with 2 threads,
# a 2 s warm-up, then DURATION s measured. Every response must be 200.

small_run() { # PATH -> prints requests/s
  local path=$1 url out requests non2xx errors body
  url="$(base_of "$path")/v2/$REPO/manifests/$MANIFEST_DIGEST"
  mapfile -t extra < <(host_args "$path")
  body=$(curl -fsS --max-time 10 "${extra[@]}" -H "Accept: $MANIFEST_TYPE" "$url" | openssl dgst -sha256 -r | cut -d' ' -f1) \
    || die "GET $url via $path failed"
  [[ "sha256:$body" == "$MANIFEST_DIGEST" ]] || die "GET $url via $path returned a manifest hashing to sha256:$body"
  timeout 30 wrk -t 2 -c "$CONNECTIONS" -d 2s --timeout 5s "${extra[@]}" -H "Accept: $MANIFEST_TYPE" "$url" >/dev/null \
    || die "wrk warm-up via $path failed"
  out=$(timeout $((DURATION + 30)) wrk -t 2 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 5s "${extra[@]}" \
    -H "Accept: $MANIFEST_TYPE" "$url") || die "wrk via $path failed"
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
declare -A RSS_PEAK=()
i=0
for name in relay edge; do
  i=$((i + 1))
  sampled=$(awk -v f=$i 'BEGIN { m = 0 } $f > m { m = $f } END { print m }' "$WORK/rss.samples")
  peak=$(kib "${PIDS[$name]}" VmHWM)
  if [[ $RSS_METHOD != VmHWM* ]] || ((sampled > peak)); then peak=$sampled; fi
  RSS_PEAK[$name]=$((peak / 1024))
  RSS_BEFORE[$name]=$((RSS_BEFORE[$name] / 1024))
done

declare -A MED_SINGLE=() MED_PAR=() MED_RPS=()
for path in "${PATHS[@]}"; do
  # shellcheck disable=SC2086 # space-separated lists of numbers
  MED_SINGLE[$path]=$(median ${SINGLE[$path]})
  # shellcheck disable=SC2086
  MED_PAR[$path]=$(median ${PARALLEL[$path]})
  # shellcheck disable=SC2086
  MED_RPS[$path]=$(median ${RPS[$path]})
done
R_SINGLE_DIRECT=$(ratio "${MED_SINGLE[tunnel]}" "${MED_SINGLE[direct]}")
R_SINGLE_SSH=$(ratio "${MED_SINGLE[tunnel]}" "${MED_SINGLE[ssh]}")
R_PAR_DIRECT=$(ratio "${MED_PAR[tunnel]}" "${MED_PAR[direct]}")
R_PAR_SSH=$(ratio "${MED_PAR[tunnel]}" "${MED_PAR[ssh]}")
R_RPS_DIRECT=$(ratio "${MED_RPS[tunnel]}" "${MED_RPS[direct]}")
R_RPS_SSH=$(ratio "${MED_RPS[tunnel]}" "${MED_RPS[ssh]}")
R_TLS_SINGLE_SSH=$(ratio "${MED_SINGLE[tunnel_tls]}" "${MED_SINGLE[ssh]}")
R_TLS_PAR_SSH=$(ratio "${MED_PAR[tunnel_tls]}" "${MED_PAR[ssh]}")
R_FWD_SINGLE=$(ratio "${MED_SINGLE[forwarder]}" "${MED_SINGLE[direct]}")
R_FWD_PAR=$(ratio "${MED_PAR[forwarder]}" "${MED_PAR[direct]}")
R_FWD_RPS=$(ratio "${MED_RPS[forwarder]}" "${MED_RPS[direct]}")
R_NGX_SINGLE=$(ratio "${MED_SINGLE[nginx_http]}" "${MED_SINGLE[direct]}")
R_NGX_PAR=$(ratio "${MED_PAR[nginx_http]}" "${MED_PAR[direct]}")
R_NGX_RPS=$(ratio "${MED_RPS[nginx_http]}" "${MED_RPS[direct]}")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - START_SECONDS))
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMAND="scripts/bench/tunnel.sh ${ORIGINAL_ARGS[*]}"

label() {
  case $1 in
    direct) echo "direct to edge serve" ;;
    tunnel) echo "Edge tunnel (relay → agent)" ;;
    tunnel_tls) echo "Edge tunnel, agent over TLS (context)" ;;
    tunnel_base) echo "Edge tunnel at $BASE_REVISION (baseline)" ;;
    ssh) echo "OpenSSH ssh -R" ;;
    forwarder) echo "TCP forwarder, nginx stream (context: a relay's ceiling here)" ;;
    nginx_http) echo "HTTP reverse proxy, nginx (context: routing like a relay, no tunnel)" ;;
  esac
}

markdown() {
  local path
  echo "Run of $DATE, Edge $REVISION, \`$COMMAND\` ($((ELAPSED / 60)) min $((ELAPSED % 60)) s)."
  echo
  echo "Machine: $MACHINE. Load average at start $LOAD_START, at end $LOAD_END. The origin is \`edge serve\` with the registry proxy's cache warm; the tunnel runs h2c between relay and agent (plain TCP on loopback), and in the TLS row a second \`edge serve\` dials the relay's https listener (TLS 1.3, the relay's certificate from a private CA), as a relay on the internet is run; clients always speak plain HTTP to the relay; ssh uses its default cipher ($CIPHER). Medians of $RUNS timed runs per path, paths interleaved; every response checked for status and size, and one ${BIG_MB} MiB download per path hashed by the client (sha256 matched)."
  echo
  echo "| path | single ${BIG_MB} MiB stream, MiB/s | $STREAMS × ${PAR_MB} MiB in parallel, MiB/s | small responses, req/s (c=$CONNECTIONS) | verified download |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for path in "${PATHS[@]}"; do
    echo "| $(label "$path") | ${MED_SINGLE[$path]} (${SINGLE[$path]// /, }) | ${MED_PAR[$path]} (${PARALLEL[$path]// /, }) | ${MED_RPS[$path]} (${RPS[$path]// /, }) | ${VERIFIED[$path]} MiB/s |"
  done
  echo
  echo "**Memory** over the whole run, MiB ($RSS_METHOD):"
  echo
  echo "| process | before | peak | growth |"
  echo "| --- | ---: | ---: | ---: |"
  for name in relay edge; do
    echo "| $([[ $name == relay ]] && echo "edge relay" || echo "edge serve (agent)") | ${RSS_BEFORE[$name]} | ${RSS_PEAK[$name]} | $((RSS_PEAK[$name] - RSS_BEFORE[$name])) |"
  done
  echo
  echo "**Targets**"
  echo
  echo "| target | value | goal | result |"
  echo "| --- | ---: | ---: | --- |"
  echo "| single stream, tunnel / direct | $R_SINGLE_DIRECT | ≥ 0.5 | $(met "$R_SINGLE_DIRECT" 0.5 '>=') |"
  echo "| $STREAMS streams, tunnel / direct | $R_PAR_DIRECT | ≥ 0.7 | $(met "$R_PAR_DIRECT" 0.7 '>=') |"
  echo "| single stream, tunnel / ssh -R | $R_SINGLE_SSH | ≥ 1.0 | $(met "$R_SINGLE_SSH" 1.0 '>=') |"
  echo "| $STREAMS streams, tunnel / ssh -R | $R_PAR_SSH | ≥ 1.0 | $(met "$R_PAR_SSH" 1.0 '>=') |"
  echo "| small responses, tunnel / direct | $R_RPS_DIRECT | ≥ 0.8 | $(met "$R_RPS_DIRECT" 0.8 '>=') |"
  echo "| small responses, tunnel / ssh -R | $R_RPS_SSH | (context) | |"
  echo "| single stream, tunnel over TLS / ssh -R (both encrypted) | $R_TLS_SINGLE_SSH | (context) | |"
  echo "| $STREAMS streams, tunnel over TLS / ssh -R | $R_TLS_PAR_SSH | (context) | |"
  echo "| single stream, TCP forwarder / direct (ceiling) | $R_FWD_SINGLE | (context) | |"
  echo "| $STREAMS streams, TCP forwarder / direct (ceiling) | $R_FWD_PAR | (context) | |"
  echo "| small responses, TCP forwarder / direct (ceiling) | $R_FWD_RPS | (context) | |"
  echo "| single stream, nginx HTTP proxy / direct | $R_NGX_SINGLE | (context) | |"
  echo "| $STREAMS streams, nginx HTTP proxy / direct | $R_NGX_PAR | (context) | |"
  echo "| small responses, nginx HTTP proxy / direct | $R_NGX_RPS | (context) | |"
  if [[ -n $BASELINE_REV ]]; then
    echo "| single stream, tunnel / tunnel at $BASE_REVISION | $(ratio "${MED_SINGLE[tunnel]}" "${MED_SINGLE[tunnel_base]}") | ≥ 0.95 | $(met "$(ratio "${MED_SINGLE[tunnel]}" "${MED_SINGLE[tunnel_base]}")" 0.95 '>=') |"
    echo "| $STREAMS streams, tunnel / tunnel at $BASE_REVISION | $(ratio "${MED_PAR[tunnel]}" "${MED_PAR[tunnel_base]}") | ≥ 0.95 | $(met "$(ratio "${MED_PAR[tunnel]}" "${MED_PAR[tunnel_base]}")" 0.95 '>=') |"
    echo "| small responses, tunnel / tunnel at $BASE_REVISION | $(ratio "${MED_RPS[tunnel]}" "${MED_RPS[tunnel_base]}") | ≥ 0.95 | $(met "$(ratio "${MED_RPS[tunnel]}" "${MED_RPS[tunnel_base]}")" 0.95 '>=') |"
  fi
}

FRAGMENT=$(markdown)
if [[ -n $MARKDOWN ]]; then
  echo "$FRAGMENT" >"$MARKDOWN"
  log "wrote $MARKDOWN"
fi
print_fragment "$FRAGMENT"
