package decode_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// sameRows reports the first row where a and b differ, or -1.
func sameRows(a, b []tickparquet.Row) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if !same(a[i], b[i]) || a[i].Present != b[i].Present || len(a[i].Fields) != len(b[i].Fields) {
			return i
		}
	}
	return -1
}

// TestFastReaderAgreesWithParquetGo reads the encoder's objects with the fast reader and with
// parquet-go: declared fields set and null, optional columns null and present, one and several row
// groups, and an hour of feed ticks as the consumer writes it.
func TestFastReaderAgreesWithParquetGo(t *testing.T) {
	seed := make([]byte, 32*3000)
	for i := range seed {
		seed[i] = byte(i*13 + i/97)
	}
	rows := rowsFrom(seed)
	allNull := rowsFrom(bytes.Repeat([]byte{0, 1, 2, 0, 9, 9, 9, 9}, 4*200))
	feed, err := fixture.Hour(20_000, 12, 3, schema.MustDefault())
	if err != nil {
		t.Fatal(err)
	}
	type object struct {
		name   string
		fields schema.Schema
		body   []byte
	}
	var objs []object
	enc := tickparquet.NewSchemaEncoder(fields)
	for _, tc := range []struct {
		name string
		rows []tickparquet.Row
		l    tickparquet.Layout
	}{
		{"one row group", rows, tickparquet.Layout{RowGroupBytes: 1 << 30, MaxObjectBytes: 1 << 30}},
		{"several row groups", rows, tickparquet.Layout{RowGroupBytes: 4 << 10, MaxObjectBytes: 1 << 30}},
		{"several objects", rows, tickparquet.Layout{RowGroupBytes: 2 << 10, MaxObjectBytes: 8 << 10}},
		{"optional columns all null", allNull, tickparquet.Layout{RowGroupBytes: 1 << 30, MaxObjectBytes: 1 << 30}},
		{"one row", rows[:1], tickparquet.Layout{RowGroupBytes: 1 << 30, MaxObjectBytes: 1 << 30}},
	} {
		err := enc.EncodeSorted(tc.rows, tc.l, func(body []byte, _ int) error {
			objs = append(objs, object{tc.name, fields, bytes.Clone(body)})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if body, err := enc.Encode(rows[:500], tickparquet.Meta{Topic: "ticks"}); err == nil {
		objs = append(objs, object{"consumer batch", fields, bytes.Clone(body)})
	}
	for _, o := range feed {
		objs = append(objs, object{"feed " + o.Key, schema.MustDefault(), o.Body})
	}
	// A consumer batch of feed ticks in arrival order: prices and trade sizes dictionary-encoded
	// (doubles and int64s), symbols and venues bit-packed.
	{
		fields := schema.MustDefault()
		batch, err := fixture.Rows(fields, fixture.FeedTicks(10000, 3), func(int) int32 { return 2 })
		if err != nil {
			t.Fatal(err)
		}
		body, err := tickparquet.NewSchemaEncoder(fields).Encode(batch, tickparquet.Meta{Topic: "ticks"})
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range f.Metadata().RowGroups[0].Columns {
			name := c.MetaData.PathInSchema[0]
			if name == tickparquet.ColSize || name == tickparquet.ColPrice {
				if !strings.Contains(fmt.Sprint(c.MetaData.Encoding), "RLE_DICTIONARY") {
					t.Fatalf("%s encoded %v, want a dictionary", name, c.MetaData.Encoding)
				}
			}
		}
		// parquet-go's pages, read as the rows written: the dictionaries' values are the values.
		read, err := decode.New(fields).DecodeParquetGo(nil, body)
		if err != nil {
			t.Fatal(err)
		}
		if i := sameRows(read, batch); i >= 0 {
			t.Fatalf("feed batch: row %d read as %+v, written as %+v", i, read[min(i, len(read)-1)], batch[i])
		}
		objs = append(objs, object{"feed batch, arrival order", fields, bytes.Clone(body)})
	}
	for _, o := range objs {
		t.Run(o.name, func(t *testing.T) {
			want, err := decode.New(o.fields).DecodeParquetGo(nil, o.body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decode.New(o.fields).DecodeFast(nil, o.body)
			if err != nil {
				t.Fatalf("fast reader: %v", err)
			}
			if i := sameRows(got, want); i >= 0 {
				t.Fatalf("row %d of %d: fast %+v, parquet-go %+v", i, len(want), got[min(i, len(got)-1)], want[min(i, len(want)-1)])
			}
			// Appending to rows already read keeps them.
			dec := decode.New(o.fields)
			two, err := dec.Decode(append([]tickparquet.Row(nil), want...), o.body)
			if err != nil || dec.Fallbacks != 0 {
				t.Fatalf("decode: %v, %d fallbacks", err, dec.Fallbacks)
			}
			if i := sameRows(two, append(append([]tickparquet.Row(nil), want...), want...)); i >= 0 {
				t.Fatalf("appended: row %d differs", i)
			}
		})
	}
}

// TestFallback reads objects the fast reader leaves to parquet-go: another writer's (parquet-go's own,
// with its encodings and page layout).
func TestFallback(t *testing.T) {
	rows := rowsFrom(bytes.Repeat([]byte{7, 1, 2, 0x3f, 9, 'a', 'b', 'c'}, 4*100))
	body := writeWithParquetGo(t, rows)
	dec := decode.New(fields)
	got, err := dec.Decode(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	want, err := decode.New(fields).DecodeParquetGo(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	if i := sameRows(got, want); i >= 0 {
		t.Fatalf("row %d differs", i)
	}
	if dec.Fallbacks != 1 {
		t.Fatalf("%d fallbacks, want 1", dec.Fallbacks)
	}
}

// FuzzFastReader decodes the same bytes with the fast reader and with parquet-go: where the fast
// reader reads an object, parquet-go must read it too, to the same rows.
func FuzzFastReader(f *testing.F) {
	seed := make([]byte, 32*300)
	for i := range seed {
		seed[i] = byte(i * 7)
	}
	enc := tickparquet.NewSchemaEncoder(fields)
	_ = enc.EncodeSorted(rowsFrom(seed), tickparquet.Layout{RowGroupBytes: 2 << 10, MaxObjectBytes: 1 << 30}, func(body []byte, _ int) error {
		f.Add(bytes.Clone(body))
		return nil
	})
	if body, err := enc.Encode(rowsFrom(seed[:32*40]), tickparquet.Meta{}); err == nil {
		f.Add(bytes.Clone(body))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := decode.New(fields).DecodeFast(nil, data)
		if err != nil {
			return
		}
		want, err := decode.New(fields).DecodeParquetGo(nil, data)
		if err != nil {
			t.Fatalf("fast reader read %d rows of an object parquet-go refuses: %v", len(got), err)
		}
		if i := sameRows(got, want); i >= 0 {
			t.Fatalf("row %d: fast reader and parquet-go differ", i)
		}
	})
}

// writeWithParquetGo writes rows' contract columns with parquet-go, gzip-compressed: a codec the fast
// reader leaves to parquet-go.
func writeWithParquetGo(t *testing.T, rows []tickparquet.Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[tickparquet.Row](&buf, parquet.Compression(&parquet.Gzip))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDeeplyNestedMetadata reads objects whose footer nests Thrift lists or structs past any writer's
// depth: an error, from both Decode and DecodeTable, rather than a stack overflow (parquet-go's Thrift
// reader recurses once a level, and 20 MB of nesting exceeds the goroutine stack's limit).
func TestDeeplyNestedMetadata(t *testing.T) {
	const n = 20_000_000
	for name, ft := range map[string][]byte{
		// Field 1 of FileMetaData a list of lists of lists...
		"lists": append([]byte{0x19}, bytes.Repeat([]byte{0x19}, n)...),
		// Field 1 a struct whose field 1 is a struct...
		"structs": bytes.Repeat([]byte{0x1c}, n),
		// A shallow nesting, but deeper than the bound: an error too.
		"past the bound": append([]byte{0x19}, bytes.Repeat([]byte{0x19}, 20)...),
	} {
		t.Run(name, func(t *testing.T) {
			body := append([]byte("PAR1"), ft...)
			body = binary.LittleEndian.AppendUint32(body, uint32(len(ft)))
			body = append(body, "PAR1"...)
			if _, err := decode.New(fields).Decode(nil, body); err == nil {
				t.Error("Decode: no error")
			}
			tab := tickparquet.NewTable(fields)
			if err := decode.New(fields).DecodeTable(tab, body); err == nil || tab.Len() != 0 {
				t.Errorf("DecodeTable: %v, %d rows; want an error", err, tab.Len())
			}
		})
	}
}

// TestDamagedObjectsAreErrors reads an object damaged where parquet-go, the fallback reader, does not
// return an error of its own: a footer whose list claims two billion elements, which parquet-go
// allocates (the process ends out of memory). Decode and DecodeTable return errors, and leave the
// table as it was. (A damaged gzip page, on which parquet-go panics, is in FuzzDecode's corpus:
// testdata/fuzz/FuzzDecode/damaged-gzip-page.)
func TestDamagedObjectsAreErrors(t *testing.T) {
	ft := []byte{0x29, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00} // FileMetaData field 2 (schema): 2^31-1 structs
	body := append([]byte("PAR1"), ft...)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(ft)))
	body = append(body, "PAR1"...)
	if _, err := decode.New(fields).Decode(nil, body); err == nil {
		t.Error("Decode: no error")
	}
	good := writeWithParquetGo(t, rowsFrom(bytes.Repeat([]byte{7, 1, 2, 0x3f, 9, 'a', 'b', 'c'}, 4*100)))
	tab := tickparquet.NewTable(fields)
	if err := decode.New(fields).DecodeTable(tab, good); err != nil {
		t.Fatal(err)
	}
	n := tab.Len()
	if err := decode.New(fields).DecodeTable(tab, body); err == nil || tab.Len() != n {
		t.Errorf("DecodeTable: %v, %d rows; want an error and the %d rows before", err, tab.Len(), n)
	}
}
