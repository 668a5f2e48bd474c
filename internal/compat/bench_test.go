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
	"github.com/ticklake/ticklake/shared/tick"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

const benchTicks = 10000

// BenchmarkConvert compares, on the same 10,000 simulated ticks in the same run, the consumer
// handler on the aws:kafka event that carries them, the consumer's decoder and encoder on the ticks as
// newline-delimited JSON, and DuckDB converting that same NDJSON file to zstd Parquet.
func BenchmarkConvert(b *testing.B) {
	values := fixture.Values(fixture.SimTicks(benchTicks, 1))
	event := kafkaevent.Append(nil, fixture.Event("ticks", 0, 0, values))
	ndjson := bytes.Join(values, []byte("\n"))
	report := func(b *testing.B, stored int64) {
		b.ReportMetric(float64(b.N*benchTicks)/b.Elapsed().Seconds(), "ticks/s")
		b.ReportMetric(float64(stored)/float64(b.N*benchTicks), "stored-bytes/tick")
	}

	b.Run("consumer/aws-kafka-event", func(b *testing.B) {
		out := &fixture.Sink{}
		h := consumer.New(consumer.Config{Bucket: "b", DataPrefix: "ticks/", DLQPrefix: "dlq/"}, out, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		b.SetBytes(int64(len(event)))
		for b.Loop() {
			if _, err := h.Invoke(context.Background(), event); err != nil {
				b.Fatal(err)
			}
		}
		report(b, out.Bytes())
	})

	b.Run("consumer/ndjson", func(b *testing.B) {
		dec, enc := tick.NewDecoder(), tickparquet.NewEncoder()
		rows := make([]tickparquet.Row, benchTicks)
		opts := make([]tickparquet.Optional, benchTicks)
		var stored int64
		b.SetBytes(int64(len(ndjson)))
		for b.Loop() {
			var tk tick.Tick
			i := 0
			for line := range bytes.SplitSeq(ndjson, []byte("\n")) {
				if err := dec.Decode(line, &tk); err != nil {
					b.Fatal(err)
				}
				rows[i] = tickparquet.FromTick(&tk, 0, int64(i), 0, &opts[i])
				i++
			}
			body, err := enc.Encode(rows[:i], tickparquet.Meta{})
			if err != nil {
				b.Fatal(err)
			}
			stored += int64(len(body))
		}
		report(b, stored)
	})

	dir := b.TempDir()
	in := filepath.Join(dir, "ticks.ndjson")
	if err := os.WriteFile(in, ndjson, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("duckdb/ndjson/threads=%d", threads), func(b *testing.B) {
			db := openDuckDB(b)
			if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "out.parquet")
			copySQL := fmt.Sprintf(`COPY (SELECT symbol, ts, price, size, bid, ask FROM read_json('%s', format = 'newline_delimited',
				columns = {symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', size: 'BIGINT', bid: 'DOUBLE', ask: 'DOUBLE'}))
				TO '%s' (FORMAT parquet, COMPRESSION zstd)`, in, out)
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
