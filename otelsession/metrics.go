package otelsession

import (
	"go.opentelemetry.io/otel/metric"
)

// The metrics, all with the attribute "session.driver":
//
//	session.store.loads          counter   Get calls; session.result = hit, miss or error
//	session.store.saves          counter   Set and CompareAndSwap calls; session.operation,
//	                                       session.result = ok, conflict or error
//	session.store.cas_conflicts  counter   compare-and-swaps that found another value (each
//	                                       one makes the Manager merge and retry)
//	session.store.save_failures  counter   Set and CompareAndSwap calls that returned an error
//	session.store.record.size    histogram bytes of the records read and written (By)
//	session.store.duration       histogram seconds of every store call (s); session.operation,
//	                                       session.outcome = ok or error
type instruments struct {
	loads, saves, conflicts, failures metric.Int64Counter
	size                              metric.Int64Histogram
	duration                          metric.Float64Histogram
}

// newInstruments creates the instruments. A meter that fails to create one
// returns a working no-op instrument with its error, as the API specifies, so
// the errors are dropped: instrumentation never stops the store.
func newInstruments(m metric.Meter) instruments {
	var in instruments
	in.loads, _ = m.Int64Counter("session.store.loads", metric.WithUnit("{call}"),
		metric.WithDescription("Session records read from the store (Get), by result: hit, miss or error."))
	in.saves, _ = m.Int64Counter("session.store.saves", metric.WithUnit("{call}"),
		metric.WithDescription("Session records written to the store (Set, CompareAndSwap), by result: ok, conflict or error."))
	in.conflicts, _ = m.Int64Counter("session.store.cas_conflicts", metric.WithUnit("{call}"),
		metric.WithDescription("Compare-and-swap writes that found the record changed; the Manager merges and retries."))
	in.failures, _ = m.Int64Counter("session.store.save_failures", metric.WithUnit("{call}"),
		metric.WithDescription("Writes of session records that failed with an error."))
	in.size, _ = m.Int64Histogram("session.store.record.size", metric.WithUnit("By"),
		metric.WithDescription("Size of the session records read and written."),
		metric.WithExplicitBucketBoundaries(64, 256, 1024, 4096, 16384, 65536, 262144, 1048576))
	in.duration, _ = m.Float64Histogram("session.store.duration", metric.WithUnit("s"),
		metric.WithDescription("Latency of the calls to the session store."),
		metric.WithExplicitBucketBoundaries(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	return in
}
