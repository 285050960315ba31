# Bounded fuzzing of the parsers that read what clients and stores send: the
# devalue parser (whole and lazy), the stored record reader, the session
# cookie (the header parser and the middleware behind it), the storage key
# rules and the fs driver's mapping of keys to files. Each target runs for a
# fixed time from its seed corpus; a failure stops CI with the failing input
# saved under the package's testdata/fuzz.
# The reliability tests also start their own redis-server and PostgreSQL
# cluster (initdb, pg_ctl), which must be installed.
command -v redis-server >/dev/null || { echo "reliability: redis-server is not installed" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null ||
  { echo "reliability: PostgreSQL server binaries (initdb, pg_ctl) are not installed" >&2; exit 1; }

reliability_fuzz() { # package target seconds
  local pkg=$1 target=$2 secs=$3
  if ! go test -list "^${target}\$" "$pkg" | grep -x "$target" >/dev/null; then
    echo "reliability: fuzz target $target not found in $pkg" >&2
    exit 1
  fi
  echo "fuzz $pkg $target for ${secs}s"
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" "$pkg"
}
reliability_fuzz ./devalue FuzzParse 20
reliability_fuzz ./devalue FuzzDoc 15
reliability_fuzz . FuzzDecodeRecord 15
reliability_fuzz . FuzzCookieValue 15
reliability_fuzz ./reliability FuzzSessionCookieHeader 15
reliability_fuzz ./storage FuzzKeys 15
reliability_fuzz ./reliability FuzzFSKeyMapping 20
