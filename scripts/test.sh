#!/usr/bin/env bash
# Installs what the tests need (Debian and npm packages), then runs every test in Edge.sln.
# Usage: scripts/test.sh [extra dotnet test arguments]
# The integration tests start real components: CNCF distribution (docker-registry), dockerd, containerd, skopeo,
# redis-server and redis-sentinel, microsocks (SOCKS5), s3rver and azurite (npm). They must run as root (dockerd and
# containerd do). A missing prerequisite fails the run; it never skips tests.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker-registry docker.io containerd skopeo nginx-light redis-server redis-sentinel microsocks)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages the tests start (s3rver, a real S3-compatible server; azurite, the Azure Blob emulator), pinned by
# tests/tools/package-lock.json.
if ! command -v npm >/dev/null; then
  echo "test.sh: installing nodejs npm"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -f tests/tools/node_modules/s3rver/bin/s3rver.js ] || [ ! -f tests/tools/node_modules/azurite/dist/src/blob/main.js ]; then
  echo "test.sh: installing tests/tools (npm ci)"
  npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: the integration tests start dockerd and containerd and must run as root." >&2
  exit 1
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
set +e
dotnet test Edge.sln -c Release --blame-hang-timeout 15m --blame-hang-dump-type none --logger "trx" --results-directory "$results" "$@" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test assemblies, from the TRX files: "tests: N passed, N failed, N skipped".
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if passed == 0 else 0)
PY
exit "$status"
