package tickparquet_test

import (
	"bytes"
	"cmp"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/pqread"
	"github.com/ticklake/ticklake/shared/schema"
	. "github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// sameRow reports whether two rows hold the same values, pointers followed.
func sameRow(a, b Row) bool {
	eqp := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	if a.Symbol != b.Symbol || a.TS != b.TS || a.Price != b.Price || a.Size != b.Size || !eqp(a.Bid, b.Bid) ||
		!eqp(a.Ask, b.Ask) || a.KafkaPartition != b.KafkaPartition || a.KafkaOffset != b.KafkaOffset ||
		a.KafkaTimestamp != b.KafkaTimestamp || (a.Extra == nil) != (b.Extra == nil) || a.Extra != nil && *a.Extra != *b.Extra {
		return false
	}
	for i := range max(len(a.Fields), len(b.Fields)) {
		var x, y = a.Fields, b.Fields
		if i >= len(x) || i >= len(y) {
			if i < len(x) && x[i].Valid || i < len(y) && y[i].Valid {
				return false
			}
			continue
		}
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// TestEncodeSortedGroupsAndObjects writes rows as several objects of several row groups, and reads
// every value back with the Decoder and with parquet-go's reflection reader, and every row group's
// statistics with parquet-go.
func TestEncodeSortedGroupsAndObjects(t *testing.T) {
	rows := typedRows(30000, 7)
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Symbol, b.Symbol), cmp.Compare(a.TS, b.TS), cmp.Compare(a.KafkaOffset, b.KafkaOffset))
	})
	var objects [][]byte
	var counts []int
	err := NewSchemaEncoder(allTypes).EncodeSorted(rows, Layout{RowGroupBytes: 40 << 10, MaxObjectBytes: 200 << 10,
		KV: [][2]string{{"ticklake.compacted", "test"}}}, func(body []byte, n int) error {
		objects = append(objects, bytes.Clone(body))
		counts = append(counts, n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(objects) < 2 {
		t.Fatalf("%d objects, want several", len(objects))
	}
	dec := decode.New(allTypes)
	var back []Row
	for oi, body := range objects {
		if len(body) > 200<<10+64<<10 {
			t.Errorf("object %d: %d bytes, past the cap", oi, len(body))
		}
		f, err := pqread.Open(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.RowGroups()) < 2 && oi < len(objects)-1 {
			t.Errorf("object %d: %d row groups, want several", oi, len(f.RowGroups()))
		}
		if v, _ := f.Lookup("ticklake.compacted"); v != "test" {
			t.Errorf("object %d: metadata %q", oi, v)
		}
		n := len(back)
		back, err = dec.Decode(back, body)
		if err != nil {
			t.Fatal(err)
		}
		if len(back)-n != counts[oi] || int(f.NumRows()) != counts[oi] {
			t.Fatalf("object %d: %d rows decoded, %d in footer, want %d", oi, len(back)-n, f.NumRows(), counts[oi])
		}
		// parquet-go's own reader agrees on the contract's columns.
		ref, err := pqread.Read(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		for i := range ref {
			r := back[n+i]
			r.Fields = nil
			if !sameRow(ref[i], r) {
				t.Fatalf("object %d row %d: parquet-go %+v, decoder %+v", oi, i, ref[i], back[n+i])
			}
		}
		// Every row group's statistics are those of its rows.
		off := n
		for gi, rg := range f.Metadata().RowGroups {
			g := back[off : off+int(rg.NumRows)]
			off += int(rg.NumRows)
			for ci, cc := range rg.Columns {
				name := cc.MetaData.PathInSchema[0]
				st := cc.MetaData.Statistics
				var lo, hi parquet.Value
				switch name {
				case ColTS:
					lo, hi = parquet.Int64Value(slices.MinFunc(g, func(a, b Row) int { return cmp.Compare(a.TS, b.TS) }).TS),
						parquet.Int64Value(slices.MaxFunc(g, func(a, b Row) int { return cmp.Compare(a.TS, b.TS) }).TS)
				case ColKafkaOffset:
					lo, hi = parquet.Int64Value(slices.MinFunc(g, func(a, b Row) int { return cmp.Compare(a.KafkaOffset, b.KafkaOffset) }).KafkaOffset),
						parquet.Int64Value(slices.MaxFunc(g, func(a, b Row) int { return cmp.Compare(a.KafkaOffset, b.KafkaOffset) }).KafkaOffset)
				case ColSymbol:
					lo, hi = parquet.ByteArrayValue([]byte(g[0].Symbol)), parquet.ByteArrayValue([]byte(g[len(g)-1].Symbol))
				default:
					continue
				}
				if !bytes.Equal(st.MinValue, lo.Bytes()) || !bytes.Equal(st.MaxValue, hi.Bytes()) {
					t.Errorf("object %d group %d column %d %s: statistics %x..%x, want %x..%x", oi, gi, ci, name, st.MinValue, st.MaxValue, lo.Bytes(), hi.Bytes())
				}
			}
		}
	}
	if len(back) != len(rows) {
		t.Fatalf("%d rows back, want %d", len(back), len(rows))
	}
	for i := range rows {
		if !sameRow(rows[i], back[i]) {
			t.Fatalf("row %d: %+v, want %+v", i, back[i], rows[i])
		}
	}
}

// TestDecodeUndeclaredColumn refuses an object with a column the Decoder does not know.
func TestDecodeUndeclaredColumn(t *testing.T) {
	body, err := NewSchemaEncoder(allTypes).Encode(typedRows(10, 1), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decode.New(schema.Schema{{Name: "venue", Type: schema.String}}).Decode(nil, body); err == nil {
		t.Fatal("decoded an object with undeclared columns")
	}
	rows, err := decode.New(append(slices.Clone(allTypes), schema.Field{Name: "later", Type: schema.Double})).Decode(nil, body)
	if err != nil || len(rows) != 10 || rows[0].Fields[len(allTypes)].Valid {
		t.Fatalf("a field the object lacks: %v, %d rows", err, len(rows))
	}
}
