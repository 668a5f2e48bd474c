package decode_test

import (
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// BenchmarkDecodeHour reads one hour of 360,000 ticks, as the consumer writes it at today's defaults
// (about 4,300 objects) and at the tuned ones (360), with the fast reader and with parquet-go.
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
		for _, r := range []struct {
			name string
			read func(*decode.Decoder, []tickparquet.Row, []byte) ([]tickparquet.Row, error)
		}{{"fast", (*decode.Decoder).DecodeFast}, {"parquet-go", (*decode.Decoder).DecodeParquetGo}} {
			b.Run(in.name+"/"+r.name, func(b *testing.B) {
				dec := decode.New(fields)
				var rows []tickparquet.Row
				for b.Loop() {
					rows = rows[:0]
					for _, o := range objs {
						if rows, err = r.read(dec, rows, o.Body); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N*ticks)/b.Elapsed().Seconds(), "ticks/s")
			})
		}
	}
}
