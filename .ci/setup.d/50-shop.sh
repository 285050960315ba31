# The shop's browser test (examples/shop): Debian's Chromium, and playwright-core
# from the committed lock file. Quick when both are already installed.
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
command -v chromium >/dev/null 2>&1 || { echo "50-shop: chromium is still missing after apt-get install" >&2; exit 1; }
chromium --version 2>/dev/null
if [ ! -f examples/shop/testdata/browser/node_modules/.package-lock.json ]; then
  (cd examples/shop/testdata/browser && npm ci --no-audit --no-fund)
fi
