package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/klauspost/compress/zstd"

	"github.com/ticklake/ticklake/shared/tickparquet"
)

// errFallback is returned by the fast reader for anything it does not read itself: another encoding,
// page kind, codec or layout, or bytes that do not add up. Decode then reads the object with parquet-go,
// which reads it or says what is wrong.
var errFallback = errors.New("not read by the fast reader")

// maxThriftDepth bounds the nesting of structs, lists, sets and maps in a footer or page header (the
// format's own nest about 8 deep).
const maxThriftDepth = 16

// errTooDeep is returned for Thrift nested past maxThriftDepth: not handed to parquet-go, whose Thrift
// reader recurses without a bound, so that such bytes are an error rather than a stack overflow,
// which no recover catches.
var errTooDeep = fmt.Errorf("%w: metadata nested more than %d deep", ErrNotTicks, maxThriftDepth)

// Parquet format enums (parquet.thrift) the fast reader knows.
const (
	encPlain           = 0
	encPlainDictionary = 2
	encRLE             = 3
	encDeltaBinary     = 5
	encRLEDictionary   = 8

	codecUncompressed = 0
	codecZstd         = 6

	pageData       = 0
	pageDictionary = 2

	repRequired = 0
	repOptional = 1

	convertedTimestampMicros = 10
)

// Thrift compact protocol types.
const (
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

// tr reads Thrift compact-protocol values; any malformation sets bad, after which every read returns
// zero values.
type tr struct {
	b       []byte
	i       int
	bad     bool
	depth   int
	tooDeep bool // bad because nested past maxThriftDepth
}

// enter counts one level of nesting, and leave its end; enter returns false, making r bad, past
// maxThriftDepth.
func (r *tr) enter() bool {
	r.depth++
	if r.depth > maxThriftDepth {
		r.bad, r.tooDeep = true, true
		return false
	}
	return true
}

func (r *tr) leave() { r.depth-- }

// err is the error of a read that went bad: errTooDeep or errFallback.
func (r *tr) err() error {
	if r.tooDeep {
		return errTooDeep
	}
	return errFallback
}

func (r *tr) byte() byte {
	if r.bad || r.i >= len(r.b) {
		r.bad = true
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *tr) uvarint() uint64 {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.i += n
	return v
}

func (r *tr) varint() int64 { u := r.uvarint(); return int64(u>>1) ^ -int64(u&1) }

func (r *tr) bytes() []byte {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)-r.i) {
		r.bad = true
		return nil
	}
	v := r.b[r.i : r.i+int(n)]
	r.i += int(n)
	return v
}

// list reads a list or set header: its element type and size.
func (r *tr) list() (byte, int) {
	h := r.byte()
	n := uint64(h >> 4)
	if n == 15 {
		n = r.uvarint()
	}
	if r.bad || n > uint64(len(r.b)-r.i) { // every element takes at least a byte, but for bools
		r.bad = true
		return 0, 0
	}
	return h & 0x0f, int(n)
}

// fields reads a struct, calling fn with each field's id and type; fn reads the value or skips it.
func (r *tr) fields(fn func(id int16, typ byte)) {
	r.enter()
	last := int16(0)
	for !r.bad {
		h := r.byte()
		if h == 0 {
			break
		}
		typ := h & 0x0f
		if d := int16(h >> 4); d != 0 {
			last += d
		} else {
			last = int16(r.varint())
		}
		fn(last, typ)
	}
	r.leave()
}

// skip reads past a value of type typ. Lists, sets and maps count towards the nesting bound as
// structs do, so that a footer of nested containers cannot exhaust the stack.
func (r *tr) skip(typ byte) {
	switch typ {
	case tList, tSet, tMap:
		defer r.leave()
		if !r.enter() {
			return
		}
	}
	switch typ {
	case tTrue, tFalse:
	case tByte:
		r.byte()
	case tI16, tI32, tI64:
		r.uvarint()
	case tDouble:
		if len(r.b)-r.i < 8 {
			r.bad = true
			return
		}
		r.i += 8
	case tBinary:
		r.bytes()
	case tList, tSet:
		et, n := r.list()
		for k := 0; k < n && !r.bad; k++ {
			if et == tTrue || et == tFalse {
				r.byte()
			} else {
				r.skip(et)
			}
		}
	case tMap:
		n := r.uvarint()
		if n > uint64(len(r.b)-r.i) {
			r.bad = true
			return
		}
		if n > 0 {
			kv := r.byte()
			for k := uint64(0); k < n && !r.bad; k++ {
				r.skip(kv >> 4)
				r.skip(kv & 0x0f)
			}
		}
	case tStruct:
		r.fields(func(_ int16, t byte) { r.skip(t) })
	default:
		r.bad = true
	}
}

func (r *tr) i32(typ byte) int32 {
	if typ != tI32 {
		r.bad = true
	}
	return int32(r.varint())
}

func (r *tr) i64(typ byte) int64 {
	if typ != tI64 && typ != tI32 {
		r.bad = true
	}
	return r.varint()
}

// leaf is a column of the file's schema.
type leaf struct {
	name      []byte // aliases the footer
	physical  int32
	rep       int32
	converted int32 // its converted type, or -1
}

// chunk is a column chunk's metadata.
type chunk struct {
	codec, physical        int32
	numValues, size        int64
	dataOffset, dictOffset int64
	path                   []byte // aliases the footer
	external               bool
}

// footerMeta is the part of FileMetaData the fast reader uses.
type footerMeta struct {
	leaves []leaf
	groups []struct {
		rows   int64
		chunks []chunk
	}
}

// Parquet physical types as the file records them.
var filePhysical = map[int]int32{typeBoolean: 0, typeInt32: 1, typeInt64: 2, typeDouble: 5, typeByteArray: 6}

// parseFooter reads a FileMetaData into m, reusing its slices.
func parseFooter(b []byte, m *footerMeta) error {
	r := &tr{b: b}
	m.leaves = m.leaves[:0]
	ng := 0
	r.fields(func(id int16, typ byte) {
		switch {
		case id == 2 && typ == tList:
			_, n := r.list()
			for k := 0; k < n && !r.bad; k++ {
				var l leaf
				children := int32(-1)
				l.physical, l.converted = -1, -1
				r.fields(func(id int16, typ byte) {
					switch id {
					case 1:
						l.physical = r.i32(typ)
					case 3:
						l.rep = r.i32(typ)
					case 6:
						l.converted = r.i32(typ)
					case 4:
						if typ != tBinary {
							r.bad = true
						}
						l.name = r.bytes()
					case 5:
						children = r.i32(typ)
					default:
						r.skip(typ)
					}
				})
				if k == 0 {
					if children != int32(n-1) {
						r.bad = true
					}
					continue
				}
				if children > 0 || l.physical < 0 {
					r.bad = true // nested: parquet-go's to read
				}
				m.leaves = append(m.leaves, l)
			}
		case id == 4 && typ == tList:
			_, n := r.list()
			for k := 0; k < n && !r.bad; k++ {
				if ng == len(m.groups) {
					m.groups = append(m.groups, struct {
						rows   int64
						chunks []chunk
					}{})
				}
				g := &m.groups[ng]
				ng++
				g.rows, g.chunks = 0, g.chunks[:0]
				r.fields(func(id int16, typ byte) {
					switch {
					case id == 1 && typ == tList:
						_, nc := r.list()
						for c := 0; c < nc && !r.bad; c++ {
							var ch chunk
							ch.physical = -1
							r.fields(func(id int16, typ byte) {
								switch id {
								case 1:
									ch.external = true
									r.skip(typ)
								case 3:
									r.fields(func(id int16, typ byte) {
										switch id {
										case 1:
											ch.physical = r.i32(typ)
										case 3:
											_, np := r.list()
											for p := 0; p < np && !r.bad; p++ {
												if p > 0 {
													ch.external = true // nested path
												}
												ch.path = r.bytes()
											}
										case 4:
											ch.codec = r.i32(typ)
										case 5:
											ch.numValues = r.i64(typ)
										case 7:
											ch.size = r.i64(typ)
										case 9:
											ch.dataOffset = r.i64(typ)
										case 11:
											ch.dictOffset = r.i64(typ)
										default:
											r.skip(typ)
										}
									})
								case 4, 5, 6, 7, 8, 9: // index offsets, encryption
									if id >= 8 {
										ch.external = true
									}
									r.skip(typ)
								default:
									r.skip(typ)
								}
							})
							g.chunks = append(g.chunks, ch)
						}
					case id == 3:
						g.rows = r.i64(typ)
					default:
						r.skip(typ)
					}
				})
			}
		default:
			r.skip(typ)
		}
	})
	m.groups = m.groups[:ng]
	if r.bad {
		return r.err()
	}
	return nil
}

// pageHeader is the part of a PageHeader the fast reader uses.
type pageHeader struct {
	typ, uncompressed, compressed int32
	numValues, encoding           int32
	defEncoding                   int32
}

func parsePageHeader(b []byte) (pageHeader, int, error) {
	r := &tr{b: b}
	h := pageHeader{typ: -1, encoding: -1, defEncoding: encRLE}
	r.fields(func(id int16, typ byte) {
		switch id {
		case 1:
			h.typ = r.i32(typ)
		case 2:
			h.uncompressed = r.i32(typ)
		case 3:
			h.compressed = r.i32(typ)
		case 5, 7:
			r.fields(func(fid int16, typ byte) {
				switch fid {
				case 1:
					h.numValues = r.i32(typ)
				case 2:
					h.encoding = r.i32(typ)
				case 3:
					if id == 5 {
						h.defEncoding = r.i32(typ)
					} else {
						r.skip(typ)
					}
				default:
					r.skip(typ)
				}
			})
		default:
			r.skip(typ)
		}
	})
	if r.bad {
		return h, 0, r.err()
	}
	if h.uncompressed < 0 || h.compressed < 0 || h.numValues < 0 {
		return h, 0, errFallback
	}
	return h, r.i, nil
}

// zstdSlack is room past a page's decompressed size in its buffer: with it, zstd's decoder copies
// matches in whole words instead of taking its slower bounded copies (about a third of reading an
// hour went to the bounded ones).
const zstdSlack = 64

// fastState is the fast reader's scratch, reused across objects.
type fastState struct {
	zstd    *zstd.Decoder
	page    []byte
	defs    []byte
	ints    []int64
	flts    []float64
	idx     []int32
	dictIDs []int32  // the chunk's dictionary, as ids into the table's strings
	dictW   []uint64 // a double or int64 column's dictionary, as 8-byte words
	meta    footerMeta
	byCol   []int // file leaf of each of the Decoder's columns, or -1
}

// target is where a column's values go in a Table: one of its slices.
type target struct {
	i64  []int64   // required int64 columns, from the row group's first row
	i32  []int32   // kafka_partition
	f64  []float64 // price
	sym  []int32   // symbol
	optI *tickparquet.Nullable[int64]
	optF *tickparquet.Nullable[float64]
	optS *tickparquet.Nullable[int32]
	// str is true for string columns: byte arrays go to the table's strings.
	str bool
}

// targetOf returns where column c's values go, for the row group that starts at row base.
func targetOf(t *tickparquet.Table, c tickparquet.Column, base int) target {
	if c.Field >= 0 {
		fc := &t.Fields[c.Field]
		switch physical(c) {
		case typeByteArray:
			return target{optS: &fc.S, str: true}
		case typeDouble:
			return target{optF: &fc.F}
		}
		return target{optI: &fc.I}
	}
	switch c.Name {
	case tickparquet.ColSymbol:
		return target{sym: t.Symbol[base:], str: true}
	case tickparquet.ColTS:
		return target{i64: t.TS[base:]}
	case tickparquet.ColPrice:
		return target{f64: t.Price[base:]}
	case tickparquet.ColSize:
		return target{i64: t.Size[base:]}
	case tickparquet.ColBid:
		return target{optF: &t.Bid}
	case tickparquet.ColAsk:
		return target{optF: &t.Ask}
	case tickparquet.ColKafkaPartition:
		return target{i32: t.KafkaPartition[base:]}
	case tickparquet.ColKafkaOffset:
		return target{i64: t.KafkaOffset[base:]}
	case tickparquet.ColKafkaTimestamp:
		return target{i64: t.KafkaTimestamp[base:]}
	case tickparquet.ColExtra:
		return target{optS: &t.Extra, str: true}
	}
	return target{}
}

// pad adds n null rows at row base of an optional target.
func (tg target) pad(base, n int) {
	switch {
	case tg.optI != nil:
		tg.optI.Pad(base, n)
	case tg.optF != nil:
		tg.optF.Pad(base, n)
	case tg.optS != nil:
		tg.optS.Pad(base, n)
	}
}

// decodeFast reads an object this project's encoder wrote (or any object within the same bounds:
// flat columns of the schema's physical types; zstd or no compression; v1 data pages; PLAIN,
// DELTA_BINARY_PACKED and dictionary encodings, dictionaries of strings, doubles and int64s;
// definition levels and dictionary indices in RLE or bit-packed runs) straight into the table's
// columns, appending its rows. It returns errFallback, and dst as it was, for anything else, but
// errTooDeep for metadata nested past maxThriftDepth, which parquet-go must not be given.
func (d *Decoder) decodeFast(dst *tickparquet.Table, body []byte) error {
	n := len(body)
	if n < 12 || string(body[:4]) != "PAR1" || string(body[n-4:]) != "PAR1" ||
		int64(binary.LittleEndian.Uint32(body[n-8:])) > int64(n-12) {
		return errFallback
	}
	flen := int(binary.LittleEndian.Uint32(body[n-8:]))
	st := &d.fast
	meta := &st.meta
	if err := parseFooter(body[n-8-flen:n-8], meta); err != nil {
		return err
	}
	if len(meta.leaves) > len(d.cols) {
		return errFallback
	}
	st.byCol = grow(st.byCol, len(d.cols))
	for ci, c := range d.cols {
		st.byCol[ci] = -1
		for li, l := range meta.leaves {
			if string(l.name) == c.Name {
				want := int32(repRequired)
				if c.Optional {
					want = repOptional
				}
				if l.physical != filePhysical[physical(c)] || l.rep != want || st.byCol[ci] >= 0 {
					return errFallback
				}
				if isTimestamp(c) && l.converted != convertedTimestampMicros {
					return errFallback // another unit, or none said: parquet-go's path reads the logical type
				}
				st.byCol[ci] = li
			}
		}
		if st.byCol[ci] < 0 && !c.Optional {
			return errFallback
		}
	}
	found := 0
	for _, li := range st.byCol {
		if li >= 0 {
			found++
		}
	}
	if found != len(meta.leaves) {
		return errFallback // a column nobody declared: parquet-go's path names it
	}
	orig := dst.Len()
	dataEnd := int64(n - 8 - flen)
	for _, g := range meta.groups {
		if g.rows < 0 || g.rows > int64(len(body))*8 || len(g.chunks) != len(meta.leaves) {
			dst.Truncate(orig)
			return errFallback
		}
		rn := int(g.rows)
		base := dst.Len()
		dst.Symbol, dst.TS, dst.Price, dst.Size = tickparquet.Grow(dst.Symbol, rn), tickparquet.Grow(dst.TS, rn),
			tickparquet.Grow(dst.Price, rn), tickparquet.Grow(dst.Size, rn)
		dst.KafkaPartition, dst.KafkaOffset, dst.KafkaTimestamp = tickparquet.Grow(dst.KafkaPartition, rn),
			tickparquet.Grow(dst.KafkaOffset, rn), tickparquet.Grow(dst.KafkaTimestamp, rn)
		for ci, c := range d.cols {
			tg := targetOf(dst, c, base)
			li := st.byCol[ci]
			if li < 0 {
				tg.pad(base, rn) // an optional column the object lacks: null, as parquet-go reads it
				continue
			}
			ch := g.chunks[li]
			if ch.external || string(ch.path) != c.Name || ch.physical != meta.leaves[li].physical || ch.numValues != g.rows {
				dst.Truncate(orig)
				return errFallback
			}
			if err := d.readChunk(dst, body, dataEnd, ch, c, tg, base, rn); err != nil {
				dst.Truncate(orig)
				return err
			}
		}
	}
	return nil
}

// grow returns buf with length n, keeping its contents.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		nb := make([]T, n, max(n, 2*cap(buf)))
		copy(nb, buf)
		return nb
	}
	return buf[:n]
}

// readChunk reads one column chunk's pages into rows [base, base+rows) of the table.
func (d *Decoder) readChunk(dst *tickparquet.Table, body []byte, dataEnd int64, ch chunk, c tickparquet.Column, tg target, base, rows int) error {
	st := &d.fast
	start := ch.dataOffset
	if ch.dictOffset > 0 && ch.dictOffset < start {
		start = ch.dictOffset
	}
	if start < 4 || ch.size <= 0 || start > dataEnd || ch.size > dataEnd-start {
		return errFallback
	}
	if ch.codec != codecZstd && ch.codec != codecUncompressed {
		return errFallback
	}
	b := body[start : start+ch.size]
	st.dictIDs = st.dictIDs[:0]
	hasDict := false
	row := 0
	for len(b) > 0 {
		h, hl, err := parsePageHeader(b)
		if err != nil {
			return err
		}
		if int64(h.compressed) > int64(len(b)-hl) {
			return errFallback
		}
		payload := b[hl : hl+int(h.compressed)]
		b = b[hl+int(h.compressed):]
		if h.typ != pageData && h.typ != pageDictionary {
			return errFallback
		}
		if ch.codec == codecZstd {
			if int64(h.uncompressed) > 64*int64(len(body))+1<<20 {
				return errFallback
			}
			if st.zstd == nil {
				z, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
				if err != nil {
					return errFallback
				}
				st.zstd = z
			}
			if need := int(h.uncompressed) + zstdSlack; cap(st.page) < need {
				st.page = make([]byte, 0, need+need/4)
			}
			st.page, err = st.zstd.DecodeAll(payload, st.page[:0])
			if err != nil {
				return errFallback
			}
			payload = st.page
		}
		if len(payload) != int(h.uncompressed) {
			return errFallback
		}
		if h.typ == pageDictionary {
			kind := physical(c)
			words := !tg.str && (kind == typeDouble || kind == typeInt64) // 8-byte values
			if hasDict || row > 0 || !tg.str && !words || (h.encoding != encPlain && h.encoding != encPlainDictionary) {
				return errFallback
			}
			hasDict = true
			p := payload
			if words {
				if len(p) != 8*int(h.numValues) {
					return errFallback
				}
				st.dictW = grow(st.dictW[:0], int(h.numValues))
				for j := range st.dictW {
					st.dictW[j] = binary.LittleEndian.Uint64(p[8*j:])
				}
				continue
			}
			for range h.numValues {
				if len(p) < 4 || int(binary.LittleEndian.Uint32(p)) > len(p)-4 {
					return errFallback
				}
				l := int(binary.LittleEndian.Uint32(p))
				st.dictIDs = append(st.dictIDs, dst.Intern(p[4:4+l]))
				p = p[4+l:]
			}
			continue
		}
		nv := int(h.numValues)
		if nv > rows-row {
			return errFallback
		}
		if err := d.readDataPage(dst, payload, h, c, tg, hasDict, base+row, row, nv); err != nil {
			return err
		}
		row += nv
	}
	if row != rows {
		return errFallback
	}
	return nil
}

// readDataPage reads a v1 data page of nv values into the table: rows [at, at+nv), which are rows
// [row, row+nv) of the row group's targets.
func (d *Decoder) readDataPage(dst *tickparquet.Table, p []byte, h pageHeader, c tickparquet.Column, tg target, hasDict bool, at, row, nv int) error {
	st := &d.fast
	present := nv
	var defs []byte
	if c.Optional {
		if h.defEncoding != encRLE || len(p) < 4 {
			return errFallback
		}
		l := int(binary.LittleEndian.Uint32(p))
		if l > len(p)-4 {
			return errFallback
		}
		if h, n := binary.Uvarint(p[4 : 4+l]); n > 0 && h == uint64(nv)<<1 && n+1 == l && p[4+n] == 1 {
			// One run of present rows: no levels to spread by (defs stays nil).
		} else {
			st.defs = grow(st.defs[:0], nv)
			var ok bool
			if present, ok = rleBytes(p[4:4+l], 1, st.defs); !ok {
				return errFallback
			}
			defs = st.defs
		}
		p = p[4+l:]
	}
	kind := physical(c)
	// Required columns decode straight into the table; optional ones into the scratch, then spread
	// over the present rows.
	var ints []int64
	var flts []float64
	var ids []int32
	switch {
	case tg.i64 != nil:
		ints = tg.i64[row : row+nv]
	case tg.f64 != nil:
		flts = tg.f64[row : row+nv]
	case tg.sym != nil:
		ids = tg.sym[row : row+nv]
	case tg.i32 != nil:
		st.ints = grow(st.ints[:0], nv)
		ints = st.ints
	case kind == typeDouble:
		st.flts = grow(st.flts[:0], present)
		flts = st.flts
	case kind == typeByteArray:
		st.idx = grow(st.idx[:0], present)
		ids = st.idx
	default:
		st.ints = grow(st.ints[:0], present)
		ints = st.ints
	}
	switch {
	case present == 0:
	case h.encoding == encRLEDictionary || h.encoding == encPlainDictionary:
		words := !tg.str && (kind == typeDouble || kind == typeInt64) // a dictionary of 8-byte values
		if !hasDict || !tg.str && !words || len(p) < 1 {
			return errFallback
		}
		width := int(p[0])
		if width > 32 {
			return errFallback
		}
		idx := ids
		if words {
			st.idx = grow(st.idx[:0], present)
			idx = st.idx
		}
		if !rleInt32(p[1:], width, idx) {
			return errFallback
		}
		switch {
		case words && kind == typeDouble:
			for j, x := range idx {
				if uint(x) >= uint(len(st.dictW)) {
					return errFallback
				}
				flts[j] = math.Float64frombits(st.dictW[x])
			}
		case words:
			for j, x := range idx {
				if uint(x) >= uint(len(st.dictW)) {
					return errFallback
				}
				ints[j] = int64(st.dictW[x])
			}
		default:
			for j, x := range idx {
				if uint(x) >= uint(len(st.dictIDs)) {
					return errFallback
				}
				ids[j] = st.dictIDs[x]
			}
		}
	case h.encoding == encPlain:
		switch kind {
		case typeByteArray:
			for j := range ids {
				if len(p) < 4 || int(binary.LittleEndian.Uint32(p)) > len(p)-4 {
					return errFallback
				}
				l := int(binary.LittleEndian.Uint32(p))
				ids[j] = dst.Intern(p[4 : 4+l])
				p = p[4+l:]
			}
		case typeInt64:
			if len(p) < 8*present {
				return errFallback
			}
			for j := range ints {
				ints[j] = int64(binary.LittleEndian.Uint64(p[8*j:]))
			}
		case typeDouble:
			if len(p) < 8*present {
				return errFallback
			}
			for j := range flts {
				flts[j] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*j:]))
			}
		case typeInt32:
			if len(p) < 4*present {
				return errFallback
			}
			for j := range ints {
				ints[j] = int64(int32(binary.LittleEndian.Uint32(p[4*j:])))
			}
		case typeBoolean:
			if len(p) < (present+7)/8 {
				return errFallback
			}
			for j := range ints {
				ints[j] = int64(p[j/8] >> (j % 8) & 1)
			}
		}
	case h.encoding == encDeltaBinary && (kind == typeInt64 || kind == typeInt32):
		if !deltaBinaryPacked(p, ints) {
			return errFallback
		}
		if kind == typeInt32 {
			for j, v := range ints {
				ints[j] = int64(int32(v))
			}
		}
	default:
		return errFallback
	}
	switch {
	case tg.i32 != nil:
		for j, v := range ints {
			tg.i32[row+j] = int32(v)
		}
	case tg.optI != nil:
		spread(tg.optI, at, nv, defs, ints)
	case tg.optF != nil:
		spread(tg.optF, at, nv, defs, flts)
	case tg.optS != nil:
		spread(tg.optS, at, nv, defs, ids)
	}
	return nil
}

// spread stores a page's present values into an optional column's rows [at, at+nv): row at+i takes
// the next value where defs[i] is 1 (every row takes one when defs is nil).
func spread[T any](c *tickparquet.Nullable[T], at, nv int, defs []byte, vals []T) {
	if len(vals) == 0 {
		c.Pad(at, nv)
		return
	}
	out, valid := c.ExtendUnset(at, nv)
	if defs == nil { // every row present
		copy(out, vals)
		for i := range valid {
			valid[i] = true
		}
		return
	}
	j := 0
	var zero T
	for i := range nv {
		if defs[i] != 0 {
			out[i], valid[i] = vals[j], true
			j++
		} else {
			out[i], valid[i] = zero, false
		}
	}
}

// rleBytes decodes len(out) values of the RLE/bit-packing hybrid of width 0 or 1 (definition levels)
// into out and returns how many are 1.
func rleBytes(p []byte, width int, out []byte) (int, bool) {
	ones, k := 0, 0
	for k < len(out) {
		h, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, false
		}
		p = p[n:]
		if h&1 == 0 { // an RLE run
			run := h >> 1
			var v byte
			if width > 0 {
				if len(p) < 1 {
					return 0, false
				}
				v = p[0]
				p = p[1:]
			}
			if v > 1 || run > uint64(len(out)-k) {
				return 0, false
			}
			for e := k + int(run); k < e; k++ {
				out[k] = v
			}
			ones += int(run) * int(v)
			continue
		}
		groups := h >> 1
		if groups > uint64(len(p)) || width == 0 && groups > uint64(len(out)) {
			return 0, false
		}
		for g := uint64(0); g < groups; g++ {
			var bitsByte byte
			if width > 0 {
				bitsByte = p[g]
			}
			for bit := 0; bit < 8 && k < len(out); bit++ {
				out[k] = bitsByte >> bit & 1
				ones += int(out[k])
				k++
			}
		}
		if width > 0 {
			p = p[groups:]
		}
	}
	return ones, true
}

// rleInt32 decodes len(out) values of the RLE/bit-packing hybrid of the given width into out.
func rleInt32(p []byte, width int, out []int32) bool {
	byteWidth := (width + 7) / 8
	k := 0
	for k < len(out) {
		h, n := binary.Uvarint(p)
		if n <= 0 {
			return false
		}
		p = p[n:]
		if h&1 == 0 {
			run := h >> 1
			if len(p) < byteWidth || run > uint64(len(out)-k) {
				return false
			}
			var v uint32
			for b := 0; b < byteWidth; b++ {
				v |= uint32(p[b]) << (8 * b)
			}
			p = p[byteWidth:]
			for e := k + int(run); k < e; k++ {
				out[k] = int32(v)
			}
			continue
		}
		groups := h >> 1
		if groups > uint64(len(p)) || groups*uint64(width) > uint64(len(p)) {
			return false
		}
		nb := int(groups) * width
		bp := p[:nb]
		p = p[nb:]
		for v := 0; v < int(groups)*8 && k < len(out); v++ {
			out[k] = int32(unpack(bp, v*width, width))
			k++
		}
	}
	return true
}

// unpack reads width bits (at most 64) at bit position pos of p, least significant first; bits past
// p's end read as 0.
func unpack(p []byte, pos, width int) uint64 {
	if width == 0 {
		return 0
	}
	i, shift := pos>>3, uint(pos&7)
	var w uint64
	if i+8 <= len(p) {
		w = binary.LittleEndian.Uint64(p[i:])
	} else {
		for b := 0; i+b < len(p); b++ {
			w |= uint64(p[i+b]) << (8 * b)
		}
	}
	v := w >> shift
	if got := 64 - int(shift); got < width { // the rest from the ninth byte
		if i+8 < len(p) {
			v |= uint64(p[i+8]) << got
		}
	}
	if width < 64 {
		v &= 1<<width - 1
	}
	return v
}

// deltaBinaryPacked decodes exactly len(out) values of DELTA_BINARY_PACKED from p.
func deltaBinaryPacked(p []byte, out []int64) bool {
	var hdr [3]uint64
	for k := range hdr {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return false
		}
		hdr[k], p = v, p[n:]
	}
	block, minis, total := hdr[0], hdr[1], hdr[2]
	if block == 0 || block%128 != 0 || minis == 0 || block%minis != 0 || (block/minis)%32 != 0 || total != uint64(len(out)) || block > 1<<20 {
		return false
	}
	first, n := binary.Varint(p)
	if n <= 0 {
		return false
	}
	p = p[n:]
	if len(out) == 0 {
		return true
	}
	out[0] = first
	per := int(block / minis)
	k := 1
	prev := uint64(first)
	for k < len(out) {
		minDelta, n := binary.Varint(p)
		if n <= 0 || uint64(len(p)-n) < minis {
			return false
		}
		widths := p[n : n+int(minis)]
		p = p[n+int(minis):]
		for mb := 0; mb < int(minis) && k < len(out); mb++ {
			w := int(widths[mb])
			if w > 64 {
				return false
			}
			nb := per * w / 8
			if len(p) < nb {
				return false
			}
			mp := p[:nb]
			cnt := min(per, len(out)-k)
			dst := out[k : k+cnt]
			switch {
			case w == 0:
				for v := range dst {
					prev += uint64(minDelta)
					dst[v] = int64(prev)
				}
			case w <= 56 && cap(p) >= nb+8: // one unaligned 64-bit read a value
				// Past the miniblock's bytes (the page buffer has room past the page) are only bits
				// that the mask drops.
				wide := p[:nb+8]
				m := uint64(1)<<w - 1
				for v := range dst {
					pos := v * w
					prev += uint64(minDelta) + binary.LittleEndian.Uint64(wide[pos>>3:])>>(pos&7)&m
					dst[v] = int64(prev)
				}
			default:
				for v := range dst {
					prev += uint64(minDelta) + unpack(mp, v*w, w)
					dst[v] = int64(prev)
				}
			}
			k += cnt
			p = p[nb:]
		}
	}
	return true
}
