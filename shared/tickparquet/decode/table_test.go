package decode_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// TestDecodeTable reads objects one after another into one table, the fast reader's objects and
// parquet-go's own (read through parquet-go and converted), and checks every row against parquet-go's
// reading of each object alone.
func TestDecodeTable(t *testing.T) {
	seed := make([]byte, 32*500)
	for i := range seed {
		seed[i] = byte(i*29 + i/31)
	}
	rows := rowsFrom(seed)
	var bodies [][]byte
	err := tickparquet.NewSchemaEncoder(fields).EncodeSorted(rows, tickparquet.Layout{RowGroupBytes: 2 << 10, MaxObjectBytes: 8 << 10},
		func(body []byte, _ int) error { bodies = append(bodies, bytes.Clone(body)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	bodies = append(bodies, writeWithParquetGo(t, rowsFrom(bytes.Repeat([]byte{7, 1, 2, 0x3f, 9, 'a', 'b', 'c'}, 4*100))))
	bodies = append(bodies, bodies[0])
	dec := decode.New(fields)
	table := tickparquet.NewTable(fields)
	var want []tickparquet.Row
	for _, body := range bodies {
		if err := dec.DecodeTable(table, body); err != nil {
			t.Fatal(err)
		}
		w, err := decode.New(fields).DecodeParquetGo(nil, body)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w...)
	}
	if dec.Fallbacks != 1 {
		t.Errorf("%d objects read by parquet-go, want 1", dec.Fallbacks)
	}
	if i := sameRows(table.Rows(0, table.Len()), want); i >= 0 {
		t.Fatalf("row %d of %d differs", i, len(want))
	}
	// A damaged object leaves the table as it was, rows read before the damage included.
	n := table.Len()
	bad := bytes.Clone(bodies[0])
	clear(bad[len(bad)/2 : len(bad)/2+64])
	if err := dec.DecodeTable(table, bad); err == nil || table.Len() != n {
		t.Fatalf("damaged object: %v, %d rows, want an error and %d", err, table.Len(), n)
	}
	if err := dec.DecodeTable(tickparquet.NewTable(schema.Schema{}), bodies[0]); err == nil {
		t.Fatal("a table of other declared fields: no error")
	}
}

// TestDecodeTableHour reads an hour of feed ticks, as the consumer writes them (arrival order:
// dictionary-encoded doubles and int64s, bit-packed dictionary indices, delta-encoded INT32 Kafka
// partitions), into a table and checks it against parquet-go.
func TestDecodeTableHour(t *testing.T) {
	fields := schema.MustDefault()
	objs, err := fixture.Hour(20_000, 6, 3, fields)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		f, err := parquet.OpenFile(bytes.NewReader(o.Body), int64(len(o.Body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range f.Metadata().RowGroups[0].Columns {
			for _, e := range c.MetaData.Encoding {
				seen[c.MetaData.PathInSchema[0]+" "+e.String()] = true
			}
		}
	}
	for _, want := range []string{"price RLE_DICTIONARY", "size RLE_DICTIONARY", "kafka_partition DELTA_BINARY_PACKED"} {
		if !seen[want] {
			t.Errorf("no object has %s: %v", want, seen)
		}
	}
	dec := decode.New(fields)
	table := tickparquet.NewTable(fields)
	var want []tickparquet.Row
	for _, o := range objs {
		if err := dec.DecodeTable(table, o.Body); err != nil {
			t.Fatal(err)
		}
		w, err := decode.New(fields).DecodeParquetGo(nil, o.Body)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w...)
	}
	if dec.Fallbacks != 0 {
		t.Errorf("%d fallbacks", dec.Fallbacks)
	}
	if i := sameRows(table.Rows(0, table.Len()), want); i >= 0 {
		t.Fatalf("row %d of %d differs", i, len(want))
	}
}

// TestDeclaredTypeChanged reads an object whose declared field has another physical type than the
// Decoder's schema says (the field's type changed between deployments): an error naming the column,
// from both readers, never a panic or values reinterpreted.
func TestDeclaredTypeChanged(t *testing.T) {
	for _, tc := range []struct{ was, now schema.Type }{
		{schema.BigInt, schema.Double}, {schema.Double, schema.BigInt}, {schema.String, schema.BigInt},
		{schema.BigInt, schema.Date}, {schema.Boolean, schema.String},
	} {
		t.Run(string(tc.was)+" to "+string(tc.now), func(t *testing.T) {
			was := schema.Schema{{Name: "x", Type: tc.was}}
			rows := rowsFrom(bytes.Repeat([]byte{7, 1, 2, 0x3f, 9, 'a', 'b', 'c'}, 4*50))
			for i := range rows {
				rows[i].Fields = []tick.Value{{Valid: true, I: int64(i % 2), F: float64(i), S: "v"}}
				rows[i].Present = 0
				rows[i].MarkPresent(1)
			}
			body, err := tickparquet.NewSchemaEncoder(was).Encode(rows, tickparquet.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			now := schema.Schema{{Name: "x", Type: tc.now}}
			tab := tickparquet.NewTable(now)
			if err := decode.New(now).DecodeTable(tab, body); err == nil || !strings.Contains(err.Error(), `"x"`) || tab.Len() != 0 {
				t.Errorf("DecodeTable: %v, %d rows; want an error naming column x", err, tab.Len())
			}
			if _, err := decode.New(now).Decode(nil, body); err == nil || !errors.Is(err, decode.ErrNotTicks) {
				t.Errorf("Decode: %v, want ErrNotTicks", err)
			}
		})
	}
}

// TestDecodeTableCopiesStrings reads objects into one table, then overwrites each object's bytes,
// as a reused fetch buffer would be: the table's strings (symbols, declared strings, extra; from
// dictionary pages and PLAIN pages, by both readers) must not change.
func TestDecodeTableCopiesStrings(t *testing.T) {
	seed := make([]byte, 32*400)
	for i := range seed {
		seed[i] = byte(i*31 + i/17)
	}
	var bodies [][]byte
	err := tickparquet.NewSchemaEncoder(fields).EncodeSorted(rowsFrom(seed), tickparquet.Layout{RowGroupBytes: 4 << 10, MaxObjectBytes: 1 << 30},
		func(body []byte, _ int) error { bodies = append(bodies, bytes.Clone(body)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	bodies = append(bodies, writeWithParquetGo(t, rowsFrom(seed[:32*200])))
	dec := decode.New(fields)
	tab := tickparquet.NewTable(fields)
	var want []tickparquet.Row
	for _, b := range bodies {
		w, err := decode.New(fields).DecodeParquetGo(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w...)
		if err := dec.DecodeTable(tab, b); err != nil {
			t.Fatal(err)
		}
		for i := range b {
			b[i] = 'Z'
		}
	}
	if dec.Fallbacks != 1 {
		t.Fatalf("%d objects read by parquet-go, want 1", dec.Fallbacks)
	}
	if i := sameRows(tab.Rows(0, tab.Len()), want); i >= 0 {
		t.Fatalf("row %d changed with the bytes it was read from", i)
	}
}
