#!/usr/bin/env bash
# Make a Docker engine available and build the registry-free base image that the `docker`
# backend runs notebooks on. Safe to run again: every step is skipped when already done.
#
#   1. install Debian's docker.io and debootstrap (as root, only if missing)
#   2. start dockerd without a bridge network (only if no daemon answers on the socket)
#   3. build $IMAGE from debootstrap + a venv with papermill and ipykernel, then `docker import`
#      (only if the image is missing or was built from a different package list)
#
# Nothing is ever pulled from a container registry. Exit status is non-zero when the engine
# cannot be made to answer or the image cannot be built; scripts/setup.sh treats that as a
# warning so the rest of the setup still works (the docker tests then skip loudly).
set -euo pipefail

IMAGE="${JUPYTER_MLOPS_BASE_IMAGE:-jupyter-mlops-base:bookworm}"
SUITE=bookworm
SOCKET=/var/run/docker.sock
DOCKERD_LOG="${JUPYTER_MLOPS_DOCKERD_LOG:-/var/log/jupyter-mlops-dockerd.log}"
# The in-container engine imports only these; they are pinned to the host's versions (when
# the host has them) so a notebook behaves the same in a container as in a local run.
PACKAGES=(papermill ipykernel nbclient nbformat)

say() { echo "[setup-docker] $*"; }
fail() { echo "[setup-docker] ERROR: $*" >&2; exit 1; }

engine_answers() {
    [ -S "$SOCKET" ] && curl -fsS --max-time 2 --unix-socket "$SOCKET" http://localhost/_ping >/dev/null 2>&1
}

install_packages() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -eq 0 ]; then
        say "docker.io, debootstrap and curl are installed"
        return
    fi
    [ "$(id -u)" -eq 0 ] || fail "need root to install ${missing[*]}"
    say "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

start_engine() {
    if engine_answers; then
        say "a Docker engine already answers on $SOCKET"
        return
    fi
    [ "$(id -u)" -eq 0 ] || fail "no Docker engine answers on $SOCKET and only root can start one"
    say "starting dockerd without a bridge network (log: $DOCKERD_LOG)"
    # setsid: the daemon must outlive this script and the test run that called it.
    setsid dockerd --bridge=none --iptables=false --ip-masq=false --ip6tables=false \
        >"$DOCKERD_LOG" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        if engine_answers; then
            say "dockerd answers on $SOCKET"
            return
        fi
        sleep 1
    done
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    fail "dockerd did not answer on $SOCKET within 60 s (see $DOCKERD_LOG)"
}

# The first Debian mirror the machine's own apt sources use for $SUITE (deb822 or one-line
# format), so the image comes from wherever this machine is allowed to fetch packages.
apt_mirror() {
    local files=(/etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list)
    local f
    for f in "${files[@]}"; do
        [ -f "$f" ] || continue
        case "$f" in
        *.sources)
            awk -v suite="$SUITE" '
                function flush() { if (deb && hit && uri != "") { print uri; exit } deb = hit = 0; uri = "" }
                /^[[:space:]]*$/ { flush(); next }
                /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
                /^URIs:/ { uri = $2 }
                /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
                END { flush() }' "$f"
            ;;
        *)
            awk -v suite="$SUITE" '
                $1 == "deb" { line = $0; gsub(/\[[^]]*\]/, "", line); split(line, w, /[[:space:]]+/)
                              if (w[3] == suite) { print w[2]; exit } }' "$f"
            ;;
        esac
    done | head -n 1
}

# Pins for PACKAGES from the host's Python, so the container runs what local runs run.
package_specs() {
    local p v
    for p in "${PACKAGES[@]}"; do
        v="$(python3 -c "import importlib.metadata as m; print(m.version('$p'))" 2>/dev/null || true)"
        if [ -n "$v" ]; then echo "$p==$v"; else echo "$p"; fi
    done
}

image_spec_label() { docker image inspect -f '{{ index .Config.Labels "jupyter-mlops.base-spec" }}' "$IMAGE" 2>/dev/null || true; }

build_image() {
    local specs spec_id
    mapfile -t specs < <(package_specs)
    spec_id="$SUITE ${specs[*]}"
    if [ "$(image_spec_label)" = "$spec_id" ]; then
        say "image $IMAGE exists ($spec_id)"
        return
    fi
    [ "$(id -u)" -eq 0 ] || fail "need root to debootstrap the base image"
    local mirror
    mirror="$(apt_mirror)"
    [ -n "$mirror" ] || fail "no '$SUITE' Debian mirror found in the machine's apt sources"
    local rootfs
    rootfs="$(mktemp -d /var/tmp/jupyter-mlops-rootfs.XXXXXX)"
    # shellcheck disable=SC2064
    trap "umount -l '$rootfs/proc' 2>/dev/null || true; rm -rf --one-file-system '$rootfs'" EXIT

    say "building $IMAGE: debootstrap $SUITE from $mirror into $rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        "$SUITE" "$rootfs" "$mirror" >"$rootfs.debootstrap.log" 2>&1 \
        || { tail -n 30 "$rootfs.debootstrap.log" >&2; fail "debootstrap failed (log: $rootfs.debootstrap.log)"; }
    rm -f "$rootfs.debootstrap.log"

    say "creating /opt/venv with ${specs[*]}"
    chroot "$rootfs" python3 -m venv /opt/venv
    # The host's CA bundle is needed by pip only (the host may reach PyPI through a proxy
    # with its own CA); it is removed before the image is made.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/tmp/host-ca.crt"
    mount -t proc proc "$rootfs/proc"
    env -i PATH=/opt/venv/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 PIP_CERT=/tmp/host-ca.crt \
        PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 \
        ${http_proxy:+http_proxy=$http_proxy} ${https_proxy:+https_proxy=$https_proxy} \
        ${HTTP_PROXY:+HTTP_PROXY=$HTTP_PROXY} ${HTTPS_PROXY:+HTTPS_PROXY=$HTTPS_PROXY} \
        ${no_proxy:+no_proxy=$no_proxy} ${NO_PROXY:+NO_PROXY=$NO_PROXY} \
        "$(command -v chroot)" "$rootfs" /opt/venv/bin/pip install --quiet --no-cache-dir "${specs[@]}"
    umount "$rootfs/proc"
    rm -f "$rootfs/tmp/host-ca.crt"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/root/.cache

    local packages
    packages="$(chroot "$rootfs" /opt/venv/bin/pip list --format=freeze 2>/dev/null | tr '\n' ' ')"
    say "importing the root filesystem as $IMAGE"
    tar -C "$rootfs" -c . | docker import \
        -c 'ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'ENV LANG=C.UTF-8' \
        -c 'ENV HOME=/tmp' \
        -c "LABEL jupyter-mlops.base-spec=\"$spec_id\"" \
        -c "LABEL jupyter-mlops.packages=\"${packages% }\"" \
        - "$IMAGE" >/dev/null
    say "built $IMAGE ($(docker image inspect -f '{{ .Size }}' "$IMAGE" | awk '{ printf "%d MB", $1 / 1e6 }'))"
}

install_packages
start_engine
build_image
say "ready: engine on $SOCKET, base image $IMAGE"
