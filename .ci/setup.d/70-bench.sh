# bench/ is a module of its own (it depends on the libraries it is compared
# with); ./test vets it and runs its tests like every module's. Here every
# benchmark runs once (-benchtime 1x) as a smoke test: each checks what it
# stored, so a broken scenario fails. The full comparison (bench/run) takes
# minutes and is not run in CI.
(
	cd bench
	go test -count 1 -run '^$' -bench . -benchtime 1x ./...
)
