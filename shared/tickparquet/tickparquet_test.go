package tickparquet

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/shared/fixture"
)

func rowsOf(n int, seed uint64) []Row {
	ticks := fixture.SimTicks(n, seed)
	ticks[1].Extra = []byte(`{"venue":"XNAS"}`)
	ticks[2].HasBid = false
	rows := make([]Row, len(ticks))
	opt := make([]Optional, len(ticks))
	for i := range ticks {
		rows[i] = FromTick(&ticks[i], 3, int64(100+i), fixture.Start.UnixMilli()+int64(i), &opt[i])
	}
	return rows
}

func TestEncodeReadBack(t *testing.T) {
	rows := rowsOf(2000, 1)
	want := slices.Clone(rows)
	e := NewEncoder()
	first, err := e.Encode(rows, Meta{Topic: "ticks", Partition: 3, FirstOffset: 100, LastOffset: 2099})
	if err != nil {
		t.Fatal(err)
	}
	first = bytes.Clone(first)
	got, err := Read(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b Row) int { return int(a.KafkaOffset - b.KafkaOffset) })
	if !reflect.DeepEqual(got, want) {
		t.Fatal("rows read back differ from rows written")
	}
	for i := 1; i < len(got); i++ { // stored order: by symbol, then offset
		if got[i].Symbol == got[i-1].Symbol && got[i].KafkaOffset < got[i-1].KafkaOffset {
			t.Fatal("rows of a symbol are out of offset order")
		}
	}

	// The same rows give the same bytes, from a reused encoder or a new one.
	again, err := e.Encode(slices.Clone(want), Meta{Topic: "ticks", Partition: 3, FirstOffset: 100, LastOffset: 2099})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("a reused encoder wrote different bytes")
	}
	f, err := parquet.OpenFile(bytes.NewReader(again), int64(len(again)))
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range f.Metadata().RowGroups[0].Columns {
		cols = append(cols, c.MetaData.PathInSchema...)
	}
	wantCols := []string{ColSymbol, ColTS, ColPrice, ColSize, ColBid, ColAsk, ColKafkaPartition, ColKafkaOffset, ColKafkaTimestamp, ColExtra}
	if !slices.Equal(cols, wantCols) {
		t.Fatalf("column chunk paths = %v, want %v", cols, wantCols)
	}
}

func TestLogicalTypes(t *testing.T) {
	want := map[string]string{
		ColSymbol: "STRING", ColTS: "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", ColKafkaTimestamp: "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)",
		ColExtra: "STRING",
	}
	for _, f := range Schema.Fields() {
		lt := f.Type().LogicalType()
		got := ""
		if lt != nil {
			got = lt.String()
		}
		if w, ok := want[f.Name()]; ok && got != w {
			t.Errorf("%s: logical type %s, want %s", f.Name(), got, w)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	rows := rowsOf(10000, 1)
	e := NewEncoder()
	for b.Loop() {
		if _, err := e.Encode(rows, Meta{Topic: "ticks"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "ticks/s")
}
