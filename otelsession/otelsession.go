// Package otelsession instruments the storage driver of a session Manager with
// OpenTelemetry: a span for every call to the store and metrics of loads,
// saves, compare-and-swap conflicts, save failures, record sizes and store
// latency.
//
//	d, err := storage.Open("redis", options)
//	...
//	m, err := session.New(session.Config{Storage: otelsession.Wrap(d, otelsession.WithDriverName("redis"))})
//
// The wrapper has exactly the optional abilities of the driver it wraps: it
// implements storage.Swapper only when the driver does (so the Manager merges
// concurrent writes exactly as it would without instrumentation),
// storage.Sweeper only when the driver does, and storage.Batcher only when the
// driver does (so the Manager checks and removes a user's sessions in as few
// calls as it would without instrumentation).
//
// Session IDs are credentials: spans never carry a key in clear, only the first
// 12 hexadecimal digits of its SHA-256 hash ("session.key_hash"), enough to
// follow one session through a trace. Values are never recorded, only their
// size.
package otelsession

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/goastro/session/storage"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/goastro/session/otelsession"

// Option configures Wrap.
type Option func(*config)

type config struct {
	tp   trace.TracerProvider
	mp   metric.MeterProvider
	name string
}

// WithTracerProvider sets the TracerProvider spans are made with. Default: the
// global one (otel.GetTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option { return func(c *config) { c.tp = tp } }

// WithMeterProvider sets the MeterProvider metrics are recorded with. Default:
// the global one (otel.GetMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(c *config) { c.mp = mp } }

// WithDriverName sets the driver name carried by spans and metrics as
// "session.driver" ("redis", "postgres", ...). Default: the Go type of the
// wrapped driver, such as "*redis.Driver".
func WithDriverName(name string) Option { return func(c *config) { c.name = name } }

// Driver is an instrumented storage.Driver. Wrap returns it, or a type that
// embeds it and adds CompareAndSwap, Sweep, HasMany and DeleteMany where the
// wrapped driver has them.
type Driver struct {
	next    storage.Driver
	tracer  trace.Tracer
	m       instruments
	driver  attribute.KeyValue
	attrSet metric.MeasurementOption
}

// Wrap returns d instrumented. The result implements storage.Swapper exactly
// when d does, storage.Sweeper exactly when d does, and storage.Batcher exactly
// when d does. Closing the result closes d.
func Wrap(d storage.Driver, opts ...Option) storage.Driver {
	base := newDriver(d, opts)
	sw, swaps := d.(storage.Swapper)
	sp, sweeps := d.(storage.Sweeper)
	b, batches := d.(storage.Batcher)
	swap, sweep, batch := swapOps{base, sw}, sweepOps{base, sp}, batchOps{base, b}
	switch {
	case swaps && sweeps && batches:
		return &swapSweepBatchDriver{base, swap, sweep, batch}
	case swaps && sweeps:
		return &swapSweepDriver{base, swap, sweep}
	case swaps && batches:
		return &swapBatchDriver{base, swap, batch}
	case sweeps && batches:
		return &sweepBatchDriver{base, sweep, batch}
	case swaps:
		return &swapDriver{base, swap}
	case sweeps:
		return &sweepDriver{base, sweep}
	case batches:
		return &batchDriver{base, batch}
	}
	return base
}

// The wrappers of drivers with optional abilities: the Driver, and the
// instrumented methods of each ability the wrapped driver has.
type (
	swapDriver struct {
		*Driver
		swapOps
	}
	sweepDriver struct {
		*Driver
		sweepOps
	}
	batchDriver struct {
		*Driver
		batchOps
	}
	swapSweepDriver struct {
		*Driver
		swapOps
		sweepOps
	}
	swapBatchDriver struct {
		*Driver
		swapOps
		batchOps
	}
	sweepBatchDriver struct {
		*Driver
		sweepOps
		batchOps
	}
	swapSweepBatchDriver struct {
		*Driver
		swapOps
		sweepOps
		batchOps
	}
)

func newDriver(d storage.Driver, opts []Option) *Driver {
	c := config{}
	for _, o := range opts {
		o(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	if c.name == "" {
		c.name = fmt.Sprintf("%T", d)
	}
	driver := attribute.String("session.driver", c.name)
	return &Driver{
		next:    d,
		tracer:  c.tp.Tracer(ScopeName),
		m:       newInstruments(c.mp.Meter(ScopeName)),
		driver:  driver,
		attrSet: metric.WithAttributeSet(attribute.NewSet(driver)),
	}
}

// Unwrap returns the wrapped driver.
func (d *Driver) Unwrap() storage.Driver { return d.next }

// KeyHash is what spans carry instead of a key: the first 12 hexadecimal
// digits of the SHA-256 hash of the key.
func KeyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:6])
}

// call is one store call being observed.
type call struct {
	d     *Driver
	op    string
	span  trace.Span
	start time.Time
}

// begin starts the span of one store call.
func (d *Driver) begin(ctx context.Context, op string, attrs ...attribute.KeyValue) (context.Context, *call) {
	attrs = append(attrs, d.driver, attribute.String("session.operation", op))
	ctx, span := d.tracer.Start(ctx, "session.store."+op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, &call{d: d, op: op, span: span, start: time.Now()}
}

// end records the call's latency and error, and ends its span.
func (c *call) end(ctx context.Context, err error, attrs ...attribute.KeyValue) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
		c.span.RecordError(err)
		c.span.SetStatus(codes.Error, err.Error())
	}
	c.span.SetAttributes(attrs...)
	c.d.m.duration.Record(ctx, time.Since(c.start).Seconds(), metric.WithAttributes(
		c.d.driver, attribute.String("session.operation", c.op), attribute.String("session.outcome", outcome)))
	c.span.End()
}

func keyAttr(key string) attribute.KeyValue {
	return attribute.String("session.key_hash", KeyHash(key))
}

// Get implements storage.Driver.
func (d *Driver) Get(ctx context.Context, key string) (string, bool, error) {
	ctx, c := d.begin(ctx, "get", keyAttr(key))
	v, ok, err := d.next.Get(ctx, key)
	result := "hit"
	switch {
	case err != nil:
		result = "error"
	case !ok:
		result = "miss"
	default:
		d.m.size.Record(ctx, int64(len(v)), metric.WithAttributes(d.driver, attribute.String("session.operation", "get")))
	}
	d.m.loads.Add(ctx, 1, metric.WithAttributes(d.driver, attribute.String("session.result", result)))
	c.end(ctx, err, attribute.Bool("session.found", ok), attribute.Int("session.record.size", len(v)))
	return v, ok, err
}

// Set implements storage.Driver.
func (d *Driver) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	ctx, c := d.begin(ctx, "set", keyAttr(key), attribute.Int("session.record.size", len(value)),
		attribute.Float64("session.ttl_seconds", ttl.Seconds()))
	err := d.next.Set(ctx, key, value, ttl)
	d.saved(ctx, "set", len(value), err, true)
	c.end(ctx, err)
	return err
}

// saved counts one save (a Set, or a CompareAndSwap that wrote or found a conflict).
func (d *Driver) saved(ctx context.Context, op string, size int, err error, written bool) {
	result := "ok"
	switch {
	case err != nil:
		result = "error"
		d.m.failures.Add(ctx, 1, metric.WithAttributes(d.driver, attribute.String("session.operation", op)))
	case !written:
		result = "conflict"
		d.m.conflicts.Add(ctx, 1, d.attrSet)
	case size > 0:
		d.m.size.Record(ctx, int64(size), metric.WithAttributes(d.driver, attribute.String("session.operation", op)))
	}
	d.m.saves.Add(ctx, 1, metric.WithAttributes(d.driver, attribute.String("session.operation", op), attribute.String("session.result", result)))
}

// Delete implements storage.Driver.
func (d *Driver) Delete(ctx context.Context, key string) error {
	ctx, c := d.begin(ctx, "delete", keyAttr(key))
	err := d.next.Delete(ctx, key)
	c.end(ctx, err)
	return err
}

// Has implements storage.Driver.
func (d *Driver) Has(ctx context.Context, key string) (bool, error) {
	ctx, c := d.begin(ctx, "has", keyAttr(key))
	ok, err := d.next.Has(ctx, key)
	c.end(ctx, err, attribute.Bool("session.found", ok))
	return ok, err
}

// Keys implements storage.Driver. The span carries how many keys were listed,
// not the prefix, which may be a session ID.
func (d *Driver) Keys(ctx context.Context, prefix string) ([]string, error) {
	ctx, c := d.begin(ctx, "keys", attribute.Bool("session.prefixed", prefix != ""))
	keys, err := d.next.Keys(ctx, prefix)
	c.end(ctx, err, attribute.Int("session.keys", len(keys)))
	return keys, err
}

// Clear implements storage.Driver.
func (d *Driver) Clear(ctx context.Context) error {
	ctx, c := d.begin(ctx, "clear")
	err := d.next.Clear(ctx)
	c.end(ctx, err)
	return err
}

// Close implements storage.Driver: it closes the wrapped driver.
func (d *Driver) Close() error { return d.next.Close() }

// swapOps instruments a driver's atomic conditional write.
type swapOps struct {
	d  *Driver
	sw storage.Swapper
}

// CompareAndSwap implements storage.Swapper. A swap that finds another value
// counts as a conflict: the Manager then reads the record again, merges and
// retries, so conflicts also count its retries.
func (o swapOps) CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (bool, error) {
	ctx, c := o.d.begin(ctx, "compare_and_swap", keyAttr(key), attribute.Bool("session.exists", exists),
		attribute.Int("session.record.size", len(value)), attribute.Float64("session.ttl_seconds", ttl.Seconds()))
	ok, err := o.sw.CompareAndSwap(ctx, key, old, exists, value, ttl)
	o.d.saved(ctx, "compare_and_swap", len(value), err, ok)
	c.end(ctx, err, attribute.Bool("session.swapped", ok))
	return ok, err
}

// sweepOps instruments a driver's sweep of expired records.
type sweepOps struct {
	d  *Driver
	sp storage.Sweeper
}

// Sweep implements storage.Sweeper.
func (o sweepOps) Sweep(ctx context.Context) (int, error) {
	ctx, c := o.d.begin(ctx, "sweep")
	n, err := o.sp.Sweep(ctx)
	c.end(ctx, err, attribute.Int("session.removed", n))
	return n, err
}

// batchOps instruments a driver's batched checks and deletes. Their spans
// carry how many keys they were given, not the keys.
type batchOps struct {
	d *Driver
	b storage.Batcher
}

// HasMany implements storage.Batcher.
func (o batchOps) HasMany(ctx context.Context, keys []string) ([]bool, error) {
	ctx, c := o.d.begin(ctx, "has_many", attribute.Int("session.keys", len(keys)))
	found, err := o.b.HasMany(ctx, keys)
	n := 0
	for _, ok := range found {
		if ok {
			n++
		}
	}
	c.end(ctx, err, attribute.Int("session.found_keys", n))
	return found, err
}

// DeleteMany implements storage.Batcher.
func (o batchOps) DeleteMany(ctx context.Context, keys []string) error {
	ctx, c := o.d.begin(ctx, "delete_many", attribute.Int("session.keys", len(keys)))
	err := o.b.DeleteMany(ctx, keys)
	c.end(ctx, err)
	return err
}
