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
	benchBatch(b, testConfig, fixture.SimTicks(10000, 1))
}

// BenchmarkConsumerBatchFields is BenchmarkConsumerBatch on ticks that carry extra fields, with the
// default declaration: replayed ticks with the stock-index data set's nine columns, and simulated
// ticks with a venue and a sequence number.
func BenchmarkConsumerBatchFields(b *testing.B) {
	const n = 10000
	cfg := testConfig
	cfg.Fields = schema.MustDefault()
	b.Run("replay", func(b *testing.B) { benchBatch(b, cfg, fixture.ReplayTicks(n)) })
	b.Run("feed", func(b *testing.B) { benchBatch(b, cfg, fixture.FeedTicks(n, 1)) })
}

// benchBatch runs the handler on one event of ticks, storing into a sink that counts bytes.
func benchBatch(b *testing.B, cfg Config, ticks []tick.Tick) {
	payload := kafkaevent.Append(nil, fixture.Event("ticks", 0, 0, fixture.Values(ticks)))
	out := &fixture.Sink{}
	h := New(cfg, out, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx := context.Background()
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(ticks))/b.Elapsed().Seconds(), "ticks/s")
	b.ReportMetric(float64(out.Bytes())/float64(b.N*len(ticks)), "stored-bytes/tick")
	b.ReportMetric(float64(len(payload))/1e6, "event-MB")
}
