#!/usr/bin/env bash
# Installs the Debian packages Plomba needs, and only those that are missing:
#   redis-server       the job broker (tests start a throwaway one)
#   postgresql         initdb/pg_ctl for the test suite's throwaway cluster
#   chromium           the browser of the end-to-end tests (playwright drives /usr/bin/chromium)
#   fonts-dejavu-core  DejaVu Sans, embedded in PDFs for the Polish letters
#   poppler-utils      pdftoppm, to look at generated PDFs
# Quick (no apt at all) when everything is present. Needs root or sudo when something is not.
set -euo pipefail

missing=()
have_initdb() { compgen -G '/usr/lib/postgresql/*/bin/initdb' > /dev/null; }

[ -x /usr/bin/redis-server ] || missing+=(redis-server)
have_initdb || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v pdftoppm > /dev/null 2>&1 || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-system: installing missing Debian packages: ${missing[*]}"

if ! command -v apt-get > /dev/null 2>&1; then
    echo "install-system: apt-get is not available (not Debian/Ubuntu?)." >&2
    echo "install-system: install these by hand: ${missing[*]}" >&2
    exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo > /dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-system: not root and sudo is missing; as root run:" >&2
        echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" < /dev/null

# The postgresql package starts a cluster of its own where an init system runs; the tests
# do not use it (they start their own on a free port), so leave it as the package set it up.
echo "install-system: done"
