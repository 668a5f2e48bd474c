package decode_test

import (
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// BenchmarkDecodeHour reads one hour of 360,000 ticks, as the consumer writes it at today's defaults
// (about 4,300 objects) and at the tuned ones (360): with the fast reader into a table, as compaction
// reads, and with parquet-go into rows.
func BenchmarkDecodeHour(b *testing.B) {
	const ticks = 360_000
	fields := schema.MustDefault()
	for _, in := range []struct {
		name    string
		objects int
	}{{"today-4300-objects", 4300}, {"tuned-360-objects", 360}} {
		objs, err := fixture.Hour(ticks, in.objects, 6, fields)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(in.name+"/fast", func(b *testing.B) {
			dec := decode.New(fields)
			table := tickparquet.NewTable(fields)
			for b.Loop() {
				table.Reset()
				for _, o := range objs {
					if err := dec.DecodeTable(table, o.Body); err != nil {
						b.Fatal(err)
					}
				}
			}
			if dec.Fallbacks > 0 {
				b.Fatalf("%d objects read by parquet-go", dec.Fallbacks)
			}
			b.ReportMetric(float64(b.N*ticks)/b.Elapsed().Seconds(), "ticks/s")
		})
		b.Run(in.name+"/parquet-go", func(b *testing.B) {
			dec := decode.New(fields)
			var rows []tickparquet.Row
			for b.Loop() {
				rows = rows[:0]
				for _, o := range objs {
					if rows, err = dec.DecodeParquetGo(rows, o.Body); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*ticks)/b.Elapsed().Seconds(), "ticks/s")
		})
	}
}
