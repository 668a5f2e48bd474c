package tickparquet_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/ticklake/ticklake/internal/pqread"
	. "github.com/ticklake/ticklake/shared/tickparquet"
)

// plain encodes a value as Parquet statistics hold it (PLAIN, little-endian).
func plain(v any) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case int32:
		return binary.LittleEndian.AppendUint32(nil, uint32(x))
	case int64:
		return binary.LittleEndian.AppendUint64(nil, uint64(x))
	case float64:
		return binary.LittleEndian.AppendUint64(nil, math.Float64bits(x))
	}
	panic("unknown type")
}

func less(a, b any) bool {
	switch x := a.(type) {
	case string:
		return x < b.(string)
	case int32:
		return x < b.(int32)
	case int64:
		return x < b.(int64)
	case float64:
		return x < b.(float64)
	}
	panic("unknown type")
}

// TestStatisticsOfEveryColumn checks each column chunk's min, max and null count against the rows
// written. The extra column (JSON text) carries a null count but no bounds.
func TestStatisticsOfEveryColumn(t *testing.T) {
	rows := rowsOf(500, 4)
	rows[7].Ask, rows[9].Bid = nil, nil
	extra := `{"z":1}`
	rows[11].Extra = &extra
	values := map[string]func(r *Row) any{
		ColSymbol:         func(r *Row) any { return r.Symbol },
		ColTS:             func(r *Row) any { return r.TS },
		ColPrice:          func(r *Row) any { return r.Price },
		ColSize:           func(r *Row) any { return r.Size },
		ColBid:            func(r *Row) any { return ptr(r.Bid) },
		ColAsk:            func(r *Row) any { return ptr(r.Ask) },
		ColKafkaPartition: func(r *Row) any { return r.KafkaPartition },
		ColKafkaOffset:    func(r *Row) any { return r.KafkaOffset },
		ColKafkaTimestamp: func(r *Row) any { return r.KafkaTimestamp },
		ColExtra: func(r *Row) any {
			if r.Extra == nil {
				return nil
			}
			return *r.Extra
		},
	}
	type stats struct {
		min, max []byte
		nulls    int64
	}
	want := map[string]stats{}
	for name, value := range values {
		var lo, hi any
		var nulls int64
		for i := range rows {
			v := value(&rows[i])
			if v == nil {
				nulls++
				continue
			}
			if lo == nil || less(v, lo) {
				lo = v
			}
			if hi == nil || less(hi, v) {
				hi = v
			}
		}
		s := stats{nulls: nulls}
		if lo != nil {
			s.min, s.max = plain(lo), plain(hi)
		}
		want[name] = s
	}
	if want[ColBid].nulls == 0 || want[ColAsk].nulls == 0 || want[ColExtra].nulls == 0 {
		t.Fatal("the rows exercise no nulls")
	}
	body, err := NewEncoder().Encode(rows, Meta{Topic: "ticks"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := pqread.Open(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range f.Metadata().RowGroups[0].Columns {
		name := c.MetaData.PathInSchema[0]
		w, ok := want[name]
		if !ok {
			t.Errorf("column %s: no expectation", name)
			continue
		}
		seen++
		st := c.MetaData.Statistics
		if !bytes.Equal(st.MinValue, w.min) || !bytes.Equal(st.MaxValue, w.max) || st.NullCount != w.nulls {
			t.Errorf("%s: min %x max %x nulls %d; want min %x max %x nulls %d", name, st.MinValue, st.MaxValue, st.NullCount, w.min, w.max, w.nulls)
		}
	}
	if seen != len(want) {
		t.Fatalf("checked %d columns, want %d", seen, len(want))
	}
}

func ptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestZstdErrorReported makes the zstd encoder fail to start: Encode must return its error.
func TestZstdErrorReported(t *testing.T) {
	defer SetZstdEncoder(func() (*zstd.Encoder, error) {
		return zstd.NewWriter(nil, zstd.WithWindowSize(3))
	})()
	_, err := NewEncoder().Encode(rowsOf(3, 1), Meta{})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("zstd")) {
		t.Fatalf("Encode = %v, want the zstd encoder's error", err)
	}
}

// TestPageTooLarge writes a column whose page would be larger than a page header records (int32
// sizes; lowered here so that the test stays small): Encode and EncodeTable fail, naming the page's
// size, rather than write sizes that wrapped around.
func TestPageTooLarge(t *testing.T) {
	defer SetMaxPageBytes(4096)()
	rows := rowsOf(100, 5)
	long := string(bytes.Repeat([]byte("x"), 100))
	for i := range rows {
		rows[i].Extra = &long
	}
	enc := NewEncoder()
	if _, err := enc.Encode(rows, Meta{}); err == nil || !strings.Contains(err.Error(), "page of") {
		t.Errorf("Encode: %v, want an error about the page's size", err)
	}
	err := NewEncoder().EncodeSorted(rows, Layout{RowGroupBytes: 1 << 30, MaxObjectBytes: 1 << 30}, func([]byte, int) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "page of") {
		t.Errorf("EncodeTable: %v, want an error about the page's size", err)
	}
	// Row groups small enough: written.
	if err := NewEncoder().EncodeSorted(rows, Layout{RowGroupBytes: 256, MaxObjectBytes: 1 << 30}, func([]byte, int) error { return nil }); err != nil {
		t.Errorf("EncodeTable in small row groups: %v", err)
	}
	// The Encoder is usable after the error.
	if _, err := enc.Encode(rows[:10], Meta{}); err != nil {
		t.Errorf("Encode of 10 rows: %v", err)
	}
}
