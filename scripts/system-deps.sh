#!/usr/bin/env bash
# Install the system programs tinygrad_mm uses when they are missing: graphviz (the `dot` renderer)
# and chromium (headless browser tests of the HTML viewer). Uses apt-get as root or with passwordless
# sudo; otherwise says exactly what to install and exits 1.
set -u
declare -A probe=([graphviz]="command -v dot" [chromium]="test -x /usr/bin/chromium")
missing=()
for pkg in "$@"; do
  eval "${probe[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi
if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null && exit 0
fi
{
  echo "tinygrad_mm needs these system packages, which are missing: ${missing[*]}"
  for pkg in "${missing[@]}"; do
    case $pkg in
      graphviz) echo "  graphviz (the 'dot' program): Debian/Ubuntu 'sudo apt-get install graphviz', macOS 'brew install graphviz', conda 'conda install -c conda-forge graphviz', Windows 'winget install graphviz'";;
      chromium) echo "  chromium (for the HTML viewer's browser tests): Debian/Ubuntu 'sudo apt-get install chromium'";;
    esac
  done
} >&2
exit 1
