#!/usr/bin/env bash
# Build the agent's container image with podman, from Debian's packages only, and run it.
#
#   scripts/build-image.sh [options]        (or: make image [IMAGE_ARGS="..."])
#
# 1. debootstrap a minimal Debian into STATE/rootfs-SUITE (once: a stamp marks it complete),
# 2. `podman import` it as the base image localhost/orc-base:SUITE (once),
# 3. `podman build` examples/docker/Dockerfile on that base (BASE build argument; podman's
#    layer cache makes a second run quick),
# 4. `orc doctor` inside the image (yt-dlp-ejs, Deno and ffmpeg must be found),
# 5. `orc demo --no-live` inside the image,
# 6. `orc check` without settings (a configuration error, exit 2),
# 7. `orc check` for a running agent in the image (scripts/image-health.sh: before its first
#    heartbeat it fails, then passes), and print the image's size.
#
# No registry is needed: the base comes from the Debian mirror, Python packages from PyPI.
# Podman's settings live in STATE/podman/ (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF), never
# in /etc, so every machine builds the same way. Needs root (debootstrap, and podman's runc).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suite="${ORC_IMAGE_SUITE:-bookworm}"
mirror="${ORC_IMAGE_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${ORC_IMAGE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
tag="${ORC_IMAGE_TAG:-localhost/orc:latest}"
state="${ORC_IMAGE_STATE:-$here/build/image}"
storage_driver="${ORC_IMAGE_STORAGE_DRIVER:-overlay}"
ca_bundle="${ORC_IMAGE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
fresh_base=0
no_cache=()
run_checks=1
install_deps=0
podman_cmd="${PODMAN:-podman}"
debootstrap_cmd="${DEBOOTSTRAP:-debootstrap}"
runc_cmd="${RUNC:-runc}"

usage() {
    cat <<EOF
usage: scripts/build-image.sh [options]

Builds the agent's image (examples/docker/Dockerfile) with podman on a Debian base made by
debootstrap, then runs \`orc demo --no-live\` and \`orc check\` in it and prints its size.

options:
  --suite NAME            Debian release of the base (default: $suite)
  --mirror URL            Debian mirror (default: $mirror)
  --security-mirror URL   Debian security mirror, or "none" (default: $security_mirror)
  --tag NAME              the image's name (default: $tag)
  --state-dir DIR         rootfs, podman's storage and settings (default: build/image)
  --storage-driver NAME   overlay or vfs (vfs works where overlay cannot mount; default: $storage_driver)
  --ca-bundle FILE        certificates pip trusts during the build, or "none" for the image's own
                          (default: $ca_bundle, the host's, so a TLS-inspecting proxy works)
  --no-cache              build every layer again (newer Debian and PyPI packages)
  --fresh-base            debootstrap and import the base again
  --no-run                build only: skip orc demo and orc check
  --install-deps          apt-get install what is missing (podman, runc, debootstrap) first
  -h, --help              this text

Environment: ORC_IMAGE_SUITE, ORC_IMAGE_MIRROR, ORC_IMAGE_SECURITY_MIRROR, ORC_IMAGE_TAG,
ORC_IMAGE_STATE, ORC_IMAGE_STORAGE_DRIVER, ORC_IMAGE_CA_BUNDLE set the same defaults; PODMAN, RUNC and DEBOOTSTRAP
name the programs.

Exit codes: 0 built (and demo and check behaved), 1 a step failed or something is missing
(each missing piece is named), 2 bad arguments.
EOF
}

die() {
    printf 'build-image: %s\n' "$*" >&2
    exit 1
}

usage_error() {
    printf 'build-image: %s (see --help)\n' "$*" >&2
    exit 2
}

step() {
    printf '\n==> %s\n' "$*"
}

need_value() {
    [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || usage_error "$1 needs a value"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --suite) need_value "$@"; suite="$2"; shift 2 ;;
    --mirror) need_value "$@"; mirror="$2"; shift 2 ;;
    --security-mirror) need_value "$@"; security_mirror="$2"; shift 2 ;;
    --tag) need_value "$@"; tag="$2"; shift 2 ;;
    --state-dir) need_value "$@"; state="$2"; shift 2 ;;
    --storage-driver) need_value "$@"; storage_driver="$2"; shift 2 ;;
    --ca-bundle) need_value "$@"; ca_bundle="$2"; shift 2 ;;
    --fresh-base) fresh_base=1; shift ;;
    --no-cache) no_cache=(--no-cache); shift ;;
    --no-run) run_checks=0; shift ;;
    --install-deps) install_deps=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
    esac
done

[[ "$suite" =~ ^[a-z]+$ ]] || usage_error "--suite must be a Debian release name such as bookworm, not '$suite'"
[[ "$storage_driver" == overlay || "$storage_driver" == vfs ]] ||
    usage_error "--storage-driver must be overlay or vfs, not '$storage_driver'"
[[ "$mirror" =~ ^https?:// ]] || usage_error "--mirror must be an http(s) URL, not '$mirror'"
[[ "$security_mirror" == none || "$security_mirror" =~ ^https?:// ]] ||
    usage_error "--security-mirror must be an http(s) URL or none, not '$security_mirror'"

# --- what the machine must have ------------------------------------------------------------

step "checking prerequisites"
if [[ $install_deps -eq 1 && "$(id -u)" -eq 0 ]]; then
    packages=()
    command -v "$podman_cmd" >/dev/null || packages+=(podman)
    command -v "$runc_cmd" >/dev/null || packages+=(runc)
    command -v "$debootstrap_cmd" >/dev/null || packages+=(debootstrap)
    if [[ ${#packages[@]} -gt 0 ]]; then
        echo "installing ${packages[*]} from Debian"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}"
    fi
fi

# Every missing piece at once, each with what to do about it.
missing=()
[[ "$(id -u)" -eq 0 ]] ||
    missing+=("root: debootstrap makes device files and chroots, and podman runs rootful here (run it with sudo)")
command -v "$podman_cmd" >/dev/null ||
    missing+=("podman ('$podman_cmd' not found): apt-get install -y podman, or pass --install-deps")
# crun (podman's default in Debian) refuses hybrid cgroup hierarchies, which machines without
# systemd as init often have; runc works with every layout.
command -v "$runc_cmd" >/dev/null ||
    missing+=("runc ('$runc_cmd' not found; podman's OCI runtime here): apt-get install -y runc, or pass --install-deps")
command -v "$debootstrap_cmd" >/dev/null ||
    missing+=("debootstrap ('$debootstrap_cmd' not found): apt-get install -y debootstrap, or pass --install-deps")
[[ "$ca_bundle" == none || -r "$ca_bundle" ]] ||
    missing+=("the CA bundle $ca_bundle (not readable): name one with --ca-bundle FILE, or --ca-bundle none")
for tool in tar python3; do
    command -v "$tool" >/dev/null || missing+=("$tool: apt-get install -y $tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    printf 'build-image: missing:\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi
runc_cmd="$(command -v "$runc_cmd")"
echo "root; $(command "$podman_cmd" --version); runc $("$runc_cmd" --version | head -n 1 | awk '{print $3}'); debootstrap $("$debootstrap_cmd" --version | awk '{print $2}')"

# --- podman's settings, in the project's own folder ----------------------------------------

step "writing podman's settings under $state/podman"
mkdir -p "$state/podman"
state="$(cd "$state" && pwd)"
conf_dir="$state/podman"
# The container's limits may not exceed ours: raising them fails (EPERM) in sandboxes, and so
# does a process limit above the kernel's pid_max. Podman's default asks for both at maximum.
nofile="$(ulimit -Hn)"
nproc="$(ulimit -Hu)"
pid_max="$(cat /proc/sys/kernel/pid_max)"
[[ "$nofile" == unlimited ]] && nofile=1048576
if [[ "$nproc" == unlimited || "$nproc" -gt "$pid_max" ]]; then nproc="$pid_max"; fi
cat >"$conf_dir/containers.conf" <<EOF
# Written by scripts/build-image.sh; rewritten on every run.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
# No systemd to hand cgroups to, and no journal for events.
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$conf_dir/events.log"
runtime = "runc"

[engine.runtimes]
runc = ["$runc_cmd"]
EOF
cat >"$conf_dir/storage.conf" <<EOF
# Written by scripts/build-image.sh; rewritten on every run.
[storage]
driver = "$storage_driver"
graphroot = "$state/storage-$storage_driver"
runroot = "$state/run-$storage_driver"
EOF
export CONTAINERS_CONF="$conf_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$conf_dir/storage.conf"
# Registries are never asked: only fully qualified local names are used.
export CONTAINERS_REGISTRIES_CONF="$conf_dir/registries.conf"
printf '# Written by scripts/build-image.sh: no registry is searched.\nunqualified-search-registries = []\n' \
    >"$CONTAINERS_REGISTRIES_CONF"
# For running podman by hand on what was built: `. build/image/podman/env.sh`.
cat >"$conf_dir/env.sh" <<EOF
# Written by scripts/build-image.sh: podman with the settings the image was built with.
export CONTAINERS_CONF='$CONTAINERS_CONF'
export CONTAINERS_STORAGE_CONF='$CONTAINERS_STORAGE_CONF'
export CONTAINERS_REGISTRIES_CONF='$CONTAINERS_REGISTRIES_CONF'
EOF
podman() { command "$podman_cmd" "$@"; }
echo "storage $storage_driver in $state/storage-$storage_driver; runtime runc; cgroups cgroupfs; ulimits nofile=$nofile nproc=$nproc"

# --- 1. a minimal Debian from the mirror ---------------------------------------------------

base="localhost/orc-base:$suite"
rootfs="$state/rootfs-$suite"
if [[ $fresh_base -eq 1 ]]; then
    rm -rf "$rootfs"
    podman image rm --force "$base" >/dev/null 2>&1 || true
fi

step "1/7 Debian $suite root file system (debootstrap --variant=minbase from $mirror)"
if [[ -f "$rootfs/.orc-debootstrap-complete" ]]; then
    echo "already there: $rootfs (--fresh-base to make it again)"
elif podman image exists "$base"; then
    echo "not needed: the base image $base exists (--fresh-base to make it again)"
else
    rm -rf "$rootfs"
    "$debootstrap_cmd" --variant=minbase "$suite" "$rootfs" "$mirror" ||
        die "debootstrap of $suite from $mirror failed (see its output above)"
    # Like Debian's slim images: no documentation, manual pages or translations, no caches.
    mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d" "$rootfs/etc/apt/apt.conf.d"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/90-orc-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$rootfs/etc/apt/apt.conf.d/90-orc-no-recommends"
    find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
    {
        echo "deb $mirror $suite main"
        echo "deb $mirror $suite-updates main"
        [[ "$security_mirror" == none ]] || echo "deb $security_mirror $suite-security main"
    } >"$rootfs/etc/apt/sources.list"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/*.log
    touch "$rootfs/.orc-debootstrap-complete"
    echo "made $rootfs ($(du -sh "$rootfs" | cut -f1))"
fi

# --- 2. the base image ---------------------------------------------------------------------

step "2/7 base image $base (podman import)"
if podman image exists "$base"; then
    echo "already there: $base"
else
    tar --numeric-owner --exclude=./.orc-debootstrap-complete -C "$rootfs" -c . |
        podman import --change 'CMD ["/bin/bash"]' \
            --message "Debian $suite minbase from $mirror (scripts/build-image.sh)" - "$base" >/dev/null ||
        die "podman import of $rootfs failed"
    echo "imported $base"
fi

# --- 3. our image --------------------------------------------------------------------------

step "3/7 image $tag (podman build -f examples/docker/Dockerfile --build-arg BASE=$base)"
# Host networking for the build's apt-get and pip (nothing to set up, no firewall rules);
# Docker's format keeps HEALTHCHECK and STOPSIGNAL, which the OCI format drops.
# pip trusts the host's certificates: a build secret, mounted into the RUNs that use pip and
# kept in no layer.
ca_args=()
if [[ "$ca_bundle" != none ]]; then
    ca_args=(--secret "id=pip-ca,src=$(realpath "$ca_bundle")")
fi
podman build --format docker --network host --pull=never "${ca_args[@]}" "${no_cache[@]}" \
    --build-arg "BASE=$base" -f "$here/examples/docker/Dockerfile" -t "$tag" "$here" ||
    die "podman build failed (see the step above)"

if [[ $run_checks -eq 1 ]]; then
    # --- 4. orc doctor inside: what yt-dlp finds -------------------------------------------

    step "4/7 orc doctor inside $tag (yt-dlp, yt-dlp-ejs, Deno, ffmpeg as yt-dlp sees them)"
    set +e
    doctor_out="$(podman run --rm --network none --no-healthcheck "$tag" doctor 2>&1)"
    doctor_code=$?
    set -e
    printf '%s\n' "$doctor_out"
    [[ $doctor_code -eq 0 ]] || die "orc doctor failed inside the image (exit $doctor_code)"
    for part in yt-dlp-ejs "JS runtime" ffmpeg; do
        grep -q "^ok  *$part " <<<"$doctor_out" || die "orc doctor inside the image: $part is not ok"
    done

    # --- 5. orc demo inside ----------------------------------------------------------------

    step "5/7 orc demo --no-live inside $tag (no network: the emulator and agents use loopback)"
    demo_log="$state/demo.log"
    set +e
    podman run --rm --network none --no-healthcheck "$tag" demo --no-live --timeout 600 2>&1 | tee "$demo_log"
    demo_code="${PIPESTATUS[0]}"
    set -e
    summary="$(grep '^demo-summary: ' "$demo_log" | tail -n 1 | cut -d' ' -f2-)"
    [[ -n "$summary" ]] || die "orc demo printed no summary line (exit code $demo_code; output in $demo_log)"
    demo_line="$(python3 - "$summary" <<'PY'
import json
import sys

s = json.loads(sys.argv[1])
t = s["tasks"]
print(
    f"ok={s['ok']} tasks done={t['done']}/{t['expected']} dead-lettered={t['dead_lettered']} "
    f"missing={len(t['missing'])} repeated={len(t['repeated'])} agents={len(s['agents'])} "
    f"api_calls={s['api_calls']['total']} elapsed_s={s['elapsed_s']}"
)
PY
)"
    [[ $demo_code -eq 0 && "$demo_line" == ok=True* ]] ||
        die "orc demo failed inside the image (exit code $demo_code): $demo_line"

    # --- 6. orc check inside ---------------------------------------------------------------

    step "6/7 orc check inside $tag, without settings"
    set +e
    check_out="$(podman run --rm --network none --no-healthcheck "$tag" check 2>&1)"
    check_code=$?
    set -e
    printf '%s\n' "$check_out"
    # Exit code 2 is a configuration error: without WORKER_NAME and a spreadsheet, the right answer.
    [[ $check_code -eq 2 ]] || die "orc check without settings exited $check_code, not 2 (configuration error)"

    step "7/7 orc check inside $tag, for a running agent (scripts/image-health.sh: emulator, orc init, orc run)"
    set +e
    health_out="$(podman run --rm --network none --no-healthcheck --entrypoint /bin/sh \
        --volume "$here/scripts/image-health.sh:/usr/local/bin/image-health.sh:ro" \
        "$tag" /usr/local/bin/image-health.sh 2>&1)"
    health_code=$?
    set -e
    printf '%s\n' "$health_out"
    [[ $health_code -eq 0 ]] || die "orc check did not pass for a running agent inside the image (exit $health_code)"
fi

# --- what was built ------------------------------------------------------------------------

size_bytes="$(podman image inspect --format '{{.Size}}' "$tag")"
base_bytes="$(podman image inspect --format '{{.Size}}' "$base")"
tools="$(podman run --rm --network none --no-healthcheck --entrypoint /bin/sh "$tag" -c \
    'printf "%s; deno %s; %s" "$(orc --version)" "$(deno --version | head -n 1 | cut -d" " -f2)" "$(ffmpeg -hide_banner -version | head -n 1 | cut -d" " -f1-3)"')"
step "done"
echo "image: $tag ($tools)"
printf 'image size: %s bytes (%s MB); base %s: %s MB\n' "$size_bytes" \
    "$((size_bytes / 1000000))" "$base" "$((base_bytes / 1000000))"
if [[ $run_checks -eq 1 ]]; then
    echo "orc doctor: exit $doctor_code, $(grep -c '^ok ' <<<"$doctor_out") checks ok, $(grep -c '^warn ' <<<"$doctor_out") warnings"
    echo "orc demo: exit $demo_code, $demo_line"
    echo "orc check, no settings: exit $check_code, $(printf '%s' "$check_out" | tail -n 1)"
    printf '%s\n' "$health_out" | sed 's/^/orc check, agent: /'
fi
echo "run it: . $conf_dir/env.sh && podman run --rm $tag --help"
