#!/usr/bin/env bash
# Install the pinned Salesforce CLI (tests/cli/npm: @salesforce/cli with @jsforce/jsforce-node
# held at the release that runs on Node 20; newer CLIs need Node 22) into a cache keyed by the lock file, and print the
# path of its `sf` on the last line. Cached: returns at once; `npm ci` only when the lock changes.
#
#   SF_CLI_CACHE  the cache directory (default ~/.cache/miitel-portal/sf-cli)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
spec="$root/tests/cli/npm"
cache="${SF_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/miitel-portal/sf-cli}"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install_sf_cli: '$tool' is missing; install Node.js and npm (make sf-cli does)" >&2
    exit 1
  fi
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "install_sf_cli: Node.js $(node --version) is too old; this Salesforce CLI needs 18.6+" >&2
  exit 1
fi

version="$(node -p "require('$spec/package.json').dependencies['@salesforce/cli']")"
key="$(cat "$spec/package.json" "$spec/package-lock.json" | sha256sum | cut -c1-12)"
target="$cache/$version-$key"
sf="$target/node_modules/.bin/sf"

if [ -x "$sf" ] && [ -f "$target/.installed" ]; then
  echo "$sf"
  exit 0
fi

mkdir -p "$cache"
# One install at a time (parallel test runs); the one that waited finds it done.
exec 9>"$cache/.lock"
flock 9
if [ -x "$sf" ] && [ -f "$target/.installed" ]; then
  echo "$sf"
  exit 0
fi
work="$(mktemp -d "$cache/.install-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$spec/package.json" "$spec/package-lock.json" "$work/"
echo "install_sf_cli: installing @salesforce/cli $version into $target" >&2
# No install scripts: the CLI needs none, and nothing runs from the registry at install time.
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
chmod 755 "$work"
touch "$work/.installed"
rm -rf "$target"
mv "$work" "$target"
trap - EXIT
# Older installs of other versions or locks are no longer used.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -path "$target" ! -name '.install-*' \
  -exec rm -rf {} +
echo "$sf"
