package compat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/consumer"
	"github.com/ticklake/ticklake/shared/kafkaevent"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
)

// BenchmarkConvertFields compares, as BenchmarkConvert does, the consumer handler (with the default
// declared fields) and DuckDB on ticks that carry extra fields: replayed ticks with the stock-index
// data set's nine columns, and simulated ticks with a venue and a sequence number. DuckDB reads the
// same NDJSON with every field typed as the declaration types it.
func BenchmarkConvertFields(b *testing.B) {
	inputs := []struct {
		name    string
		ticks   []tick.Tick
		columns string
	}{
		{"replay", fixture.ReplayTicks(benchTicks), `symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', size: 'BIGINT',
			"index": 'VARCHAR', "date": 'DATE', open: 'DOUBLE', high: 'DOUBLE', low: 'DOUBLE', "close": 'DOUBLE',
			adj_close: 'DOUBLE', volume: 'BIGINT', close_usd: 'DOUBLE'`},
		{"feed", fixture.FeedTicks(benchTicks, 1), `symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', size: 'BIGINT',
			bid: 'DOUBLE', ask: 'DOUBLE', venue: 'VARCHAR', seq: 'BIGINT'`},
	}
	report := func(b *testing.B, stored int64) {
		b.ReportMetric(float64(b.N*benchTicks)/b.Elapsed().Seconds(), "ticks/s")
		b.ReportMetric(float64(stored)/float64(b.N*benchTicks), "stored-bytes/tick")
	}
	for _, in := range inputs {
		values := fixture.Values(in.ticks)
		event := kafkaevent.Append(nil, fixture.Event("ticks", 0, 0, values))
		ndjson := bytes.Join(values, []byte("\n"))
		b.Run(in.name+"/consumer/aws-kafka-event", func(b *testing.B) {
			out := &fixture.Sink{}
			h := consumer.New(consumer.Config{Bucket: "b", DataPrefix: "ticks/", DLQPrefix: "dlq/", Fields: schema.MustDefault()},
				out, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			b.SetBytes(int64(len(event)))
			for b.Loop() {
				if _, err := h.Invoke(context.Background(), event); err != nil {
					b.Fatal(err)
				}
			}
			report(b, out.Bytes())
		})
		dir := b.TempDir()
		file := filepath.Join(dir, "ticks.ndjson")
		if err := os.WriteFile(file, ndjson, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(in.name+"/duckdb/ndjson/threads=1", func(b *testing.B) {
			db := openDuckDB(b)
			if _, err := db.Exec("SET threads = 1"); err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "out.parquet")
			copySQL := fmt.Sprintf(`COPY (SELECT * FROM read_json('%s', format = 'newline_delimited', columns = {%s}))
				TO '%s' (FORMAT parquet, COMPRESSION zstd)`, file, in.columns, out)
			var stored int64
			b.SetBytes(int64(len(ndjson)))
			for b.Loop() {
				if _, err := db.Exec(copySQL); err != nil {
					b.Fatal(err)
				}
				st, err := os.Stat(out)
				if err != nil {
					b.Fatal(err)
				}
				stored += st.Size()
			}
			report(b, stored)
		})
	}
}
