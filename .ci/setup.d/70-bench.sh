# bench/ is a module of its own (it depends on the libraries it is compared
# with), so the root `go vet ./...` and `go test ./...` do not enter it. Here it
# is vetted, its tools are tested, and every benchmark runs once (-benchtime 1x)
# as a smoke test: each checks what it stored, so a broken scenario fails. The
# full comparison (bench/run) takes minutes and is not run in CI.
(
	cd bench
	go vet ./...
	go test -count 1 -run . -bench . -benchtime 1x ./...
)
