package tickparquet_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/ticklake/ticklake/internal/pqread"
	. "github.com/ticklake/ticklake/shared/tickparquet"
)

// rowsFrom makes rows from fuzz bytes: 40 bytes a row, in offset order as batches come.
func rowsFrom(data []byte) []Row {
	var rows []Row
	for i := 0; len(data) >= 40 && i < 2000; i++ {
		d := data[:40]
		data = data[40:]
		u := func(k int) uint64 { return binary.LittleEndian.Uint64(d[k:]) }
		price := math.Float64frombits(u(16))
		if math.IsNaN(price) { // NaN never equals itself; the contract keeps prices finite
			price = 1
		}
		lo := int(d[0] % 6)
		r := Row{Symbol: "ABCDEFGH"[lo : lo+1+int(d[1]%3)], TS: int64(u(2)), Price: price,
			Size: int64(u(24) >> 1), KafkaPartition: int32(d[10]), KafkaOffset: int64(i), KafkaTimestamp: int64(u(32))}
		if d[11]&1 != 0 {
			v := float64(d[12]) / 4
			r.Bid = &v
		}
		if d[11]&2 != 0 {
			v := float64(d[13]) / 2
			r.Ask = &v
		}
		if d[11]&4 != 0 {
			v := string(d[14:16])
			r.Extra = &v
		}
		rows = append(rows, r)
	}
	return rows
}

// FuzzEncodeReadBack encodes arbitrary rows and reads them back with parquet-go, a reader nobody
// here wrote: every row must come back as written.
func FuzzEncodeReadBack(f *testing.F) {
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 8))
	f.Add(bytes.Repeat([]byte{0xff, 0, 0x80, 7}, 300))
	seed := make([]byte, 40*130)
	for i := range seed {
		seed[i] = byte(i * 7)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows := rowsFrom(data)
		if len(rows) == 0 {
			return
		}
		want := slices.Clone(rows)
		body, err := NewEncoder().Encode(rows, Meta{Topic: "ticks"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := pqread.Read(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b Row) int { return int(a.KafkaOffset - b.KafkaOffset) })
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read back %d rows differing from the %d written", len(got), len(want))
		}
	})
}
