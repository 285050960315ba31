# Bounded fuzzing of the parsers that read what clients and stores send: the
# devalue parser, the stored record reader, the session
# cookie (the header parser and the middleware behind it), the storage key
# rules and the fs driver's mapping of keys to files. Each target runs a fixed
# number of executions from its seed corpus; a failure stops CI with the
# failing input saved under the package's testdata/fuzz.
# The reliability tests also start their own redis-server and PostgreSQL
# cluster (initdb, pg_ctl), which must be installed.
command -v redis-server >/dev/null || { echo "reliability: redis-server is not installed" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null ||
  { echo "reliability: PostgreSQL server binaries (initdb, pg_ctl) are not installed" >&2; exit 1; }

# Budgets are execution counts, not durations: Go 1.26's fuzzing coordinator
# can report "context deadline exceeded" as a failure when a -fuzztime
# duration ends while a worker is busy (go.dev/issue/75804, fixed in Go 1.27);
# a count has no deadline. Each count is about 15-20 s on a 2-core machine.
reliability_fuzz() { # package target executions
  local pkg=$1 target=$2 count=$3
  if ! go test -list "^${target}\$" "$pkg" | grep -x "$target" >/dev/null; then
    echo "reliability: fuzz target $target not found in $pkg" >&2
    exit 1
  fi
  echo "fuzz $pkg $target for $count executions"
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "${count}x" "$pkg"
}
reliability_fuzz ./devalue FuzzParse 1000000
reliability_fuzz . FuzzDecodeRecord 300000
reliability_fuzz . FuzzCookieValue 300000
reliability_fuzz ./reliability FuzzSessionCookieHeader 120000
reliability_fuzz ./storage FuzzKeys 600000
reliability_fuzz ./reliability FuzzFSKeyMapping 12000
