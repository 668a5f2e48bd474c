package tickparquet_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/internal/pqread"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	. "github.com/ticklake/ticklake/shared/tickparquet"
)

// allTypes declares one field of each type, and one that is never set.
var allTypes = schema.Schema{{Name: "venue", Type: schema.String}, {Name: "open", Type: schema.Double},
	{Name: "seq", Type: schema.BigInt}, {Name: "halted", Type: schema.Boolean}, {Name: "date", Type: schema.Date},
	{Name: "exch_ts", Type: schema.Timestamp}, {Name: "never", Type: schema.String}}

// typedRows makes rows whose declared fields are set at random, null now and then.
func typedRows(n int, seed uint64) []Row {
	rng := rand.New(rand.NewPCG(seed, 1))
	ticks := fixture.SimTicks(n, seed)
	rows := make([]Row, n)
	opt := make([]Optional, n)
	for i := range ticks {
		f := make([]tick.Value, len(allTypes))
		if rng.IntN(5) > 0 {
			f[0] = tick.Value{Valid: true, S: []string{"XNAS", "XNYS", "ARCX", "BATS"}[rng.IntN(4)]}
		}
		if rng.IntN(5) > 0 {
			f[1] = tick.Value{Valid: true, F: math.Round(rng.NormFloat64()*1e4) / 100}
		}
		if rng.IntN(5) > 0 {
			f[2] = tick.Value{Valid: true, I: int64(i)*3 - int64(rng.IntN(2))<<40}
		}
		if rng.IntN(3) > 0 {
			f[3] = tick.Value{Valid: true, I: int64(rng.IntN(2))}
		}
		if rng.IntN(5) > 0 {
			f[4] = tick.Value{Valid: true, I: int64(rng.IntN(40000)) - 10000}
		}
		if rng.IntN(5) > 0 {
			f[5] = tick.Value{Valid: true, I: ticks[i].TS - int64(rng.IntN(1000))}
		}
		ticks[i].Fields = f
		if i%3 == 0 {
			ticks[i].Extra = []byte(fmt.Sprintf(`{"note":%d}`, rng.IntN(1000)))
		}
		if i%5 == 0 {
			ticks[i].HasAsk = false
		}
		rows[i] = FromTick(&ticks[i], 1, int64(i), fixture.Start.UnixMilli(), &opt[i])
	}
	return rows
}

// TestDeclaredFields writes every type, reads the object back with parquet-go and checks each
// value, each column's type, and each column's min, max and null count against the values.
func TestDeclaredFields(t *testing.T) {
	for _, n := range []int{1, 7, 3000} {
		rows := typedRows(n, uint64(n))
		byOffset := slices.Clone(rows)
		body, err := NewSchemaEncoder(allTypes).Encode(rows, Meta{Topic: "ticks"})
		if err != nil {
			t.Fatal(err)
		}
		f, err := pqread.Open(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		fields := f.Schema().Fields()
		colIdx := map[string]int{}
		for i, fld := range fields {
			colIdx[fld.Name()] = i
		}
		wantTypes := map[string]string{"venue": "BYTE_ARRAY STRING", "open": "DOUBLE", "seq": "INT64", "halted": "BOOLEAN",
			"date": "INT32 DATE", "exch_ts": "INT64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", "never": "BYTE_ARRAY STRING"}
		for name, want := range wantTypes {
			fld := fields[colIdx[name]]
			got := fld.Type().Kind().String()
			if lt := fld.Type().LogicalType(); lt != nil && name != "seq" {
				got += " " + lt.String()
			}
			if got != want || !fld.Optional() {
				t.Errorf("%s: %s (optional %v), want optional %s", name, got, fld.Optional(), want)
			}
		}
		if fields[len(fields)-1].Name() != ColExtra || fields[colIdx["venue"]-1].Name() != ColKafkaTimestamp {
			t.Error("declared columns are not between the contract's columns and extra")
		}

		// Every value, read back by parquet-go.
		pr := parquet.NewReader(f)
		got := make([]parquet.Row, 0, n)
		for {
			r := make([]parquet.Row, 64)
			k, err := pr.ReadRows(r)
			got = append(got, r[:k]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != n {
			t.Fatalf("read %d rows, want %d", len(got), n)
		}
		offCol := colIdx[ColKafkaOffset]
		for _, r := range got {
			vals := make([]parquet.Value, len(fields))
			for _, v := range r {
				vals[v.Column()] = v
			}
			want := byOffset[vals[offCol].Int64()].Fields
			for fi, fd := range allTypes {
				v, w := vals[colIdx[fd.Name]], want[fi]
				if v.IsNull() != !w.Valid {
					t.Fatalf("offset %d %s: null %v, want %v", vals[offCol].Int64(), fd.Name, v.IsNull(), !w.Valid)
				}
				if v.IsNull() {
					continue
				}
				ok := true
				switch fd.Type {
				case schema.String:
					ok = string(v.ByteArray()) == w.S
				case schema.Double:
					ok = v.Double() == w.F
				case schema.Boolean:
					ok = v.Boolean() == (w.I == 1)
				case schema.Date:
					ok = int64(v.Int32()) == w.I
				default:
					ok = v.Int64() == w.I
				}
				if !ok {
					t.Fatalf("offset %d %s: got %v, want %+v", vals[offCol].Int64(), fd.Name, v, w)
				}
			}
		}

		// Statistics of every column, against the values parquet-go read: min and max ordered by
		// each column's type, and the null count.
		for ci, c := range f.Metadata().RowGroups[0].Columns {
			typ := fields[ci].Type()
			nulls, wantLo, wantHi := valueStats(typ, func(yield func(parquet.Value) bool) {
				for _, r := range got {
					for _, v := range r {
						if v.Column() == ci && !yield(v) {
							return
						}
					}
				}
			})
			st := c.MetaData.Statistics
			if st.NullCount != nulls || !bytes.Equal(st.MinValue, wantLo) || !bytes.Equal(st.MaxValue, wantHi) {
				t.Errorf("n=%d %s: stats null %d min %x max %x, want null %d min %x max %x", n, c.MetaData.PathInSchema[0],
					st.NullCount, st.MinValue, st.MaxValue, nulls, wantLo, wantHi)
			}
		}
		// The declared columns' statistics, against the values written.
		for _, c := range f.Metadata().RowGroups[0].Columns {
			name := c.MetaData.PathInSchema[0]
			fi := allTypes.Index(name)
			if fi < 0 {
				continue
			}
			st := c.MetaData.Statistics
			var nulls int64
			var lo, hi []byte
			for _, r := range byOffset {
				w := r.Fields[fi]
				if !w.Valid {
					nulls++
					continue
				}
				b := statBytes(allTypes[fi].Type, w)
				if lo == nil || lessRaw(allTypes[fi].Type, b, lo) {
					lo = b
				}
				if hi == nil || lessRaw(allTypes[fi].Type, hi, b) {
					hi = b
				}
			}
			if st.NullCount != nulls || !bytes.Equal(st.MinValue, lo) || !bytes.Equal(st.MaxValue, hi) {
				t.Errorf("n=%d %s: stats null %d min %x max %x, want null %d min %x max %x", n, name, st.NullCount,
					st.MinValue, st.MaxValue, nulls, lo, hi)
			}
		}
	}
}

func statBytes(typ schema.Type, v tick.Value) []byte {
	switch typ {
	case schema.String:
		return []byte(v.S)
	case schema.Double:
		return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v.F))
	case schema.Boolean:
		return []byte{byte(v.I)}
	case schema.Date:
		return binary.LittleEndian.AppendUint32(nil, uint32(v.I))
	}
	return binary.LittleEndian.AppendUint64(nil, uint64(v.I))
}

func lessRaw(typ schema.Type, a, b []byte) bool {
	switch typ {
	case schema.String, schema.Boolean:
		return bytes.Compare(a, b) < 0
	case schema.Double:
		return math.Float64frombits(binary.LittleEndian.Uint64(a)) < math.Float64frombits(binary.LittleEndian.Uint64(b))
	case schema.Date:
		return int32(binary.LittleEndian.Uint32(a)) < int32(binary.LittleEndian.Uint32(b))
	}
	return int64(binary.LittleEndian.Uint64(a)) < int64(binary.LittleEndian.Uint64(b))
}

// TestDeclaredFieldEncodings checks that the columns get the encodings that fit them: the venue
// dictionary-encoded; the sequence numbers delta-encoded, both in arrival order (interleaved, in
// narrow steps) and sorted by symbol as compaction sorts them (each symbol's consecutive numbers);
// prices in cents and trade sizes dictionary-encoded; the replay's dates (one per row, ascending)
// delta-encoded and its prices (mostly distinct) plain.
func TestDeclaredFieldEncodings(t *testing.T) {
	fields := schema.MustDefault()
	dec := tick.NewSchemaDecoder(fields)
	for _, tc := range []struct {
		name     string
		ticks    []tick.Tick
		bySymbol bool
		want     map[string]string
	}{
		{"feed", fixture.FeedTicks(3000, 1), false, map[string]string{"venue": "RLE_DICTIONARY", "seq": "DELTA_BINARY_PACKED",
			"price": "RLE_DICTIONARY", "bid": "RLE_DICTIONARY", "size": "RLE_DICTIONARY", "kafka_partition": "DELTA_BINARY_PACKED"}},
		{"feed by symbol", fixture.FeedTicks(3000, 1), true, map[string]string{"venue": "RLE_DICTIONARY", "seq": "DELTA_BINARY_PACKED"}},
		{"replay", fixture.ReplayTicks(3000), false, map[string]string{"index": "RLE_DICTIONARY", "date": "DELTA_BINARY_PACKED",
			"close": "PLAIN"}},
	} {
		rows := make([]Row, len(tc.ticks))
		opt := make([]Optional, len(tc.ticks))
		decoded := make([]tick.Tick, len(tc.ticks))
		for i, v := range fixture.Values(tc.ticks) {
			if err := dec.Decode(v, &decoded[i]); err != nil {
				t.Fatal(err)
			}
			rows[i] = FromTick(&decoded[i], 0, int64(i), fixture.Start.UnixMilli(), &opt[i])
		}
		var body []byte
		var err error
		if tc.bySymbol {
			slices.SortStableFunc(rows, func(a, b Row) int { return strings.Compare(a.Symbol, b.Symbol) })
			err = NewSchemaEncoder(fields).EncodeSorted(rows, Layout{RowGroupBytes: 1 << 30, MaxObjectBytes: 1 << 30},
				func(b []byte, _ int) error { body = bytes.Clone(b); return nil })
		} else {
			body, err = NewSchemaEncoder(fields).Encode(rows, Meta{})
		}
		if err != nil {
			t.Fatal(err)
		}
		f, err := pqread.Open(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range f.Metadata().RowGroups[0].Columns {
			name := c.MetaData.PathInSchema[0]
			want, ok := tc.want[name]
			if !ok {
				continue
			}
			var got []string
			for _, e := range c.MetaData.Encoding {
				got = append(got, e.String())
			}
			if !slices.Contains(got, want) {
				t.Errorf("%s: %s encoded %v, want %s", tc.name, name, got, want)
			}
			delete(tc.want, name)
		}
		if len(tc.want) > 0 {
			t.Errorf("%s: no column for %v", tc.name, tc.want)
		}
	}
}
