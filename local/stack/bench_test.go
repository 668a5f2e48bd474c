package stack

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/local/athena"
	"github.com/ticklake/ticklake/shared/producer"
	"github.com/ticklake/ticklake/shared/tick"
)

// BenchmarkEndToEnd sends 1,000,000 simulated ticks through the local stack: produce to Kafka, the
// event-source mapping, the consumer, S3, a crawl, and an Athena count. It reports ticks/s, the time
// of each stage and the stack's start-up time.
func BenchmarkEndToEnd(b *testing.B) {
	const n = 1_000_000
	values := fixture.Values(fixture.SimTicks(n, 1))
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		began := time.Now()
		st, err := Start(Options{DataDir: dir, Partitions: 6, BatchSize: 10000, Window: 200 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		startup := time.Since(began)
		ctx := context.Background()

		t0 := time.Now()
		cl, err := kgo.NewClient(append(producer.ClientOptions(producer.Config{Topic: Topic}), kgo.SeedBrokers(st.Brokers...))...)
		if err != nil {
			b.Fatal(err)
		}
		var tk tick.Tick
		dec := tick.NewDecoder()
		for _, v := range values {
			_ = dec.Decode(v, &tk)
			cl.Produce(ctx, &kgo.Record{Key: []byte(tk.Symbol), Value: v}, nil)
		}
		if err := cl.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		cl.Close()
		produce := time.Since(t0)

		t1 := time.Now()
		if err := st.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		consume := time.Since(t1)
		t2 := time.Now()
		if _, err := st.Crawl(ctx); err != nil {
			b.Fatal(err)
		}
		crawl := time.Since(t2)
		t3 := time.Now()
		id, err := st.Athena.Start(athena.StartRequest{Query: "SELECT count(*) FROM ticks", Database: Database, WorkGroup: WorkGroup})
		if err != nil {
			b.Fatal(err)
		}
		ex, err := st.Athena.Wait(ctx, id)
		if err != nil || ex.State != "SUCCEEDED" || *ex.Rows[0][0] != "1000000" {
			b.Fatalf("count: %+v %v", ex, err)
		}
		query := time.Since(t3)
		total := time.Since(began)
		st.Close()
		b.ReportMetric(float64(n)/total.Seconds(), "ticks/s")
		b.ReportMetric(total.Seconds(), "wall-s")
		b.ReportMetric(startup.Seconds()*1000, "startup-ms")
		b.ReportMetric(produce.Seconds(), "produce-s")
		b.ReportMetric(consume.Seconds(), "consume-s")
		b.ReportMetric(crawl.Seconds(), "crawl-s")
		b.ReportMetric(query.Seconds(), "query-s")
	}
}
