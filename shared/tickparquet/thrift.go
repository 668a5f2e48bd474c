package tickparquet

import (
	"encoding/binary"
	"math"
)

// Thrift compact protocol types, as Parquet's metadata uses them.
const (
	tTrue   = 1
	tFalse  = 2
	tI32    = 5
	tI64    = 6
	tBinary = 8
	tList   = 9
	tStruct = 12
)

// tw writes Thrift compact-protocol structs. Fields must be written in increasing id order within a
// struct; Begin and End nest structs.
type tw struct {
	b    []byte
	last []int16 // last field id of each open struct
}

func (w *tw) field(id int16, typ byte) {
	d := id - w.last[len(w.last)-1]
	if d > 0 && d <= 15 {
		w.b = append(w.b, byte(d)<<4|typ)
	} else {
		w.b = append(w.b, typ)
		w.varint(int64(id))
	}
	w.last[len(w.last)-1] = id
}

func (w *tw) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

// varint writes a zigzag varint.
func (w *tw) varint(v int64) { w.uvarint(uint64(v<<1) ^ uint64(v>>63)) }

func (w *tw) i32(id int16, v int32) { w.field(id, tI32); w.varint(int64(v)) }
func (w *tw) i64(id int16, v int64) { w.field(id, tI64); w.varint(v) }

func (w *tw) bin(id int16, v []byte) {
	w.field(id, tBinary)
	w.uvarint(uint64(len(v)))
	w.b = append(w.b, v...)
}

func (w *tw) str(id int16, v string) { w.bin(id, []byte(v)) }

func (w *tw) boolean(id int16, v bool) {
	if v {
		w.field(id, tTrue)
	} else {
		w.field(id, tFalse)
	}
}

// list writes a list header for n elements of type typ.
func (w *tw) list(id int16, typ byte, n int) {
	w.field(id, tList)
	w.listHeader(typ, n)
}

func (w *tw) listHeader(typ byte, n int) {
	if n < 15 {
		w.b = append(w.b, byte(n)<<4|typ)
		return
	}
	w.b = append(w.b, 0xF0|typ)
	w.uvarint(uint64(n))
}

// begin opens a struct, as field id of the enclosing struct (id 0: a list element or the top level).
func (w *tw) begin(id int16) {
	if id != 0 {
		w.field(id, tStruct)
	}
	w.last = append(w.last, 0)
}

// end closes the innermost struct.
func (w *tw) end() {
	w.b = append(w.b, 0)
	w.last = w.last[:len(w.last)-1]
}

// empty writes an empty struct as field id.
func (w *tw) empty(id int16) { w.begin(id); w.end() }

func float64Bytes(v float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
}

func int64Bytes(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

func int32Bytes(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
