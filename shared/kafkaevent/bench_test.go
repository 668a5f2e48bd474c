package kafkaevent_test

import (
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/kafkaevent"
)

func BenchmarkParse(b *testing.B) {
	payload := kafkaevent.Append(nil, fixture.Event("ticks", 0, 0, fixture.Values(fixture.SimTicks(10000, 1))))
	var p kafkaevent.Parser
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := p.Parse(payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "records/s")
}
