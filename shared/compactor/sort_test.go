package compactor_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// TestDedupeSort checks DedupeSort against a plain oracle (a map of the coordinates seen, then a
// stable comparison sort): inputs of duplicates, ties on symbol and ts, sparse offsets, and keys too
// wide to pack in 64 bits.
func TestDedupeSort(t *testing.T) {
	syms := []string{"NVDA", "AAPL", "MSFT", "A", "AAPL2", "ZZZ"}
	for _, tc := range []struct {
		name      string
		n         int
		tsSpan    int64 // ts drawn from [0, tsSpan)
		offSpan   int64 // offsets drawn from [0, offSpan)
		parts     int32
		partsBase int32
	}{
		{"hour, duplicates, ties", 20000, 3_600_000_000, 5000, 6, 0},
		{"one symbol one ts", 500, 1, 200, 3, 0},
		{"sparse offsets", 3000, 1_000_000, 1 << 40, 4, 0},
		{"wide keys", 3000, math.MaxInt64 / 2, 1 << 40, 5, -2},
		{"one row", 1, 10, 10, 1, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.n), 9))
			var rows []tickparquet.Row
			for range tc.n {
				r := tickparquet.Row{Symbol: syms[rng.IntN(len(syms))], TS: rng.Int64N(tc.tsSpan) - tc.tsSpan/3,
					KafkaPartition: tc.partsBase + rng.Int32N(tc.parts), KafkaOffset: rng.Int64N(tc.offSpan)}
				r.Price = float64(r.KafkaOffset) // a function of the coordinates, as a record is
				rows = append(rows, r)
			}
			table := tickparquet.NewTable(schema.Schema{})
			table.AppendRows(rows)
			got := compactor.DedupeSort(table)

			type pk struct {
				p int32
				o int64
			}
			seen := map[pk]bool{}
			var want []int32
			for i, r := range rows {
				if !seen[pk{r.KafkaPartition, r.KafkaOffset}] {
					seen[pk{r.KafkaPartition, r.KafkaOffset}] = true
					want = append(want, int32(i))
				}
			}
			slices.SortStableFunc(want, func(a, b int32) int {
				x, y := rows[a], rows[b]
				return cmp.Or(cmp.Compare(x.Symbol, y.Symbol), cmp.Compare(x.TS, y.TS),
					cmp.Compare(x.KafkaPartition, y.KafkaPartition), cmp.Compare(x.KafkaOffset, y.KafkaOffset))
			})
			if !slices.Equal(got, want) {
				t.Fatalf("%d rows kept, want %d; first rows %v, want %v", len(got), len(want), got[:min(8, len(got))], want[:min(8, len(want))])
			}
		})
	}
}

// BenchmarkDedupeSort measures DedupeSort alone on one hour at the tuned batching, already read.
func BenchmarkDedupeSort(b *testing.B) {
	table := tunedHour(b)
	cpu0 := cpuTime()
	for b.Loop() {
		compactor.DedupeSort(table)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
