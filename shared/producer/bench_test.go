package producer

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/shared/clock"
)

// BenchmarkProduceToKfake measures the producer's throughput into an in-process Kafka (kfake): one
// invocation of 100,000 simulated ticks per iteration, with the client tuning of the function.
func BenchmarkProduceToKfake(b *testing.B) {
	brokers := kafkatest.Cluster(b, "ticks", 8)
	cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 100_000, Run: time.Second, Source: SourceSim, Seed: 1, HasSeed: true}
	cl, err := kgo.NewClient(append(ClientOptions(cfg), kgo.SeedBrokers(brokers...))...)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	h := New(cfg, cl, clock.NewFake(time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)), nil, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	var total int64
	for b.Loop() {
		sum, err := h.Handle(context.Background(), Event{})
		if err != nil || sum.Failed != 0 {
			b.Fatal(err, sum)
		}
		total += sum.Produced
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "ticks/s")
}
