package tick_test

import (
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/tick"
)

func BenchmarkDecode(b *testing.B) {
	values := fixture.Values(fixture.SimTicks(10000, 1))
	d := tick.NewDecoder()
	var t tick.Tick
	for b.Loop() {
		for _, v := range values {
			if err := d.Decode(v, &t); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(values))/b.Elapsed().Seconds(), "ticks/s")
}
