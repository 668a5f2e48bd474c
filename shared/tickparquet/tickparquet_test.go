package tickparquet_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/internal/pqread"
	. "github.com/ticklake/ticklake/shared/tickparquet"
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
	got, err := pqread.Read(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) { // stored order: arrival (offset) order
		t.Fatal("rows read back differ from rows written")
	}
	shuffled := slices.Clone(want)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	body, err := NewEncoder().Encode(shuffled, Meta{Topic: "ticks", Partition: 3, FirstOffset: 100, LastOffset: 2099})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, first) {
		t.Fatal("rows out of offset order were not stored in offset order")
	}

	// The same rows give the same bytes, from a reused encoder or a new one.
	again, err := e.Encode(slices.Clone(want), Meta{Topic: "ticks", Partition: 3, FirstOffset: 100, LastOffset: 2099})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("a reused encoder wrote different bytes")
	}
	f, err := pqread.Open(bytes.NewReader(again), int64(len(again)))
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

func TestSchemaAsReadersSeeIt(t *testing.T) {
	body, err := NewEncoder().Encode(rowsOf(300, 2), Meta{Topic: "ticks"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := pqread.Open(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		ColSymbol: "byte_array STRING required", ColTS: "int64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS) required",
		ColPrice: "double required", ColSize: "int64 INT(64,true) required", ColBid: "double optional", ColAsk: "double optional",
		ColKafkaPartition: "int32 INT(32,true) required", ColKafkaOffset: "int64 INT(64,true) required",
		ColKafkaTimestamp: "int64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS) required", ColExtra: "byte_array STRING optional",
	}
	for _, fld := range f.Schema().Fields() {
		typ := fld.Type()
		got := strings.ToLower(typ.Kind().String())
		if lt := typ.LogicalType(); lt != nil {
			got += " " + lt.String()
		}
		if fld.Optional() {
			got += " optional"
		} else {
			got += " required"
		}
		if got != want[fld.Name()] {
			t.Errorf("%s: %s, want %s", fld.Name(), got, want[fld.Name()])
		}
	}
	md := f.Metadata()
	if md.NumRows != 300 || len(md.RowGroups) != 1 || md.CreatedBy != CreatedBy {
		t.Fatalf("metadata: rows %d, row groups %d, created by %q", md.NumRows, len(md.RowGroups), md.CreatedBy)
	}
	for _, c := range md.RowGroups[0].Columns {
		st := c.MetaData.Statistics
		if c.MetaData.PathInSchema[0] != ColExtra && (len(st.MinValue) == 0 || len(st.MaxValue) == 0) {
			t.Errorf("%v has no min and max", c.MetaData.PathInSchema)
		}
	}
}

// TestEdgeValues round-trips values that stress the encodings: huge and negative deltas, a single
// row, all-null optional columns, one symbol.
func TestEdgeValues(t *testing.T) {
	extra := `{"k":"v"}`
	bid := 1.5
	cases := map[string][]Row{
		"one row": {{Symbol: "A", TS: 1, Price: 1, KafkaOffset: 0}},
		"extremes": {
			{Symbol: "A", TS: math.MinInt64 / 2, Price: math.SmallestNonzeroFloat64, Size: math.MaxInt64, KafkaOffset: 1, KafkaTimestamp: -5},
			{Symbol: "A", TS: math.MaxInt64 / 2, Price: math.MaxFloat64, Size: 0, KafkaOffset: 2, KafkaTimestamp: math.MaxInt64, Bid: &bid, Extra: &extra},
			{Symbol: "A", TS: 0, Price: 2, Size: 7, KafkaOffset: 3, KafkaTimestamp: math.MinInt64},
		},
	}
	var many []Row
	for i := range 1000 { // several delta blocks, a partial last one, steps of every size
		many = append(many, Row{Symbol: string(rune('A' + i%7)), TS: int64(i*i*i) - 5e6, Price: float64(i) + 0.25,
			Size: int64(i % 3), KafkaPartition: 2, KafkaOffset: int64(i), KafkaTimestamp: int64(i) << (i % 40)})
	}
	cases["many"] = many
	for name, rows := range cases {
		t.Run(name, func(t *testing.T) {
			want := slices.Clone(rows)
			body, err := NewEncoder().Encode(rows, Meta{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := pqread.Read(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(got, func(a, b Row) int { return int(a.KafkaOffset - b.KafkaOffset) })
			if !reflect.DeepEqual(got, want) {
				for i := range want {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("row %d: got %+v, want %+v", i, got[i], want[i])
					}
				}
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
		})
	}
	if _, err := NewEncoder().Encode(nil, Meta{}); err == nil {
		t.Fatal("Encode accepted no rows")
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
