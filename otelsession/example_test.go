package otelsession_test

import (
	"fmt"

	session "github.com/goastro/session"
	"github.com/goastro/session/otelsession"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/memory"
)

// A Manager whose store calls are traced and measured with the global
// OpenTelemetry providers (set them with otel.SetTracerProvider and
// otel.SetMeterProvider, or pass WithTracerProvider and WithMeterProvider).
func ExampleWrap() {
	d := memory.New(memory.Options{})
	defer d.Close()
	m, err := session.New(session.Config{
		Storage: otelsession.Wrap(d, otelsession.WithDriverName("memory")),
	})
	if err != nil {
		panic(err)
	}
	_, swaps := m.Storage().(storage.Swapper)
	fmt.Println("compare-and-swap kept:", swaps)
	// Output: compare-and-swap kept: true
}
