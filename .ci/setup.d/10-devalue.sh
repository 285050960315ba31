# Node.js packages of the devalue differential tests and benchmarks: the npm
# devalue package, versions 5 and 6, pinned by package-lock.json.
if [ ! -e devalue/testdata/js/node_modules/.package-lock.json ]; then
  (cd devalue/testdata/js && npm ci --no-audit --no-fund)
fi
(cd devalue/testdata/js && node --input-type=module -e 'await import("devalue5"); await import("devalue6")')
