package consumer

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/kafkaevent"
)

// BenchmarkConsumerBatch measures the handler's whole work on a 10,000-record aws:kafka event of
// simulated ticks (about 1.5 MB): parse the event's JSON, decode base64, decode and validate the
// ticks, encode Parquet.
func BenchmarkConsumerBatch(b *testing.B) {
	const n = 10000
	payload := kafkaevent.Append(nil, fixture.Event("ticks", 0, 0, fixture.Values(fixture.SimTicks(n, 1))))
	out := &fixture.Sink{}
	h := New(testConfig, out, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx := context.Background()
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "ticks/s")
	b.ReportMetric(float64(out.Bytes())/float64(b.N*n), "stored-bytes/tick")
	b.ReportMetric(float64(len(payload))/1e6, "event-MB")
}
