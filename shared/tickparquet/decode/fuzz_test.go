package decode_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

var fields = schema.Schema{{Name: "venue", Type: schema.String}, {Name: "seq", Type: schema.BigInt},
	{Name: "open", Type: schema.Double}, {Name: "halted", Type: schema.Boolean}, {Name: "date", Type: schema.Date}}

// rowsFrom makes rows from fuzz bytes, 32 bytes a row, declared fields set or null as the bytes say.
func rowsFrom(data []byte) []tickparquet.Row {
	var rows []tickparquet.Row
	for i := 0; len(data) >= 32 && i < 3000; i++ {
		d := data[:32]
		data = data[32:]
		u := func(k int) uint64 { return binary.LittleEndian.Uint64(d[k:]) }
		price := math.Float64frombits(u(8))
		if math.IsNaN(price) {
			price = 1
		}
		r := tickparquet.Row{Symbol: string(rune('A' + d[0]%5)), TS: int64(u(16)), Price: price, Size: int64(d[1]),
			KafkaPartition: int32(d[2] % 3), KafkaOffset: int64(i), KafkaTimestamp: int64(u(24))}
		if d[3]&1 != 0 {
			v := float64(d[4]) / 4
			r.Bid = &v
		}
		if d[3]&2 != 0 {
			v := string(d[5:7])
			r.Extra = &v
		}
		r.Fields = make([]tick.Value, len(fields))
		if d[3]&4 != 0 {
			r.Fields[0] = tick.Value{Valid: true, S: string(d[6:8])}
		}
		if d[3]&8 != 0 {
			r.Fields[1] = tick.Value{Valid: true, I: int64(u(16) >> 3)}
		}
		if d[3]&16 != 0 {
			r.Fields[2] = tick.Value{Valid: true, F: float64(d[7])}
		}
		if d[3]&32 != 0 {
			r.Fields[3] = tick.Value{Valid: true, I: int64(d[4] & 1)}
		}
		if d[3]&64 != 0 {
			r.Fields[4] = tick.Value{Valid: true, I: int64(int16(binary.LittleEndian.Uint16(d[4:])))}
		}
		rows = append(rows, r)
	}
	return rows
}

func same(a, b tickparquet.Row) bool {
	eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	if a.Symbol != b.Symbol || a.TS != b.TS || a.Price != b.Price || a.Size != b.Size || !eq(a.Bid, b.Bid) || !eq(a.Ask, b.Ask) ||
		a.KafkaPartition != b.KafkaPartition || a.KafkaOffset != b.KafkaOffset || a.KafkaTimestamp != b.KafkaTimestamp ||
		(a.Extra == nil) != (b.Extra == nil) || a.Extra != nil && *a.Extra != *b.Extra {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i] != b.Fields[i] {
			return false
		}
	}
	return true
}

// FuzzDecode writes arbitrary rows as objects of several row groups and decodes them: the oracle is
// the rows written. The fuzz bytes are also decoded as an object, which must fail cleanly or succeed,
// never panic.
func FuzzDecode(f *testing.F) {
	seed := make([]byte, 32*700)
	for i := range seed {
		seed[i] = byte(i * 13)
	}
	f.Add(seed)
	f.Add(bytes.Repeat([]byte{0xff, 1, 2, 0x7f, 9}, 100))
	if body, err := tickparquet.NewSchemaEncoder(fields).Encode(rowsFrom(seed[:32*50]), tickparquet.Meta{}); err == nil {
		f.Add(bytes.Clone(body))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decode.New(fields).Decode(nil, data)
		rows := rowsFrom(data)
		if len(rows) == 0 {
			return
		}
		var got []tickparquet.Row
		dec := decode.New(fields)
		err := tickparquet.NewSchemaEncoder(fields).EncodeSorted(rows, tickparquet.Layout{RowGroupBytes: 4 << 10, MaxObjectBytes: 16 << 10},
			func(body []byte, _ int) error {
				var err error
				got, err = dec.Decode(got, body)
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) {
			t.Fatalf("%d rows back, want %d", len(got), len(rows))
		}
		for i := range rows {
			if !same(got[i], rows[i]) {
				t.Fatalf("row %d: %+v, want %+v", i, got[i], rows[i])
			}
		}
	})
}
