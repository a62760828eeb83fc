#!/usr/bin/env bash
# Builds docker/Dockerfile without a Docker engine and runs the image it makes: Debian's buildah
# builds it on Debian bases made here with debootstrap, then starts the image as its own USER,
# waits for its HEALTHCHECK to pass, classifies an image through the API port, checks that
# nothing was written outside /tmp, and prints the image's size, the build time and the time to
# ready. For root on Debian 12; it installs buildah and debootstrap when they are missing.
#   bash docker/check-image.sh
# Environment: IMAGE (default localhost/inception-serve:check), API_PORT and MANAGEMENT_PORT
# (8080, 8081), DEBIAN_MIRROR, READY_TIMEOUT (seconds, 300), KEEP_IMAGE=true to keep the image.
set -euo pipefail
cd "$(dirname "$0")/.."

image="${IMAGE:-localhost/inception-serve:check}"
api_port="${API_PORT:-8080}"
management_port="${MANAGEMENT_PORT:-8081}"
# The machine's own Debian mirror, as apt is set up here (deb822 or one-line sources).
mirror="${DEBIAN_MIRROR:-$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}"
if [ -z "$mirror" ]; then
  mirror="$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
fi
if [ -z "$mirror" ]; then
  echo "check-image: no Debian mirror in apt's sources; set DEBIAN_MIRROR" >&2
  exit 1
fi
suite=bookworm
# vfs needs no kernel overlay support and works inside containers and VMs alike.
buildah=(buildah --storage-driver vfs)

log() { echo "check-image: $*" >&2; }

need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl ca-certificates)
if [ "${#need[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "${need[@]}"
fi

for port in "$api_port" "$management_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "port $port is in use; choose others with API_PORT and MANAGEMENT_PORT"
    exit 1
  fi
done

work="$(mktemp -d)"
container=""
service=""
cleanup() {
  if [ -n "$service" ]; then
    kill -TERM -- "-$service" 2>/dev/null || true
    wait "$service" 2>/dev/null || true
  fi
  if [ -n "$container" ]; then
    "${buildah[@]}" umount "$container" >/dev/null 2>&1 || true
    "${buildah[@]}" rm "$container" >/dev/null 2>&1 || true
  fi
  if [ "${KEEP_IMAGE:-false}" != true ]; then
    "${buildah[@]}" rmi "$image" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# base KIND PACKAGE...: prints the name of a minimal Debian image with the packages, made with
# debootstrap and imported the first time, reused afterwards (its tag names the package list).
# apt's lists and caches, documentation and translations are left out.
base() {
  local name
  name="localhost/inception-serve-base:$1-$suite-$(echo "$*" | sha256sum | cut -c1-12)"
  shift
  if "${buildah[@]}" inspect --type image "$name" >/dev/null 2>&1; then
    echo "$name"
    return
  fi
  log "making $name with debootstrap"
  local rootfs="$work/rootfs" packages
  packages="$(IFS=,; echo "$*")"
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  local ctr mnt
  ctr="$("${buildah[@]}" from scratch)"
  mnt="$("${buildah[@]}" mount "$ctr")"
  tar -C "$rootfs" -cf - . | tar -C "$mnt" -xpf -
  "${buildah[@]}" umount "$ctr" >/dev/null
  "${buildah[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --cmd bash "$ctr"
  "${buildah[@]}" commit --rm -q "$ctr" "$name" >/dev/null
  rm -rf "$rootfs"
  echo "$name"
}
# The build stage needs unzip (the Maven wrapper) and strip (binutils); the runtime needs
# groupadd and useradd (passwd).
jdk_base="$(base jdk17 ca-certificates passwd unzip binutils openjdk-17-jdk-headless)"
jre_base="$(base jre17 ca-certificates passwd openjdk-17-jre-headless)"

# The machine's CA store is mounted into every build step: Maven Central may be reached through
# a TLS-inspecting proxy that only the host trusts. Docker format keeps the HEALTHCHECK.
log "building $image"
started=$SECONDS
"${buildah[@]}" bud --isolation chroot --network host --format docker --layers=false \
  -v /etc/ssl/certs:/etc/ssl/certs:ro \
  --build-arg JDK_IMAGE="$jdk_base" --build-arg JRE_IMAGE="$jre_base" \
  -f docker/Dockerfile -t "$image" . >"$work/build.log" 2>&1 \
  || { tail -n 60 "$work/build.log" >&2; log "build failed"; exit 1; }
build_seconds=$((SECONDS - started))

config() { "${buildah[@]}" inspect --type image --format "$1" "$image"; }
size="$("${buildah[@]}" images --format '{{.Size}}' "$image")"
user="$(config '{{.Docker.Config.User}}')"
mapfile -t entrypoint < <(config '{{range .Docker.Config.Entrypoint}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t healthcheck < <(config '{{range .Docker.Config.Healthcheck.Test}}{{println .}}{{end}}' | sed '/^$/d')
if [ "${healthcheck[0]:-}" != CMD ] || [ "${#entrypoint[@]}" -eq 0 ] || [ -z "$user" ]; then
  log "the image has no exec-form HEALTHCHECK, ENTRYPOINT or USER"
  exit 1
fi
healthcheck=("${healthcheck[@]:1}")

container="$("${buildah[@]}" from "$image")"
root="$("${buildah[@]}" mount "$container")"
size_mb="$(du -sm "$root" | cut -f1)"
# The file system as the image has it: path, type, size, mode, owner, modification time.
snapshot() {
  (cd "$root" && find . -path ./tmp -prune -o -path ./proc -prune -o -path ./sys -prune -o -path ./dev -prune \
    -o -path ./run -prune -o -printf '%p %y %s %m %u:%g %T@\n' | sort)
}
snapshot >"$work/before"

# chroot isolation shares the host's network, so the ports are the host's own.
log "starting it as $user: ${entrypoint[*]}"
started=$SECONDS
setsid "${buildah[@]}" run --isolation chroot --user "$user" \
  --env SERVER_PORT="$api_port" --env MANAGEMENT_SERVER_PORT="$management_port" \
  "$container" -- "${entrypoint[@]}" >"$work/service.log" 2>&1 &
service=$!
deadline=$((SECONDS + ${READY_TIMEOUT:-300}))
until "${buildah[@]}" run --isolation chroot --user "$user" --env MANAGEMENT_SERVER_PORT="$management_port" \
  "$container" -- "${healthcheck[@]}" >/dev/null 2>&1; do
  if ! kill -0 "$service" 2>/dev/null || [ "$SECONDS" -gt "$deadline" ]; then
    tail -n 60 "$work/service.log" >&2
    log "the container did not become healthy"
    exit 1
  fi
  sleep 1
done
ready_seconds=$((SECONDS - started))
grep -m1 'Ready in' "$work/service.log" >&2 || true

answer="$(curl -fsS -F image=@src/test/resources/images/ankle-boot.png "http://localhost:$api_port/classify")"
log "classify: $answer"
if ! grep -q '"label":"Ankle boot"' <<<"$answer"; then
  log "the container did not classify the ankle boot"
  exit 1
fi

kill -TERM -- "-$service"
wait "$service" 2>/dev/null || true
service=""
snapshot >"$work/after"
if ! diff "$work/before" "$work/after" >"$work/written"; then
  cat "$work/written" >&2
  log "the container wrote outside /tmp"
  exit 1
fi

printf 'check-image: image %s: %s MB unpacked (%s as buildah lists it), built in %d s, healthy %d s after start, ran as %s, classified, wrote nothing outside /tmp\n' \
  "$image" "$size_mb" "$size" "$build_seconds" "$ready_seconds" "$user"
