package tickparquet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/zstd"

	"github.com/ticklake/ticklake/shared/schema"
)

// Parquet format enums (parquet.thrift).
const (
	typeBoolean   = 0
	typeInt32     = 1
	typeInt64     = 2
	typeDouble    = 5
	typeByteArray = 6

	repRequired = 0
	repOptional = 1

	encPlain         = 0
	encRLE           = 3
	encDeltaBinary   = 5
	encRLEDictionary = 8

	codecZstd = 6

	pageData       = 0
	pageDictionary = 2

	convertedUTF8            = 0
	convertedDate            = 6
	convertedTimestampMicros = 10
)

// kind says how a column is typed.
type kind int

const (
	kindString      kind = iota // BYTE_ARRAY STRING
	kindTimestamp               // INT64 TIMESTAMP(MICROS, UTC)
	kindDouble                  // DOUBLE
	kindInt64                   // INT64
	kindInt64Delta              // INT64 (a Kafka offset)
	kindInt32                   // INT32
	kindStringPlain             // BYTE_ARRAY STRING (extra)
	kindField                   // a declared field: see fields.go
)

// encoding is how a column's values are encoded in each column chunk: the one place that says so,
// for every writer of these objects.
type encoding int

const (
	// encodeDictionary: RLE_DICTIONARY (a dictionary page, then bit-packed or RLE indices).
	encodeDictionary encoding = iota
	// encodeDelta: DELTA_BINARY_PACKED.
	encodeDelta
	// encodeDoubles: RLE_DICTIONARY when at most one value in maxDictShare is distinct (prices in
	// cents repeat), else PLAIN.
	encodeDoubles
	// encodeIntegers: DELTA_BINARY_PACKED when the values mostly ascend (sequences, times); else
	// RLE_DICTIONARY when few are distinct (trade sizes); else DELTA_BINARY_PACKED when the steps
	// between values are narrow (interleaved sequences); else PLAIN.
	encodeIntegers
	// encodeDates: DELTA_BINARY_PACKED when the values mostly ascend, else PLAIN.
	encodeDates
	// encodePlain: PLAIN (booleans bit-packed).
	encodePlain
)

type columnDef struct {
	name     string
	kind     kind
	optional bool
	field    int         // kindField: the position of the field in the schema
	ftype    schema.Type // kindField: its type
	enc      encoding
}

// contractColumns are the contract's columns, in file order; the declared fields follow them, then
// extra.
var contractColumns = []columnDef{
	{ColSymbol, kindString, false, 0, "", encodeDictionary},
	{ColTS, kindTimestamp, false, 0, "", encodeDelta},
	{ColPrice, kindDouble, false, 0, "", encodeDoubles},
	{ColSize, kindInt64, false, 0, "", encodeIntegers},
	{ColBid, kindDouble, true, 0, "", encodeDoubles},
	{ColAsk, kindDouble, true, 0, "", encodeDoubles},
	{ColKafkaPartition, kindInt32, false, 0, "", encodeDelta},
	{ColKafkaOffset, kindInt64Delta, false, 0, "", encodeDelta},
	{ColKafkaTimestamp, kindTimestamp, false, 0, "", encodeDelta},
}

// extraColumn holds the fields nobody declared.
var extraColumn = columnDef{ColExtra, kindStringPlain, true, 0, "", encodePlain}

// columnsFor is the file schema of ticks with the declared fields.
func columnsFor(fields schema.Schema) []columnDef {
	cols := append([]columnDef(nil), contractColumns...)
	for i, f := range fields {
		cols = append(cols, columnDef{name: f.Name, kind: kindField, optional: true, field: i, ftype: f.Type, enc: fieldEncoding(f.Type)})
	}
	return append(cols, extraColumn)
}

func (c columnDef) physical() int32 {
	if c.kind == kindField {
		return fieldPhysical(c.ftype)
	}
	switch c.kind {
	case kindString, kindStringPlain:
		return typeByteArray
	case kindDouble:
		return typeDouble
	case kindInt32:
		return typeInt32
	}
	return typeInt64
}

// zstdEncoder returns the zstd encoder that every Encoder shares (EncodeAll is safe for concurrent
// use), made on first use; its error is that of zstd.NewWriter.
var zstdEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true))
})

// chunkMeta is what the footer records of one column chunk.
type chunkMeta struct {
	encodings          []int32
	numValues          int64
	uncompressed, size int64
	dataOffset         int64
	dictOffset         int64 // 0 when there is no dictionary page
	nullCount          int64
	min, max           []byte
}

// fileWriter assembles one Parquet file in memory.
type fileWriter struct {
	out         *bytes.Buffer
	zstd        *zstd.Encoder
	body        []byte // scratch: a page's uncompressed body
	levels      []byte // scratch: definition levels
	scratch     []byte // scratch: compressed page
	scratch2    []byte // scratch: a dictionary page's body
	cols        []columnDef
	nfields     int   // declared fields among cols
	fieldCounts []int // values of each declared field in the file being written
	dict        map[string]int32
	dictVal     []string
	dictCache   [256]dictSlot
	dictGen     uint32
	// reused column scratch
	present []bool
	idx     []int32
	ints    []int64
	flts    []float64
	strs    []string
	fdict   u64Dict
	// err is the first page that could not be written (too large for a page header's int32 sizes),
	// for the caller to return once its columns are written.
	err error
}

// maxPageBytes is the largest page body a page header can record: its sizes are int32.
var maxPageBytes = math.MaxInt32

// takeErr returns f.err and clears it.
func (f *fileWriter) takeErr() error {
	err := f.err
	f.err = nil
	return err
}

// grow returns buf with length n, reusing its memory.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// page writes one page: its header, then its zstd-compressed body.
func (f *fileWriter) page(m *chunkMeta, pageType int32, body []byte, numValues int32, encoding int32) {
	if len(body) > maxPageBytes {
		if f.err == nil {
			f.err = fmt.Errorf("encode parquet: a page of %d bytes, past the %d a page header can record: write smaller row groups",
				len(body), maxPageBytes)
		}
		return
	}
	f.scratch = f.zstd.EncodeAll(body, f.scratch[:0])
	if len(f.scratch) > maxPageBytes {
		if f.err == nil {
			f.err = fmt.Errorf("encode parquet: a compressed page of %d bytes, past the %d a page header can record: write smaller row groups",
				len(f.scratch), maxPageBytes)
		}
		return
	}
	var h tw
	h.last = []int16{0}
	h.i32(1, pageType)
	h.i32(2, int32(len(body)))
	h.i32(3, int32(len(f.scratch)))
	if pageType == pageDictionary {
		h.begin(7)
		h.i32(1, numValues)
		h.i32(2, encPlain)
		h.end()
	} else {
		h.begin(5)
		h.i32(1, numValues)
		h.i32(2, encoding)
		h.i32(3, encRLE)
		h.i32(4, encRLE)
		h.end()
	}
	h.b = append(h.b, 0) // end of PageHeader
	f.out.Write(h.b)
	f.out.Write(f.scratch)
	m.uncompressed += int64(len(h.b) + len(body))
	m.size += int64(len(h.b) + len(f.scratch))
}

// writeColumn writes the chunk of column c for rows.
func (f *fileWriter) writeColumn(c columnDef, rows []Row) chunkMeta {
	if c.kind == kindField {
		return f.writeField(c, rows)
	}
	m := chunkMeta{numValues: int64(len(rows))}
	body := f.body[:0]
	var present []bool // for optional columns
	if c.optional {
		f.present = grow(f.present, len(rows))
		present = f.present
		for i := range rows {
			present[i] = isPresent(c.name, &rows[i])
			if !present[i] {
				m.nullCount++
			}
		}
		f.levels = appendRLE(f.levels[:0], present, 1)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(f.levels)))
		body = append(body, f.levels...)
	}
	encoding := int32(encPlain)
	switch c.kind {
	case kindString: // dictionary page, then indices
		f.resetDict()
		f.idx = grow(f.idx, len(rows))
		idx := f.idx
		var dictBody []byte
		for i := range rows {
			idx[i], dictBody = f.dictID(rows[i].Symbol, dictBody)
		}
		body = f.stringDict(&m, body, dictBody, idx)
		encoding = encRLEDictionary
	case kindTimestamp, kindInt64Delta:
		f.ints = grow(f.ints, len(rows))
		vals := f.ints
		for i := range rows {
			vals[i] = int64Of(c.name, &rows[i])
		}
		m.min, m.max = int64Bounds(vals)
		body, encoding = f.integers(&m, body, vals, c.enc, false)
	case kindInt64:
		f.ints = grow(f.ints, len(rows))
		vals := f.ints
		for i := range rows {
			vals[i] = int64Of(c.name, &rows[i])
		}
		m.min, m.max = int64Bounds(vals)
		body, encoding = f.integers(&m, body, vals, c.enc, false)
	case kindInt32:
		f.ints = grow(f.ints, len(rows))
		vals := f.ints
		for i := range rows {
			vals[i] = int64(rows[i].KafkaPartition)
		}
		if lo, hi := int64Bounds(vals); lo != nil {
			m.min, m.max = lo[:4], hi[:4] // little-endian: the int32's bytes come first
		}
		body, encoding = f.integers(&m, body, vals, c.enc, true)
	case kindDouble:
		f.flts = f.flts[:0]
		for i := range rows {
			if present == nil || present[i] {
				f.flts = append(f.flts, doubleOf(c.name, &rows[i]))
			}
		}
		body, encoding = f.doubles(&m, body, f.flts)
	case kindStringPlain:
		var lo, hi *string
		for i := range rows {
			if present[i] {
				s := rows[i].Extra
				body = binary.LittleEndian.AppendUint32(body, uint32(len(*s)))
				body = append(body, *s...)
				if lo == nil || *s < *lo {
					lo = s
				}
				if hi == nil || *s > *hi {
					hi = s
				}
			}
		}
		if lo != nil {
			m.min, m.max = []byte(*lo), []byte(*hi)
		}
	}
	if m.encodings == nil {
		m.encodings = []int32{encoding}
	}
	if c.optional {
		m.encodings = append(m.encodings, encRLE)
	}
	m.dataOffset = int64(f.out.Len())
	f.page(&m, pageData, body, int32(len(rows)), encoding)
	f.body = body
	return m
}

func isPresent(col string, r *Row) bool {
	switch col {
	case ColBid:
		return r.Bid != nil
	case ColAsk:
		return r.Ask != nil
	}
	return r.Extra != nil
}

func int64Of(col string, r *Row) int64 {
	switch col {
	case ColTS:
		return r.TS
	case ColSize:
		return r.Size
	case ColKafkaOffset:
		return r.KafkaOffset
	}
	return r.KafkaTimestamp
}

func doubleOf(col string, r *Row) float64 {
	switch col {
	case ColBid:
		return *r.Bid
	case ColAsk:
		return *r.Ask
	}
	return r.Price
}

func int64Bounds(vals []int64) (lo, hi []byte) {
	if len(vals) == 0 {
		return nil, nil
	}
	a, b := vals[0], vals[0]
	for _, v := range vals {
		a, b = min(a, v), max(b, v)
	}
	return int64Bytes(a), int64Bytes(b)
}

// rowGroupMeta is what the footer records of one row group.
type rowGroupMeta struct {
	rows  int
	metas []chunkMeta
}

// footer writes the FileMetaData.
func footer(columns []columnDef, groups []rowGroupMeta, kv [][2]string) []byte {
	rows := 0
	for _, g := range groups {
		rows += g.rows
	}
	var w tw
	w.last = []int16{0}
	w.i32(1, 1) // version
	w.list(2, tStruct, len(columns)+1)
	// The root of the schema, then one leaf a column.
	w.begin(0)
	w.str(4, "schema")
	w.i32(5, int32(len(columns)))
	w.end()
	for _, c := range columns {
		w.begin(0)
		w.i32(1, c.physical())
		rep := int32(repRequired)
		if c.optional {
			rep = repOptional
		}
		w.i32(3, rep)
		w.str(4, c.name)
		kind := c.kind
		if kind == kindField {
			kind = fieldKind(c.ftype)
		}
		switch kind {
		case kindDate:
			w.i32(6, convertedDate)
			w.begin(10)
			w.empty(6) // DATE
			w.end()
		case kindString, kindStringPlain:
			w.i32(6, convertedUTF8)
			w.begin(10)
			w.empty(1) // STRING
			w.end()
		case kindTimestamp:
			w.i32(6, convertedTimestampMicros)
			w.begin(10)
			w.begin(8) // TIMESTAMP
			w.boolean(1, true)
			w.begin(2)
			w.empty(2) // MICROS
			w.end()
			w.end()
			w.end()
		}
		w.end()
	}
	w.i64(3, int64(rows))
	w.list(4, tStruct, len(groups))
	for gi, g := range groups {
		w.rowGroup(columns, g, int16(gi))
	}
	w.list(5, tStruct, len(kv))
	w.footerKV(columns, kv)
	return w.b
}

// rowGroup writes one RowGroup of the FileMetaData.
func (w *tw) rowGroup(columns []columnDef, g rowGroupMeta, ordinal int16) {
	w.begin(0)
	w.list(1, tStruct, len(columns))
	var total, totalCompressed int64
	for i, c := range columns {
		m := g.metas[i]
		total += m.uncompressed
		totalCompressed += m.size
		w.begin(0)
		w.i64(2, chunkStart(m))
		w.begin(3)
		w.i32(1, c.physical())
		w.list(2, tI32, len(m.encodings))
		for _, e := range m.encodings {
			w.varint(int64(e))
		}
		w.list(3, tBinary, 1)
		w.uvarint(uint64(len(c.name)))
		w.b = append(w.b, c.name...)
		w.i32(4, codecZstd)
		w.i64(5, m.numValues)
		w.i64(6, m.uncompressed)
		w.i64(7, m.size)
		w.i64(9, m.dataOffset)
		if m.dictOffset > 0 {
			w.i64(11, m.dictOffset)
		}
		w.begin(12) // statistics
		w.i64(3, m.nullCount)
		if m.max != nil {
			w.bin(5, m.max)
			w.bin(6, m.min)
		}
		w.end()
		w.end()
		w.end()
	}
	w.i64(2, total)
	w.i64(3, int64(g.rows))
	w.i64(5, chunkStart(g.metas[0]))
	w.i64(6, totalCompressed)
	w.field(7, 4) // ordinal, i16
	w.varint(int64(ordinal))
	w.end()
}

// footerKV writes the key-value metadata and the rest of the FileMetaData.
func (w *tw) footerKV(columns []columnDef, kv [][2]string) {
	for _, p := range kv {
		w.begin(0)
		w.str(1, p[0])
		w.str(2, p[1])
		w.end()
	}
	w.str(6, CreatedBy)
	w.list(7, tStruct, len(columns)) // column orders: type-defined, so min and max are usable
	for range columns {
		w.begin(0)
		w.empty(1)
		w.end()
	}
	w.b = append(w.b, 0) // end of FileMetaData
}

// chunkStart is the offset of a column chunk's first page.
func chunkStart(m chunkMeta) int64 {
	if m.dictOffset > 0 {
		return m.dictOffset
	}
	return m.dataOffset
}

// CreatedBy names the writer in each file's footer, in the form readers parse
// ("<application> version <semver> (build <hash>)").
const CreatedBy = "ticklake version 1.0.0 (build ticklake)"

// writeFile writes rows, already in storage order, as one Parquet file.
func (f *fileWriter) writeFile(rows []Row, meta Meta) error {
	if len(rows) == 0 || len(rows) > math.MaxInt32 {
		return fmt.Errorf("encode parquet: %d rows in one file", len(rows))
	}
	f.out.WriteString("PAR1")
	f.countFields(rows, f.nfields)
	metas := make([]chunkMeta, len(f.cols))
	for i, c := range f.cols {
		metas[i] = f.writeColumn(c, rows)
	}
	if err := f.takeErr(); err != nil {
		return err
	}
	kv := [][2]string{
		{"ticklake.topic", meta.Topic},
		{"ticklake.partition", fmt.Sprint(meta.Partition)},
		{"ticklake.offsets", fmt.Sprintf("%d-%d", meta.FirstOffset, meta.LastOffset)},
	}
	ft := footer(f.cols, []rowGroupMeta{{len(rows), metas}}, kv)
	f.out.Write(ft)
	f.out.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(ft))))
	f.out.WriteString("PAR1")
	return nil
}

// appendRLE writes values with the RLE/bit-packing hybrid: a run of at least minRLERun equal values
// as one RLE run, the values between runs bit-packed in groups of eight (the last group padded with
// zeros, which readers skip past the page's value count). Rows sorted by symbol give long runs;
// rows in arrival order give short ones, which bit-packing stores in width bits each.
func appendRLE[T int32 | bool](dst []byte, v []T, width int) []byte {
	byteWidth := (width + 7) / 8
	lit := 0 // start of the pending literal values
	for i := 0; i < len(v); {
		j := i + 1
		for j < len(v) && v[j] == v[i] {
			j++
		}
		k := i // the run's first value that the RLE run holds
		if n := i - lit; n > 0 {
			k += (8 - n%8) % 8
		}
		if j-k < minRLERun {
			i = j
			continue
		}
		// A run: the pending literals, padded to a group of eight with the run's first values, go
		// bit-packed; the rest of the run goes as one RLE run.
		if k > lit {
			dst = appendBitPacked(dst, v[lit:k], width)
		}
		dst = binary.AppendUvarint(dst, uint64(j-k)<<1)
		x := rleValue(v[i])
		for b := 0; b < byteWidth; b++ {
			dst = append(dst, byte(x>>(8*b)))
		}
		i, lit = j, j
	}
	if lit < len(v) {
		dst = appendBitPacked(dst, v[lit:], width)
	}
	return dst
}

// minRLERun is the shortest run of equal values that appendRLE writes as an RLE run: shorter runs
// cost less bit-packed.
const minRLERun = 8

func rleValue[T int32 | bool](v T) uint64 {
	switch val := any(v).(type) {
	case int32:
		return uint64(uint32(val))
	case bool:
		if val {
			return 1
		}
	}
	return 0
}

// appendBitPacked writes v as one bit-packed run of the RLE/bit-packing hybrid, width bits a value
// (at most 32), least significant first, padded with zeros to a multiple of eight values: through a
// 64-bit accumulator, 32 bits stored at a time, into space reserved for the whole run.
func appendBitPacked[T int32 | bool](dst []byte, v []T, width int) []byte {
	groups := (len(v) + 7) / 8
	dst = binary.AppendUvarint(dst, uint64(groups)<<1|1)
	need := groups * width // eight values of width bits: width bytes
	dst = slices.Grow(dst, need+4)
	out := dst[len(dst) : len(dst)+need+4]
	var acc uint64
	nbits, pos := 0, 0
	switch vs := any(v).(type) { // once a run, not once a value
	case []int32:
		for _, x := range vs {
			acc |= uint64(uint32(x)) << nbits
			nbits += width
			if nbits >= 32 {
				binary.LittleEndian.PutUint32(out[pos:], uint32(acc))
				pos += 4
				acc >>= 32
				nbits -= 32
			}
		}
	case []bool:
		for _, x := range vs {
			if x {
				acc |= 1 << nbits
			}
			nbits += width
			if nbits >= 32 {
				binary.LittleEndian.PutUint32(out[pos:], uint32(acc))
				pos += 4
				acc >>= 32
				nbits -= 32
			}
		}
	}
	// The padding values are zeros: what the accumulator holds is the rest, then zero bytes.
	binary.LittleEndian.PutUint32(out[pos:], uint32(acc))
	clear(out[pos+4:])
	return dst[:len(dst)+need]
}

// Delta encoding parameters: blocks of 128 values in 4 miniblocks of 32.
const (
	deltaBlock      = 128
	deltaMiniblocks = 4
	deltaMini       = deltaBlock / deltaMiniblocks
)

// appendDeltaBinaryPacked writes values with the DELTA_BINARY_PACKED encoding.
func appendDeltaBinaryPacked(dst []byte, v []int64) []byte {
	dst = binary.AppendUvarint(dst, deltaBlock)
	dst = binary.AppendUvarint(dst, deltaMiniblocks)
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	if len(v) == 0 {
		return binary.AppendVarint(dst, 0)
	}
	dst = binary.AppendVarint(dst, v[0])
	var deltas [deltaBlock]int64
	for i := 1; i < len(v); i += deltaBlock {
		n := min(deltaBlock, len(v)-i)
		minDelta := int64(math.MaxInt64)
		for k := 0; k < n; k++ {
			deltas[k] = v[i+k] - v[i+k-1]
			minDelta = min(minDelta, deltas[k])
		}
		dst = binary.AppendVarint(dst, minDelta)
		widthAt := len(dst)
		dst = append(dst, make([]byte, deltaMiniblocks)...)
		for mb := 0; mb < deltaMiniblocks; mb++ {
			lo := mb * deltaMini
			if lo >= n {
				break // the widths of unused miniblocks stay 0, and they hold no bytes
			}
			var maxBits uint64
			for k := lo; k < min(lo+deltaMini, n); k++ {
				maxBits |= uint64(deltas[k] - minDelta)
			}
			width := bits.Len64(maxBits)
			dst[widthAt+mb] = byte(width)
			if width == 0 {
				continue
			}
			if width <= 32 { // whole values through a 64-bit accumulator, 32 bits written at a time
				need := deltaMini * width / 8
				dst = slices.Grow(dst, need)
				out := dst[len(dst) : len(dst)+need]
				var acc uint64
				nbits, pos := 0, 0
				for k := lo; k < lo+deltaMini; k++ {
					if k < n {
						acc |= uint64(deltas[k]-minDelta) << nbits
					}
					nbits += width
					if nbits >= 32 {
						binary.LittleEndian.PutUint32(out[pos:], uint32(acc))
						pos += 4
						acc >>= 32
						nbits -= 32
					}
				}
				dst = dst[:len(dst)+need] // 32 values of width bits: width 32-bit words, all written
				continue
			}
			var acc uint64
			nbits := 0
			for k := lo; k < lo+deltaMini; k++ {
				var x uint64
				if k < n {
					x = uint64(deltas[k] - minDelta)
				}
				// Write width bits of x, least significant first, through a 64-bit accumulator.
				for left := width; left > 0; {
					take := min(left, 64-nbits)
					acc |= (x & (1<<take - 1)) << nbits
					x >>= take
					left -= take
					nbits += take
					for nbits >= 8 {
						dst = append(dst, byte(acc))
						acc >>= 8
						nbits -= 8
					}
				}
			}
		}
	}
	return dst
}

// dictID returns the dictionary index of s in the column chunk being written, adding s to the
// dictionary and its PLAIN form to dictBody when it is new.
func (f *fileWriter) dictID(s string, dictBody []byte) (int32, []byte) {
	// Decoded strings are interned: one string, one pointer, so a cache by pointer finds most.
	p := unsafe.StringData(s)
	slot := &f.dictCache[(uintptr(unsafe.Pointer(p))>>3^uintptr(len(s)))&uintptr(len(f.dictCache)-1)]
	if slot.p == p && slot.n == len(s) && slot.gen == f.dictGen && p != nil {
		return slot.id, dictBody
	}
	id, dictBody := f.dictAdd(s, dictBody)
	*slot = dictSlot{p, len(s), f.dictGen, id}
	return id, dictBody
}

// dictSlot caches a string's dictionary index by the string's pointer and length, for the column
// chunk numbered gen.
type dictSlot struct {
	p   *byte
	n   int
	gen uint32
	id  int32
}

// resetDict empties the dictionary for a new column chunk.
func (f *fileWriter) resetDict() {
	clear(f.dict)
	f.dictVal = f.dictVal[:0]
	f.dictGen++
}

// dictAdd is dictID through the map.
func (f *fileWriter) dictAdd(s string, dictBody []byte) (int32, []byte) {
	id, ok := f.dict[s]
	if !ok {
		id = int32(len(f.dictVal))
		f.dict[s] = id
		f.dictVal = append(f.dictVal, s)
		dictBody = binary.LittleEndian.AppendUint32(dictBody, uint32(len(s)))
		dictBody = append(dictBody, s...)
	}
	return id, dictBody
}

// doubles writes a double column's present values as c.enc says (encodeDoubles): dictionary-encoded
// when few distinct values repeat, as prices in cents do, else PLAIN. It records min and max in m
// and returns the data page's body and its encoding.
func (f *fileWriter) doubles(m *chunkMeta, body []byte, vals []float64) ([]byte, int32) {
	if len(vals) == 0 {
		return body, encPlain
	}
	lo, hi := float64Range(vals)
	m.min, m.max = float64Bytes(lo), float64Bytes(hi)
	words := unsafe.Slice((*uint64)(unsafe.Pointer(&vals[0])), len(vals)) // the same 8 bytes a value
	if f.dict64(m, words, maxDictShare) {
		return f.dictIndices(body), encRLEDictionary
	}
	for _, v := range vals {
		body = binary.LittleEndian.AppendUint64(body, math.Float64bits(v))
	}
	return body, encPlain
}

// float64Range returns min and max of vals (not empty) as the builtin min and max fold them: NaN when
// any value is NaN, and -0 below +0; compared with branches that the common case predicts.
func float64Range(vals []float64) (lo, hi float64) {
	lo, hi = vals[0], vals[0]
	nan := false
	for _, v := range vals {
		switch {
		case v < lo:
			lo = v
		case v > hi:
			hi = v
		case v != v:
			nan = true
		case v == 0:
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if nan {
		return math.NaN(), math.NaN()
	}
	return lo, hi
}

// integers writes an integer column's present values (int32 ones when int32 is set) as enc says:
// encodeDelta, encodeIntegers or encodeDates. Min and max are the caller's.
func (f *fileWriter) integers(m *chunkMeta, body []byte, vals []int64, enc encoding, int32 bool) ([]byte, int32) {
	if len(vals) == 0 {
		return body, encPlain
	}
	if enc == encodeDelta {
		return appendDeltaBinaryPacked(body, vals), encDeltaBinary
	}
	descents := 0
	loStep, hiStep := int64(math.MaxInt64), int64(math.MinInt64)
	for i := 1; i < len(vals); i++ {
		d := vals[i] - vals[i-1]
		if d < 0 {
			descents++
		}
		loStep, hiStep = min(loStep, d), max(hiStep, d)
	}
	narrow := len(vals) < 2 || bits.Len64(uint64(hiStep-loStep)) <= maxDeltaBits
	switch {
	case enc == encodeDelta || descents <= len(vals)/16: // a sequence, times, runs of one value
		return appendDeltaBinaryPacked(body, vals), encDeltaBinary
	case enc == encodeIntegers && !int32 && f.dict64(m, unsafe.Slice((*uint64)(unsafe.Pointer(&vals[0])), len(vals)), maxDictShareInts):
		return f.dictIndices(body), encRLEDictionary
	case enc == encodeIntegers && narrow:
		return appendDeltaBinaryPacked(body, vals), encDeltaBinary
	case int32:
		for _, v := range vals {
			body = binary.LittleEndian.AppendUint32(body, uint32(v))
		}
	default:
		for _, v := range vals {
			body = binary.LittleEndian.AppendUint64(body, uint64(v))
		}
	}
	return body, encPlain
}

// maxDeltaBits: encodeIntegers delta-encodes values that do not ascend when the steps between them
// span at most this many bits (against 64 a value plain).
const maxDeltaBits = 24

// dict64 builds the dictionary of 8-byte values (doubles or int64s, by bit pattern) when at most one
// in share is distinct and writes its dictionary page; it returns false, writing nothing, when more are.
func (f *fileWriter) dict64(m *chunkMeta, words []uint64, share int) bool {
	d := &f.fdict
	if !d.build(words, max(1, len(words)/share)) {
		return false
	}
	dictBody := f.scratch2[:0]
	for _, v := range d.vals {
		dictBody = binary.LittleEndian.AppendUint64(dictBody, v)
	}
	m.dictOffset = int64(f.out.Len())
	f.page(m, pageDictionary, dictBody, int32(len(d.vals)), encPlain)
	f.scratch2 = dictBody
	m.encodings = []int32{encPlain, encRLEDictionary}
	return true
}

// dictIndices appends the indices of the dictionary dict64 built, bit-packed or run-length encoded.
func (f *fileWriter) dictIndices(body []byte) []byte {
	return appendIndices(body, f.fdict.idx, len(f.fdict.vals))
}

// appendIndices appends a data page's indices into a dictionary of n values: their bit width, then
// the indices bit-packed or run-length encoded.
func appendIndices(body []byte, idx []int32, n int) []byte {
	width := max(1, bits.Len32(uint32(n-1)))
	return appendRLE(append(body, byte(width)), idx, width)
}

// stringDict writes the dictionary page of f.dictVal (dictBody, their PLAIN form) and appends idx,
// the rows' indices into it, to body; the chunk's bounds are the dictionary's least and greatest
// strings.
func (f *fileWriter) stringDict(m *chunkMeta, body, dictBody []byte, idx []int32) []byte {
	m.dictOffset = int64(f.out.Len())
	f.page(m, pageDictionary, dictBody, int32(len(f.dictVal)), encPlain)
	m.encodings = []int32{encPlain, encRLEDictionary}
	minS, maxS := f.dictVal[0], f.dictVal[0]
	for _, s := range f.dictVal {
		minS, maxS = min(minS, s), max(maxS, s)
	}
	m.min, m.max = []byte(minS), []byte(maxS)
	return appendIndices(body, idx, len(f.dictVal))
}

// maxDictShare: encodeDoubles dictionary-encodes a column chunk that holds at most one distinct
// value in maxDictShare; encodeIntegers one in maxDictShareInts (trade sizes: a few hundred in
// 10,000; past that, PLAIN and zstd store integers smaller).
const (
	maxDictShare     = 4
	maxDictShareInts = 16
)

// u64Dict is a dictionary of 8-byte values for one column chunk: an open-addressing hash table,
// reused.
type u64Dict struct {
	slots []uint64 // the value
	ids   []int32  // its index + 1; 0 marks an empty slot
	vals  []uint64
	idx   []int32 // each value's index
}

// build fills the dictionary of vals; it gives up, returning false, past limit distinct values.
func (d *u64Dict) build(vals []uint64, limit int) bool {
	size := 1 << bits.Len(uint(2*limit+1))
	d.slots, d.ids = grow(d.slots, size), grow(d.ids, size)
	clear(d.ids)
	d.vals, d.idx = d.vals[:0], grow(d.idx, len(vals))
	mask := uint64(size - 1)
	shift := 64 - bits.Len(uint(size-1))
	for i, b := range vals {
		h := (b * 0x9E3779B97F4A7C15) >> shift & mask
		for {
			id := d.ids[h]
			if id == 0 {
				if len(d.vals) == limit {
					return false
				}
				d.vals = append(d.vals, b)
				id = int32(len(d.vals))
				d.slots[h], d.ids[h] = b, id
			} else if d.slots[h] != b {
				h = (h + 1) & mask
				continue
			}
			d.idx[i] = id - 1
			break
		}
	}
	return true
}
