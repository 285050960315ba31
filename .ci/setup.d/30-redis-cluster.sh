# Redis tools for the storage/redis tests, which start their own throwaway
# redis-server processes (a 3-master Redis Cluster and a Sentinel deployment) on
# free loopback ports: make sure redis-server (with its Sentinel mode) and
# redis-cli are installed.
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools
fi
redis-server --version
redis-cli --version
