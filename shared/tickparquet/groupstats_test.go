package tickparquet_test

import (
	"bytes"
	"io"
	"iter"
	"math"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/pqread"
	"github.com/ticklake/ticklake/shared/tick"
	. "github.com/ticklake/ticklake/shared/tickparquet"
)

// TestRowGroupStatistics writes rows with EncodeTable in several objects of several row groups, with
// stretches where optional columns and declared fields are all null, others where they are all set,
// and doubles of both zeros and infinities, and checks each row group's statistics of every column
// against the values parquet-go reads from that row group: min and max as parquet-go orders the
// column's type, and the null count.
func TestRowGroupStatistics(t *testing.T) {
	rows := typedRows(6000, 11)
	negZero := math.Copysign(0, -1)
	for i := range rows {
		r := &rows[i]
		switch {
		case i >= 1000 && i < 2500: // all null, over row groups
			r.Bid, r.Ask, r.Extra = nil, nil, nil
			r.Fields = make([]tick.Value, len(allTypes))
			r.Present = 0
		case i >= 3000 && i < 3500: // all set
			v := float64(i % 7)
			r.Bid, r.Ask = &v, &v
			for fi := range allTypes[:6] {
				r.Fields[fi].Valid = true
			}
			r.Present = 0
			r.MarkPresent(len(allTypes))
		case i >= 4000 && i < 4100: // zeros of both signs, infinities
			r.Price = []float64{negZero, 0, math.Inf(1), math.Inf(-1), 5}[i%5]
		}
	}
	var objects [][]byte
	err := NewSchemaEncoder(allTypes).EncodeSorted(rows, Layout{RowGroupBytes: 8 << 10, MaxObjectBytes: 40 << 10},
		func(body []byte, _ int) error { objects = append(objects, bytes.Clone(body)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	groups := 0
	for _, body := range objects {
		f, err := pqread.Open(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		leaves := f.Schema().Fields()
		for gi, rg := range f.RowGroups() {
			groups++
			var got []parquet.Row
			rr := rg.Rows()
			for {
				buf := make([]parquet.Row, 256)
				k, err := rr.ReadRows(buf)
				got = append(got, buf[:k]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			rr.Close()
			for ci, c := range f.Metadata().RowGroups[gi].Columns {
				typ := leaves[ci].Type()
				nulls, wantLo, wantHi := valueStats(typ, func(yield func(parquet.Value) bool) {
					for _, r := range got {
						if !yield(r[ci]) {
							return
						}
					}
				})
				st := c.MetaData.Statistics
				name := c.MetaData.PathInSchema[0]
				if name == ColPrice && wantLo != nil && bytes.Equal(wantLo, wantHi) && math.Float64frombits(leU64(wantLo)) == 0 {
					// all zeros: either sign is a correct bound
					wantLo, wantHi = st.MinValue, st.MaxValue
				}
				if st.NullCount != nulls || int64(len(got)) != c.MetaData.NumValues ||
					!sameBound(wantLo, st.MinValue) || !sameBound(wantHi, st.MaxValue) {
					t.Errorf("row group %d (%d rows) %s: stats null %d min %x max %x, want null %d min %x max %x", groups-1, len(got), name,
						st.NullCount, st.MinValue, st.MaxValue, nulls, wantLo, wantHi)
				}
			}
		}
	}
	if len(objects) < 2 || groups < 6 {
		t.Fatalf("%d objects, %d row groups: want several of each", len(objects), groups)
	}
}

func leU64(b []byte) uint64 {
	var x uint64
	for i := len(b) - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x
}

// sameBound: equal bytes, or two zeros of doubles (parquet-go orders -0 and +0 as equal, so either
// is its minimum).
func sameBound(want, got []byte) bool {
	if bytes.Equal(want, got) {
		return true
	}
	return len(want) == 8 && len(got) == 8 && math.Float64frombits(leU64(want)) == 0 && math.Float64frombits(leU64(got)) == 0
}

// valueStats returns the null count and the least and greatest values' bytes (nil when all are null)
// of values of typ, as a column chunk's statistics should hold them.
func valueStats(typ parquet.Type, values iter.Seq[parquet.Value]) (nulls int64, lo, hi []byte) {
	var least, most parquet.Value
	seen := false
	for v := range values {
		if v.IsNull() {
			nulls++
			continue
		}
		if !seen || typ.Compare(v, least) < 0 {
			least = v
		}
		if !seen || typ.Compare(v, most) > 0 {
			most = v
		}
		seen = true
	}
	if !seen {
		return nulls, nil, nil
	}
	return nulls, least.Bytes(), most.Bytes()
}
