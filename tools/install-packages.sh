#===- install-packages.sh - Install missing Debian packages --------------===#
#
# Sourced by tools/setup.sh and tools/fuzz.sh:
#
#   install_missing_packages TOOL PACKAGE...
#
# installs those of the packages that are not installed yet (nothing to do,
# nothing run, when all are), with apt-get as root or through sudo. TOOL
# names the caller in messages.
#
#===-----------------------------------------------------------------------===#

install_missing_packages() {
  local tool="$1"
  shift
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  echo "$tool: installing ${missing[*]}"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "$tool: need root (or sudo) to install packages" >&2; return 1; }
    sudo=(sudo)
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}" </dev/null
}
