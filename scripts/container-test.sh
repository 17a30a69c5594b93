#!/usr/bin/env bash
# The container test (run by .ci/run): builds the Dockerfile with podman, starts the image, checks
# /readyz, one /route and the image's HEALTHCHECK, then stops it and checks the exit status.
#
# Our machines cannot pull base images, so node:20-slim is a local stand-in: Debian bookworm
# (debootstrap, from the configured apt mirror) with this machine's Node 20 and npm. Where podman
# cannot run containers at all, the test says so loudly and skips (exit 0);
# NARSOLVE_REQUIRE_CONTAINER=1 turns that skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=localhost/narsolve:ci
NAME=narsolve-ci-$$
PORT=${NARSOLVE_CONTAINER_PORT:-18080}
BASE=docker.io/library/node:20-slim
WORK=$(mktemp -d)
# Dangling build stages and replaced images would otherwise pile up (about 800 MB a run).
trap 'podman rm -f "$NAME" >/dev/null 2>&1 || true; podman image prune -f >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

say() { echo "container-test: $*"; }
skip() {
  echo "container-test: ============================================================" >&2
  echo "container-test: SKIPPED: $*" >&2
  echo "container-test: ============================================================" >&2
  [ "${NARSOLVE_REQUIRE_CONTAINER:-0}" = 1 ] && exit 1
  exit 0
}

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO=none; fi
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || { ! podman image exists "$BASE" 2>/dev/null && ! command -v debootstrap >/dev/null; }; then
  [ "$SUDO" = none ] && skip "podman, runc and debootstrap are not installed and this user cannot install them (apt-get install podman runc debootstrap)"
  say "installing podman, runc and debootstrap from Debian's packages"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends podman runc debootstrap uidmap >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends podman runc debootstrap uidmap >/dev/null; } \
    || skip "apt-get could not install podman, runc and debootstrap"
fi

# The two settings these machines need (no ulimit changes, cgroupfs), in our own file rather than /etc.
export CONTAINERS_CONF="$WORK/containers.conf"
printf '[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n' >"$CONTAINERS_CONF"
podman info >/dev/null 2>&1 || skip "podman cannot start here: $(podman info 2>&1 | tail -1)"

if ! podman image exists "$BASE"; then
  [ "$SUDO" = none ] && skip "building the stand-in $BASE needs root (debootstrap)"
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)}
  mirror=${mirror:-http://deb.debian.org/debian}
  say "building the stand-in $BASE: debootstrap bookworm from $mirror, plus this machine's $(node --version) and npm"
  root="$WORK/rootfs"
  $SUDO debootstrap --variant=minbase bookworm "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -5 "$WORK/debootstrap.log" >&2; skip "debootstrap failed"; }
  $SUDO install -m 0755 "$(command -v node)" "$root/usr/local/bin/node"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  $SUDO mkdir -p "$root/usr/local/lib/node_modules"
  $SUDO cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  $SUDO ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  # The official image has a `node` user (uid 1000) that the Dockerfile runs as.
  $SUDO chroot "$root" useradd --uid 1000 --create-home --shell /bin/bash node
  $SUDO rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
  $SUDO tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$BASE" >/dev/null
  $SUDO rm -rf "$root"
fi

say "building $IMAGE"
started=$(date +%s)
podman build --format docker --pull=never --network=host -v /etc/ssl/certs:/etc/ssl/certs:ro -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; echo "container-test: FAILED: the image did not build" >&2; exit 1; }
say "built in $(($(date +%s) - started)) s; image size $(podman image inspect "$IMAGE" --format '{{.Size}}' | awk '{ printf "%.0f MB", $1 / 1e6 }')"
podman image inspect "$IMAGE" --format '{{json .Config.Healthcheck}}' | grep -q healthz \
  || { echo "container-test: FAILED: the image has no HEALTHCHECK" >&2; exit 1; }
# (podman 4.3 still logs that it cannot reach systemd for healthcheck timers: noise, kept out of the output.)
podman run --rm --health-interval=disable --network=none "$IMAGE" sh -c 'test ! -e bench && test ! -e dist/bench && test ! -e dist/tests' 2>"$WORK/podman.err" \
  || { echo "container-test: FAILED: the image ships bench/ or tests" >&2; exit 1; }

fail() {
  podman logs "$NAME" 2>&1 | tail -20 >&2 || true
  echo "container-test: FAILED: $*" >&2
  exit 1
}
# No periodic timer (it needs systemd, absent here); the check itself runs below.
podman run -d --name "$NAME" --health-interval=disable --network=host -e PORT="$PORT" -e HOST=127.0.0.1 "$IMAGE" >/dev/null 2>"$WORK/podman.err" \
  || { cat "$WORK/podman.err" >&2; fail "the container did not start"; }
ready=""
for _ in $(seq 1 60); do
  if ready=$(curl -sf "http://127.0.0.1:$PORT/readyz"); then break; fi
  sleep 1
done
[ -n "$ready" ] || fail "/readyz did not answer within 60 s"
echo "$ready" | grep -q '"status":"ready"' || fail "/readyz: $ready"
echo "$ready" | grep -q '"learned":{"route":{"ready":true' || fail "the learned models did not load in the container: $ready"
say "/readyz: ready, learned models loaded"

route=$(curl -sf -X POST "http://127.0.0.1:$PORT/route" -H 'content-type: application/json' \
  -d '{"graph":{"edges":[{"from":"a","to":"b","weight":2},{"from":"b","to":"c","weight":3},{"from":"a","to":"c","weight":9}]},"source":"a","target":"c"}') \
  || fail "POST /route failed"
echo "$route" | grep -q '"distance":5' || fail "POST /route answered $route"
echo "$route" | grep -q '"verified":true' || fail "POST /route was not certified: $route"
say "POST /route: distance 5, certified"

# The image's graph store (/data, writable by the node user): register, observe, route by id.
curl -sf -X PUT "http://127.0.0.1:$PORT/graphs/ci" -H 'content-type: application/json' \
  -d '{"graph":{"edges":[{"from":"a","to":"b"},{"from":"b","to":"c","weight":3}]}}' >/dev/null || fail "PUT /graphs/ci failed"
curl -sf -X POST "http://127.0.0.1:$PORT/graphs/ci/observations" -H 'content-type: application/json' \
  -d '{"observations":{"edge":[0],"value":[2]}}' >/dev/null || fail "POST /graphs/ci/observations failed"
stored=$(curl -sf -X POST "http://127.0.0.1:$PORT/graphs/ci/route" -H 'content-type: application/json' -d '{"source":"a","target":"c","solver":"classical"}') \
  || fail "POST /graphs/ci/route failed"
echo "$stored" | grep -q '"distance":5' || fail "POST /graphs/ci/route answered $stored"
say "stored graph in /data: registered, observed, routed by id (distance 5)"

# The explorer page and its bundle are in the image (nothing is fetched from elsewhere).
curl -sf "http://127.0.0.1:$PORT/explorer" | grep -q 'data-testid="status"' || fail "GET /explorer did not serve the page"
curl -sf -o /dev/null "http://127.0.0.1:$PORT/explorer/explorer.js" || fail "GET /explorer/explorer.js failed"
say "explorer page and bundle served"

podman healthcheck run "$NAME" >/dev/null 2>&1 || fail "the HEALTHCHECK failed"
say "HEALTHCHECK: healthy"

podman stop -t 15 "$NAME" >/dev/null 2>"$WORK/podman.err" || { cat "$WORK/podman.err" >&2; fail "podman stop failed"; }
status=$(podman inspect "$NAME" --format '{{.State.ExitCode}}')
[ "$status" = 0 ] || fail "the container exited with status $status on SIGTERM"
say "stopped cleanly on SIGTERM (exit status 0)"
say "PASSED"
