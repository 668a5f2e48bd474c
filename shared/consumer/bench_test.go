package consumer

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/kafkaevent"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
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

// BenchmarkConsumerBatchFields is BenchmarkConsumerBatch on ticks that carry extra fields, with the
// default declaration: replayed ticks with the stock-index data set's nine columns, and simulated
// ticks with a venue and a sequence number.
func BenchmarkConsumerBatchFields(b *testing.B) {
	const n = 10000
	for _, in := range []struct {
		name  string
		ticks []tick.Tick
	}{{"replay", fixture.ReplayTicks(n)}, {"feed", fixture.FeedTicks(n, 1)}} {
		b.Run(in.name, func(b *testing.B) {
			payload := kafkaevent.Append(nil, fixture.Event("ticks", 0, 0, fixture.Values(in.ticks)))
			out := &fixture.Sink{}
			cfg := testConfig
			cfg.Fields = schema.MustDefault()
			h := New(cfg, out, slog.New(slog.NewJSONHandler(io.Discard, nil)))
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
		})
	}
}
