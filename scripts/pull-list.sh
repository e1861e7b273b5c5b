#!/usr/bin/env bash
# pull-list.sh - pull a list of container images through an Edge registry mirror.
#
# See `pull-list.sh --help` and docs/pull-list.md.
# Requirements: bash 4+, coreutils. No eval of input; every command is built as an array.

set -euo pipefail
LC_ALL=C # byte-wise character classes in [[ =~ ]] and globs

PROG=${0##*/}

usage() {
	cat <<EOF
Usage: $PROG [options] LIST

Pull every image listed in LIST (a file, or - for stdin) through an Edge
registry mirror, then retag it to its original name.

LIST format: one image reference per line. Blank lines and # comments (whole
line, or trailing after whitespace) are ignored; surrounding whitespace is
trimmed. References are normalized like docker does:
  nginx                    -> docker.io/library/nginx:latest
  user/app:1               -> docker.io/user/app:1
  ghcr.io/owner/app        -> ghcr.io/owner/app:latest
  localhost:5000/app@sha256:<64 hex>   (digest kept; name:tag@sha256:... too)
A first path component is a registry host iff it contains '.' or ':' or is
'localhost'. index.docker.io and registry-1.docker.io are treated as docker.io.
Invalid references are reported as failures and never passed to a tool.

Mirror options:
  --mirror HOST[:PORT]    Edge mirror host (required; default: \$EDGE_MIRROR)
  --form path|subdomain   how to address the upstream registry (default: path)
                            path:      HOST[:PORT]/<registry-host>/<repo>:<tag>
                            subdomain: <name>.<domain>[:PORT]/<repo>:<tag>
  --domain DOMAIN         base domain for --form subdomain (required there);
                          the port of --mirror, if any, is appended
  --map HOST=NAME         map a registry host to a mirror name for subdomain
                          form (repeatable; overrides built-ins). Built-ins:
                            docker.io=docker ghcr.io=ghcr gcr.io=gcr
                            k8s.gcr.io=k8s-gcr registry.k8s.io=k8s quay.io=quay
                            mcr.microsoft.com=mcr public.ecr.aws=ecr
                          Unmapped hosts fall back to path form (with a warning).

Tool options:
  --tool TOOL             docker | podman | nerdctl | skopeo. Default: the
                          first that works, in that order (docker/podman/
                          nerdctl: 'TOOL info' succeeds; skopeo: --version)
  --tool-arg ARG          extra global argument for the tool, placed before
                          the subcommand (repeatable), e.g.
                          --tool-arg -H --tool-arg unix:///run/docker.sock
  --insecure              plain-HTTP / untrusted-TLS mirror: skopeo
                          --src-tls-verify=false, podman --tls-verify=false,
                          nerdctl --insecure-registry; docker has no per-pull
                          switch (configure insecure-registries in the daemon;
                          127.0.0.0/8 is insecure by default)
  --keep-mirror-tag       do not 'rmi' the mirror reference after retagging
  --skopeo-dest TEMPLATE  skopeo destination (default: dir:./pulled/{name}).
                          {name} = filesystem-safe normalized reference,
                          {ref}  = normalized reference without digest.
                          Any skopeo transport works, e.g. oci:./oci/{name}
                          or docker-archive:./tars/{name}.tar:{ref}

Run options:
  -j, --jobs N            parallel pulls, 1-64 (default: 3)
  --retries N             retries after a failed pull, 0-20 (default: 3)
  --retry-delay SECONDS   base delay, doubled per retry, capped at 60 s
                          (0-60, default: 2)
  --dry-run               print the planned commands, run nothing
  -q, --quiet             print only the summary (and warnings)
  -h, --help              show this help

What is run per image (MREF = mirror reference, ORIG = original name):
  docker|podman|nerdctl:  TOOL [ARGS] pull MREF; TOOL [ARGS] tag MREF ORIG;
                          TOOL [ARGS] rmi MREF (unless --keep-mirror-tag)
  skopeo:                 skopeo [ARGS] copy [--src-tls-verify=false]
                          docker://MREF DEST
  ORIG is the name docker shows (nginx:1.27, ghcr.io/owner/app:1); podman
  gets the fully qualified name (docker.io/library/nginx:1.27). A reference
  with a digest is pulled by digest; it is retagged to name:tag if a tag was
  given too, otherwise it is not retagged and the mirror reference is kept.

Output: one line per image as results arrive
  ok   ghcr.io/owner/app:1  (via M/ghcr.io/owner/app:1, 12s)
  FAIL quay.io/x/y:2  (via M/quay.io/x/y:2, 4 attempts, 31s): <last error line>
  skip nginx:latest  (line 9: duplicate of line 2)
followed by a summary with counts and the list of failures.

Exit status: 0 all images succeeded (or were skipped as duplicates);
             1 at least one image failed or was invalid;
             2 usage error (unknown option, missing mirror, unreadable list,
               bad value, no usable tool).

Examples:
  $PROG --mirror mirror.example.com images.txt
  $PROG --mirror mirror.example.com --form subdomain --domain example.com \\
      --map registry.example.org=corp images.txt
  $PROG --mirror 127.0.0.1:5000 --insecure --tool docker \\
      --tool-arg -H --tool-arg unix:///run/docker.sock images.txt
  $PROG --mirror 127.0.0.1:5000 --insecure --tool podman -j 6 images.txt
  $PROG --mirror 127.0.0.1:5000 --insecure --tool nerdctl \\
      --tool-arg --address --tool-arg /run/containerd/containerd.sock \\
      --tool-arg --namespace --tool-arg k8s.io images.txt
  $PROG --mirror 127.0.0.1:5000 --insecure --tool skopeo \\
      --skopeo-dest 'oci:./oci/{name}' images.txt
  printf 'nginx:1.27\\nghcr.io/owner/app:1\\n' | $PROG --mirror m.local --dry-run -
EOF
}

usage_error() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	printf "Try '%s --help' for more information.\n" "$PROG" >&2
	exit 2
}

warn() { printf '%s: warning: %s\n' "$PROG" "$1" >&2; }

# ---------------------------------------------------------------------------
# Reference grammar (github.com/distribution/reference), as ERE.
RE_DCOMP='([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])'
RE_HOSTNAME="${RE_DCOMP}(\\.${RE_DCOMP})*"
RE_DOMAIN="^(${RE_HOSTNAME}|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?\$"
RE_PCOMP='[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*'
RE_REPO="^${RE_PCOMP}(/${RE_PCOMP})*\$"
RE_TAG='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
RE_DIGEST='^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$'
RE_LABEL='^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'
RE_UINT='^[0-9]{1,6}$'

declare -A REG_NAME=(
	[docker.io]=docker
	[ghcr.io]=ghcr
	[gcr.io]=gcr
	[k8s.gcr.io]=k8s-gcr
	[registry.k8s.io]=k8s
	[quay.io]=quay
	[mcr.microsoft.com]=mcr
	[public.ecr.aws]=ecr
)

canon_host() { # lower-case; docker.io aliases -> docker.io
	local h=${1,,}
	case $h in
	index.docker.io | registry-1.docker.io) h=docker.io ;;
	esac
	printf '%s' "$h"
}

# ---------------------------------------------------------------------------
# Options
mirror=${EDGE_MIRROR:-}
form=path
domain=
tool=
tool_args=()
skopeo_dest='dir:./pulled/{name}'
skopeo_dest_set=0
insecure=0
jobs=3
retries=3
retry_delay=2
dry_run=0
quiet=0
keep_mirror_tag=0
positional=()

parse_uint() { # NAME VALUE MIN MAX -> prints decimal value
	local name=$1 v=$2 min=$3 max=$4 n
	[[ $v =~ $RE_UINT ]] || usage_error "option $name needs a non-negative integer, got '$v'"
	n=$((10#$v))
	((n >= min && n <= max)) || usage_error "option $name must be between $min and $max, got $n"
	printf '%s' "$n"
}

while (($# > 0)); do
	arg=$1
	shift
	name=$arg
	value=
	inline=0
	if [[ $arg == --*=* ]]; then
		name=${arg%%=*}
		value=${arg#*=}
		inline=1
	elif [[ $arg =~ ^-j([0-9]+)$ ]]; then
		name=-j
		value=${BASH_REMATCH[1]}
		inline=1
	fi
	case $name in
	--mirror | --form | --domain | --map | --tool | --tool-arg | --skopeo-dest | -j | --jobs | --retries | --retry-delay)
		if ((!inline)); then
			(($# > 0)) || usage_error "option $name requires a value"
			value=$1
			shift
		fi
		;;
	--insecure | --dry-run | -q | --quiet | --keep-mirror-tag | -h | --help)
		if ((inline)); then usage_error "option $name does not take a value"; fi
		;;
	esac
	case $name in
	-h | --help)
		usage
		exit 0
		;;
	--mirror) mirror=$value ;;
	--form) form=$value ;;
	--domain) domain=$value ;;
	--map)
		[[ $value == ?*=?* ]] || usage_error "--map needs HOST=NAME, got '$value'"
		map_host=${value%%=*}
		map_name=${value#*=}
		[[ $map_host =~ $RE_DOMAIN ]] || usage_error "--map: invalid registry host '$map_host'"
		[[ $map_name =~ $RE_LABEL ]] || usage_error "--map: invalid mirror name '$map_name' (lower-case DNS label expected)"
		REG_NAME[$(canon_host "$map_host")]=$map_name
		;;
	--tool) tool=$value ;;
	--tool-arg) tool_args+=("$value") ;;
	--skopeo-dest)
		skopeo_dest=$value
		skopeo_dest_set=1
		;;
	--insecure) insecure=1 ;;
	-j | --jobs) jobs=$(parse_uint "$name" "$value" 1 64) ;;
	--retries) retries=$(parse_uint "$name" "$value" 0 20) ;;
	--retry-delay) retry_delay=$(parse_uint "$name" "$value" 0 60) ;;
	--dry-run) dry_run=1 ;;
	-q | --quiet) quiet=1 ;;
	--keep-mirror-tag) keep_mirror_tag=1 ;;
	--)
		positional+=("$@")
		break
		;;
	-) positional+=("-") ;;
	-*) usage_error "unknown option: $arg" ;;
	*) positional+=("$arg") ;;
	esac
done

((${#positional[@]} > 0)) || usage_error "missing LIST (a file, or - for stdin)"
((${#positional[@]} == 1)) || usage_error "expected exactly one LIST, got ${#positional[@]} arguments"
list=${positional[0]}

[[ -n $mirror ]] || usage_error "missing --mirror HOST[:PORT] (or set EDGE_MIRROR)"
if [[ $mirror == *://* ]]; then
	usage_error "--mirror takes HOST[:PORT] without a scheme, got '$mirror' (use --insecure for plain HTTP)"
fi
mirror=${mirror,,}
[[ $mirror =~ $RE_DOMAIN ]] || usage_error "invalid --mirror '$mirror' (expected HOST[:PORT])"
if [[ $mirror != *[.:]* && $mirror != localhost ]]; then
	usage_error "--mirror '$mirror' must contain '.' or ':' or be 'localhost', otherwise it is read as a Docker Hub namespace (e.g. use $mirror.local or $mirror:443)"
fi
mirror_port=
if [[ $mirror =~ :([0-9]+)$ ]]; then mirror_port=${BASH_REMATCH[1]}; fi

case $form in
path)
	[[ -z $domain ]] || warn "--domain is ignored with --form path"
	;;
subdomain)
	[[ -n $domain ]] || usage_error "--form subdomain requires --domain DOMAIN"
	domain=${domain,,}
	domain=${domain#.}
	domain=${domain%.}
	[[ $domain =~ ^${RE_HOSTNAME}$ ]] || usage_error "invalid --domain '$domain' (host name without port expected; the port comes from --mirror)"
	;;
*) usage_error "--form must be 'path' or 'subdomain', got '$form'" ;;
esac

case $tool in
'' | docker | podman | nerdctl | skopeo) ;;
*) usage_error "--tool must be docker, podman, nerdctl or skopeo, got '$tool'" ;;
esac

[[ $skopeo_dest =~ ^[a-z][a-z0-9-]*: ]] || usage_error "--skopeo-dest must start with a skopeo transport (dir:, oci:, docker-archive:, ...), got '$skopeo_dest'"

# ---------------------------------------------------------------------------
# Read the list (before anything else can fail on it).
lines=()
if [[ $list == - ]]; then
	mapfile -t lines || usage_error "cannot read list from stdin"
else
	[[ -f $list && -r $list ]] || usage_error "cannot read list file '$list'"
	mapfile -t lines <"$list" || usage_error "cannot read list file '$list'"
fi

# ---------------------------------------------------------------------------
# Tool selection
probe_tool() { # TOOL -> 0 if usable
	local t=$1
	local -a cmd=("$t" ${tool_args[@]+"${tool_args[@]}"})
	command -v "$t" >/dev/null 2>&1 || return 1
	if [[ $t == skopeo ]]; then cmd+=(--version); else cmd+=(info); fi
	if command -v timeout >/dev/null 2>&1; then
		timeout 30 "${cmd[@]}" >/dev/null 2>&1 </dev/null
	else
		"${cmd[@]}" >/dev/null 2>&1 </dev/null
	fi
}

if [[ -z $tool ]]; then
	for t in docker podman nerdctl skopeo; do
		if probe_tool "$t"; then
			tool=$t
			break
		fi
	done
	if [[ -z $tool ]]; then
		if ((dry_run)); then
			tool=docker
			warn "no working docker/podman/nerdctl/skopeo found; showing docker commands"
		else
			usage_error "no working tool found (tried docker info, podman info, nerdctl info, skopeo --version); install one or pass --tool"
		fi
	fi
elif ((!dry_run)) && ! command -v "$tool" >/dev/null 2>&1; then
	usage_error "--tool $tool: '$tool' not found on PATH"
fi

if ((skopeo_dest_set)) && [[ $tool != skopeo ]]; then
	warn "--skopeo-dest is ignored with --tool $tool"
fi
if ((insecure && !quiet)) && [[ $tool == docker ]] &&
	[[ ! $mirror =~ ^(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?$ ]]; then
	warn "docker has no per-pull TLS switch: $mirror must be listed in the daemon's insecure-registries (127.0.0.0/8 is by default)"
fi

# ---------------------------------------------------------------------------
# Reference parsing. Sets R_ERR, R_HOST, R_REPO, R_TAG, R_DIGEST.
parse_ref() {
	local s=$1 name tag='' digest='' host repo first last
	R_ERR='' R_HOST='' R_REPO='' R_TAG='' R_DIGEST=''
	if [[ $s =~ [[:space:]] ]]; then
		R_ERR="contains whitespace"
		return 1
	fi
	if [[ $s == *@* ]]; then
		name=${s%%@*}
		digest=${s#*@}
		if [[ ! $digest =~ $RE_DIGEST ]]; then
			R_ERR="invalid digest '$digest' (expected sha256:<64 lower-case hex>)"
			return 1
		fi
	else
		name=$s
	fi
	last=${name##*/}
	if [[ $last == *:* ]]; then
		tag=${last#*:}
		if [[ ! $tag =~ $RE_TAG ]]; then
			R_ERR="invalid tag '$tag'"
			return 1
		fi
		name=${name%:*}
	fi
	if [[ -z $name ]]; then
		R_ERR="missing repository name"
		return 1
	fi
	if [[ $name =~ ^[a-f0-9]{64}$ ]]; then
		R_ERR="64-character hex string is an image ID, not a repository name"
		return 1
	fi
	host=docker.io
	repo=$name
	if [[ $name == */* ]]; then
		first=${name%%/*}
		if [[ $first == *[.:]* || $first == localhost ]]; then
			if [[ ! $first =~ $RE_DOMAIN ]]; then
				R_ERR="invalid registry host '$first'"
				return 1
			fi
			host=$(canon_host "$first")
			repo=${name#*/}
		fi
	fi
	if [[ $repo =~ [A-Z] ]]; then
		R_ERR="repository name must be lower-case ('$repo')"
		return 1
	fi
	if [[ ! $repo =~ $RE_REPO ]]; then
		R_ERR="invalid repository name '$repo'"
		return 1
	fi
	if [[ $host == docker.io && $repo != */* ]]; then repo=library/$repo; fi
	if ((${#host} + 1 + ${#repo} > 255)); then
		R_ERR="repository name longer than 255 characters"
		return 1
	fi
	if [[ -z $tag && -z $digest ]]; then tag=latest; fi
	R_HOST=$host R_REPO=$repo R_TAG=$tag R_DIGEST=$digest
	return 0
}

familiar_name() { # HOST REPO -> name as docker shows it
	local host=$1 repo=$2 rest
	if [[ $host == docker.io ]]; then
		rest=${repo#library/}
		if [[ $repo == library/* && $rest != */* ]]; then
			printf '%s' "$rest"
		else
			printf '%s' "$repo"
		fi
	else
		printf '%s/%s' "$host" "$repo"
	fi
}

# ---------------------------------------------------------------------------
# Commands for item $1 -> CMD_PULL, CMD_TAG, CMD_RMI (arrays; TAG/RMI may be empty).
build_cmds() {
	local i=$1
	local -a base=("$tool" ${tool_args[@]+"${tool_args[@]}"})
	CMD_PULL=() CMD_TAG=() CMD_RMI=()
	case $tool in
	skopeo)
		CMD_PULL=("${base[@]}" copy)
		if ((insecure)); then CMD_PULL+=(--src-tls-verify=false); fi
		CMD_PULL+=("docker://${I_PULL[i]}" "${I_DEST[i]}")
		;;
	*)
		CMD_PULL=("${base[@]}" pull)
		if ((insecure)); then
			case $tool in
			podman) CMD_PULL+=(--tls-verify=false) ;;
			nerdctl) CMD_PULL+=(--insecure-registry) ;;
			esac
		fi
		CMD_PULL+=("${I_PULL[i]}")
		if [[ -n ${I_TAGTO[i]} ]]; then
			CMD_TAG=("${base[@]}" tag "${I_PULL[i]}" "${I_TAGTO[i]}")
			if ((!keep_mirror_tag)); then CMD_RMI=("${base[@]}" rmi "${I_PULL[i]}"); fi
		fi
		;;
	esac
}

print_plan() { # ITEM (dry run)
	local i=$1
	build_cmds "$i"
	printf '# %s  (line %s) via %s\n' "${I_DISP[i]}" "${I_LINE[i]}" "${I_PULL[i]}"
	[[ -z ${I_NOTE[i]} ]] || printf '# note: %s\n' "${I_NOTE[i]}"
	print_cmd "${CMD_PULL[@]}"
	((${#CMD_TAG[@]} == 0)) || print_cmd "${CMD_TAG[@]}"
	((${#CMD_RMI[@]} == 0)) || print_cmd "${CMD_RMI[@]}"
}

print_cmd() {
	local out='' a q
	for a in "$@"; do
		printf -v q '%q' "$a"
		out+="${out:+ }$q"
	done
	printf '%s\n' "$out"
}

# ---------------------------------------------------------------------------
# Plan: per item arrays, indexed by item number.
I_LINE=() I_DISP=() I_PULL=() I_TAGTO=() I_DEST=() I_NOTE=()
todo=()
n_ok=0 n_fail=0 n_skip=0
failures=()
declare -A seen_ref=() seen_dest=() warned_host=()

say() { ((quiet)) || printf '%s\n' "$1"; }

record_fail() { # DISPLAY LINE MESSAGE [DETAIL]
	n_fail=$((n_fail + 1))
	failures+=("$1 (line $2): $3")
	((quiet)) || printf 'FAIL %s  (%s): %s\n' "$1" "${4:-line $2}" "$3"
}

idx=0
for ((ln = 0; ln < ${#lines[@]}; ln++)); do
	line=${lines[ln]}
	lineno=$((ln + 1))
	line=${line%%[[:space:]]#*}
	line="${line#"${line%%[![:space:]]*}"}"
	line="${line%"${line##*[![:space:]]}"}"
	[[ -n $line && $line != \#* ]] || continue

	if ! parse_ref "$line"; then
		record_fail "$line" "$lineno" "invalid reference: $R_ERR"
		continue
	fi
	suffix=${R_TAG:+:$R_TAG}${R_DIGEST:+@$R_DIGEST}
	full="$R_HOST/$R_REPO$suffix"
	fam=$(familiar_name "$R_HOST" "$R_REPO")
	disp=$fam$suffix

	if [[ -n ${seen_ref[$full]:-} ]]; then
		n_skip=$((n_skip + 1))
		say "skip $disp  (line $lineno: duplicate of line ${seen_ref[$full]})"
		continue
	fi
	seen_ref[$full]=$lineno

	# Mirror reference.
	use_form=$form
	if [[ $form == subdomain && -z ${REG_NAME[$R_HOST]:-} ]]; then
		use_form=path
		if [[ -z ${warned_host[$R_HOST]:-} ]]; then
			warned_host[$R_HOST]=1
			warn "no mirror name for registry host '$R_HOST'; using path form (add --map $R_HOST=NAME)"
		fi
	fi
	if [[ $use_form == path ]]; then
		if [[ $R_HOST == *[:[]* ]]; then
			record_fail "$disp" "$lineno" "registry host '$R_HOST' has a port or is an IP literal and cannot be addressed in path form (use --form subdomain with --map)"
			continue
		fi
		mrepo="$mirror/$R_HOST/$R_REPO"
	else
		mrepo="${REG_NAME[$R_HOST]}.$domain${mirror_port:+:$mirror_port}/$R_REPO"
	fi
	if ((${#mrepo} > 255)); then
		record_fail "$disp" "$lineno" "mirror reference '$mrepo' is longer than 255 characters"
		continue
	fi
	if [[ -n $R_DIGEST ]]; then pull="$mrepo@$R_DIGEST"; else pull="$mrepo:$R_TAG"; fi

	# Retag target / destination.
	tagto='' dest='' note=''
	if [[ $tool == skopeo ]]; then
		safe=${full//[^A-Za-z0-9._-]/_}
		plain="$R_HOST/$R_REPO${R_TAG:+:$R_TAG}"
		dest=${skopeo_dest//\{name\}/"$safe"}
		dest=${dest//\{ref\}/"$plain"}
		if [[ -n ${seen_dest[$dest]:-} ]]; then
			record_fail "$disp" "$lineno" "skopeo destination '$dest' is also used by line ${seen_dest[$dest]} (use {name} in --skopeo-dest)"
			continue
		fi
		seen_dest[$dest]=$lineno
	elif [[ -n $R_TAG ]]; then
		if [[ $tool == podman ]]; then
			tagto="$R_HOST/$R_REPO:$R_TAG" # podman would put short names under localhost/
		else
			tagto="$fam:$R_TAG"
		fi
	else
		note="digest-only reference: not retagged (a tag cannot be derived); kept as $pull"
	fi

	I_LINE[idx]=$lineno
	I_DISP[idx]=$disp
	I_PULL[idx]=$pull
	I_TAGTO[idx]=$tagto
	I_DEST[idx]=$dest
	I_NOTE[idx]=$note
	todo+=("$idx")
	if ((dry_run)); then print_plan "$idx"; fi
	idx=$((idx + 1))
done

# Local parent directory of a file-based skopeo destination (empty if none).
dest_parent() {
	local d=$1 p
	case $d in
	dir:*) p=${d#dir:} ;;
	oci:* | oci-archive:* | docker-archive:*)
		p=${d#*:}
		p=${p%%:*}
		;;
	*) return 0 ;;
	esac
	[[ -n $p && $p == */* ]] || return 0
	printf '%s' "${p%/*}"
}

summary() {
	local f label
	if ((dry_run)); then
		label="summary (dry run): ${#todo[@]} planned, $n_fail failed, $n_skip skipped"
	else
		label="summary: $n_ok ok, $n_fail failed, $n_skip skipped"
	fi
	printf '%s\n' "$label"
	if ((${#failures[@]} > 0)); then
		printf 'failed:\n'
		for f in "${failures[@]}"; do printf '  %s\n' "$f"; done
	fi
}

# ---------------------------------------------------------------------------
if ((dry_run)); then
	summary
	((n_fail == 0)) || exit 1
	exit 0
fi

# ---------------------------------------------------------------------------
# Real run.
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/pull-list.XXXXXX") || {
	printf '%s: cannot create temporary directory\n' "$PROG" >&2
	exit 2
}
PIDS=() # item index -> job pid, for running jobs

# shellcheck disable=SC2317 # invoked from traps
cleanup() { rm -rf -- "$tmpdir"; }
# shellcheck disable=SC2317 # invoked from traps
on_signal() {
	local code=$1 p
	trap - INT TERM
	for p in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	printf '%s: interrupted\n' "$PROG" >&2
	exit "$code"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# --- job side (runs in a background subshell) ---
CHILD=
run_logged() { # LOGFILE CMD... ; the command runs in the background so TERM can stop it
	local log=$1 rc=0
	shift
	"$@" >"$log" 2>&1 </dev/null &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	return "$rc"
}

LAST_LINE=
last_line() { # FILE -> LAST_LINE = last non-blank line (CR-split), trimmed and truncated
	local l
	LAST_LINE=
	while IFS= read -r l || [[ -n $l ]]; do
		l=${l##*$'\r'}
		l="${l#"${l%%[![:space:]]*}"}"
		l="${l%"${l##*[![:space:]]}"}"
		[[ -z $l ]] || LAST_LINE=$l
	done <"$1"
	if ((${#LAST_LINE} > 300)); then LAST_LINE="${LAST_LINE:0:300}..."; fi
	return 0
}

job() {
	local i=$1 start=$SECONDS attempt=0 rc=0 max delay k status=ok err='' parent
	local -a notes=()
	local log=$tmpdir/log.$i
	max=$((retries + 1))
	trap 'if [[ -n $CHILD ]]; then kill -TERM "$CHILD" 2>/dev/null || true; fi; exit 143' TERM
	build_cmds "$i"
	[[ -z ${I_NOTE[i]} ]] || notes+=("${I_NOTE[i]}")
	if [[ $tool == skopeo ]]; then
		parent=$(dest_parent "${I_DEST[i]}")
		if [[ -n $parent ]] && ! mkdir -p -- "$parent" 2>"$log.mkdir"; then
			last_line "$log.mkdir"
			status=fail err="cannot create $parent: $LAST_LINE"
			max=0
		fi
	fi
	while ((attempt < max)); do
		attempt=$((attempt + 1))
		rc=0
		run_logged "$log.pull.$attempt" "${CMD_PULL[@]}" || rc=$?
		if ((rc == 0)); then
			status=ok
			break
		fi
		last_line "$log.pull.$attempt"
		err=${LAST_LINE:-"${CMD_PULL[0]} exited with status $rc"}
		status=fail
		((attempt < max)) || break
		delay=$retry_delay
		for ((k = 1; k < attempt && delay < 60; k++)); do delay=$((delay * 2)); done
		((delay <= 60)) || delay=60
		if ((!quiet)); then
			printf 'retry %s  (attempt %d/%d failed, next in %ds): %s\n' "${I_DISP[i]}" "$attempt" "$max" "$delay" "$err" >&2
		fi
		sleep "$delay" &
		CHILD=$!
		wait "$CHILD" || true
		CHILD=
	done
	if [[ $status == ok ]] && ((${#CMD_TAG[@]} > 0)); then
		rc=0
		run_logged "$log.tag" "${CMD_TAG[@]}" || rc=$?
		if ((rc != 0)); then
			last_line "$log.tag"
			status=fail err="pulled, but retag to ${I_TAGTO[i]} failed: ${LAST_LINE:-exit status $rc}"
		elif ((${#CMD_RMI[@]} > 0)); then
			rc=0
			run_logged "$log.rmi" "${CMD_RMI[@]}" || rc=$?
			if ((rc != 0)); then
				last_line "$log.rmi"
				notes+=("could not remove mirror tag ${I_PULL[i]}: ${LAST_LINE:-exit status $rc}")
			fi
		fi
	fi
	{
		printf '%s\n%s\n%s\n%s\n' "$status" "$attempt" "$((SECONDS - start))" "$err"
		for k in ${notes[@]+"${notes[@]}"}; do printf '%s\n' "$k"; done
	} >"$tmpdir/res.$i.tmp"
	mv -f -- "$tmpdir/res.$i.tmp" "$tmpdir/done.$i"
}

# --- main side ---
report() { # ITEM
	local i=$1 r n
	local -a res=()
	if [[ -e $tmpdir/done.$i ]]; then
		mapfile -t res <"$tmpdir/done.$i"
	else
		res=(fail 0 0 "internal error: pull job ended without a result")
	fi
	if [[ ${res[0]} == ok ]]; then
		n_ok=$((n_ok + 1))
		say "ok   ${I_DISP[i]}  (via ${I_PULL[i]}, ${res[2]}s)"
	else
		if [[ ${res[1]} == 1 ]]; then n="1 attempt"; else n="${res[1]} attempts"; fi
		record_fail "${I_DISP[i]}" "${I_LINE[i]}" "${res[3]}" "via ${I_PULL[i]}, $n, ${res[2]}s"
	fi
	for ((r = 4; r < ${#res[@]}; r++)); do say "     note: ${res[r]}"; done
}

collect() { # report and forget every finished job
	local i
	for i in ${PIDS[@]+"${!PIDS[@]}"}; do
		if [[ -e $tmpdir/done.$i ]] || ! kill -0 "${PIDS[i]}" 2>/dev/null; then
			wait "${PIDS[i]}" 2>/dev/null || true
			report "$i"
			unset 'PIDS[i]'
		fi
	done
}

if ((${#todo[@]} > 0)); then
	say "pull-list: ${#todo[@]} image(s) via $mirror ($form form) with $tool, $jobs parallel, $retries retries"
fi
for i in ${todo[@]+"${todo[@]}"}; do
	collect
	while ((${#PIDS[@]} >= jobs)); do
		sleep 0.2
		collect
	done
	job "$i" &
	PIDS[i]=$!
done
while ((${#PIDS[@]} > 0)); do
	collect
	((${#PIDS[@]} == 0)) || sleep 0.2
done

summary
((n_fail == 0)) || exit 1
exit 0
