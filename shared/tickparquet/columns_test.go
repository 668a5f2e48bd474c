package tickparquet_test

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/internal/pqread"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	. "github.com/ticklake/ticklake/shared/tickparquet"
)

// TestEncodeTableAsEncode writes the same rows in the same order with Encode and, from a Table, with
// EncodeTable: the objects must be the same bytes, so that compacted objects keep the consumer's
// schema, encodings and statistics whatever they become. Each set of rows is written in arrival
// order (as the consumer stores them) and sorted by symbol (as compaction stores them: its offsets
// renumbered so that Encode keeps that order), on ticks with declared fields of every type, plain
// ticks, the feed's ticks and the replay's.
func TestEncodeTableAsEncode(t *testing.T) {
	noFields := typedRows(500, 3)
	for i := range noFields {
		noFields[i].Fields, noFields[i].Present = nil, 0
	}
	for _, tc := range []struct {
		name   string
		fields schema.Schema
		rows   []Row
	}{
		{"declared fields of every type", allTypes, typedRows(3000, 7)},
		{"one row", allTypes, typedRows(1, 9)},
		{"seven rows", allTypes, typedRows(7, 9)},
		{"plain ticks", nil, noFields},
		{"declared fields all null", allTypes[6:], typedRows(100, 5)},
		{"feed ticks", schema.MustDefault(), schemaRows(t, schema.MustDefault(), fixture.FeedTicks(5000, 4))},
		{"replay ticks", schema.MustDefault(), schemaRows(t, schema.MustDefault(), fixture.ReplayTicks(5000))},
	} {
		for _, bySymbol := range []bool{false, true} {
			name := tc.name + ", arrival order"
			if bySymbol {
				name = tc.name + ", by symbol"
			}
			t.Run(name, func(t *testing.T) {
				rows := slices.Clone(tc.rows)
				for i := range rows {
					if len(rows[i].Fields) > len(tc.fields) {
						rows[i].Fields = rows[i].Fields[len(rows[i].Fields)-len(tc.fields):]
						rows[i].Present = 0
						rows[i].MarkPresent(len(tc.fields))
					}
				}
				if bySymbol {
					slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Compare(a.Symbol, b.Symbol) })
					for i := range rows {
						rows[i].KafkaOffset = int64(i)
					}
				}
				meta := Meta{Topic: "ticks", Partition: 1, FirstOffset: 0, LastOffset: int64(len(rows) - 1)}
				want, err := NewSchemaEncoder(tc.fields).Encode(slices.Clone(rows), meta)
				if err != nil {
					t.Fatal(err)
				}
				tab := NewTable(tc.fields)
				tab.AppendRows(rows)
				order := make([]int32, len(rows))
				for i := range order {
					order[i] = int32(i)
				}
				var got []byte
				kv := [][2]string{{"ticklake.topic", meta.Topic}, {"ticklake.partition", fmt.Sprint(meta.Partition)},
					{"ticklake.offsets", fmt.Sprintf("%d-%d", meta.FirstOffset, meta.LastOffset)}}
				err = NewSchemaEncoder(tc.fields).EncodeTable(tab, order, Layout{RowGroupBytes: 1 << 30, MaxObjectBytes: 1 << 30, KV: kv},
					func(body []byte, n int) error {
						if got != nil || n != len(rows) {
							t.Errorf("object of %d rows after %d bytes", n, len(got))
						}
						got = bytes.Clone(body)
						return nil
					})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					i := 0
					for i < min(len(got), len(want)) && got[i] == want[i] {
						i++
					}
					t.Fatalf("EncodeTable: %d bytes, Encode: %d bytes; first difference at byte %d: %s", len(got), len(want), i, whichColumn(want, i))
				}
				back := tab.Rows(0, tab.Len())
				for i := range rows {
					if !sameRow(back[i], rows[i]) {
						t.Fatalf("row %d: Table gives %+v, want %+v", i, back[i], rows[i])
					}
				}
			})
		}
	}
}

// schemaRows decodes ticks as the consumer does, with the declared fields, into rows of partition 0
// in offset order.
func schemaRows(t *testing.T, fields schema.Schema, ticks []tick.Tick) []Row {
	t.Helper()
	rows, err := fixture.Rows(fields, ticks, func(int) int32 { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func whichColumn(body []byte, off int) string {
	f, err := pqread.Open(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return err.Error()
	}
	for _, cc := range f.Metadata().RowGroups[0].Columns {
		m := cc.MetaData
		start := m.DataPageOffset
		if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
			start = m.DictionaryPageOffset
		}
		if int64(off) >= start && int64(off) < start+m.TotalCompressedSize {
			return fmt.Sprintf("%s at +%d (dict %d data %d)", m.PathInSchema[0], int64(off)-start, m.DictionaryPageOffset, m.DataPageOffset)
		}
	}
	return "footer"
}
