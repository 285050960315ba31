# Headless Chromium for the shop's browser test (examples/shop). Debian's package;
# nothing to do when it is already installed.
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
command -v chromium >/dev/null 2>&1 || { echo "50-shop: chromium is still missing after apt-get install" >&2; exit 1; }
chromium --version
