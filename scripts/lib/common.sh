# Shared by the scripts: where things are, and installing what is missing.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="/opt/swift/usr/bin:$PATH"

# The Debian packages the project needs: FFmpeg's libraries and tools (indexing, tests as a reference).
APT_PACKAGES=(pkg-config ffmpeg libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libavfilter-dev)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the given Debian packages when any is missing (with sudo when not root).
ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_swift() {
    command -v swift >/dev/null || { echo "Swift 6.1 or newer is needed (https://swift.org/install); it is expected at /opt/swift." >&2; exit 1; }
}

# Builds the package; in CI, warnings are errors.
build() {
    ensure_swift
    local kind="debug"
    [[ " $* " == *" -c release "* ]] && kind="release"
    log "building ($kind$([ "${CI:-}" = true ] && echo ", warnings as errors"))"
    (cd "$ROOT" && swift build "$@")
}
