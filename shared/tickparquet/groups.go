package tickparquet

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Layout bounds the row groups and objects that EncodeSorted writes. Sizes are bytes at rest
// (compressed pages), as S3 stores them and Athena's guidance counts them.
type Layout struct {
	// RowGroupBytes is the size a row group is cut at, about; at most math.MaxInt32 rows each.
	RowGroupBytes int64
	// MaxObjectBytes caps an object: a row group that would take an object past it starts the next
	// object instead (an object always holds at least one row group).
	MaxObjectBytes int64
	// KV is written into each object's key-value metadata.
	KV [][2]string
}

// firstGuess is the bytes at rest per row assumed for the first row group, before one is measured.
const firstGuess = 8

// EncodeSorted writes rows, in the order given, as Parquet objects of several row groups, with the
// same schema, encodings and statistics (per row group) as Encode; emit receives each object in turn
// with the number of rows it holds, and its bytes are valid only until emit returns. It fails when rows
// is empty, a size is not positive, or emit fails.
func (e *Encoder) EncodeSorted(rows []Row, l Layout, emit func(body []byte, rows int) error) error {
	if len(rows) == 0 {
		return fmt.Errorf("encode parquet: no rows")
	}
	if l.RowGroupBytes <= 0 || l.MaxObjectBytes <= 0 {
		return fmt.Errorf("encode parquet: row group size %d and object size %d must be positive", l.RowGroupBytes, l.MaxObjectBytes)
	}
	if e.fw.zstd == nil {
		z, err := zstdEncoder()
		if err != nil {
			return fmt.Errorf("parquet encoder: zstd: %w", err)
		}
		e.fw.zstd = z
	}
	if e.fw.dict == nil {
		e.fw.dict = map[string]int32{}
	}
	groupBytes := min(l.RowGroupBytes, l.MaxObjectBytes)
	perRow := float64(firstGuess)
	f := &e.fw
	var groups []rowGroupMeta
	objRows := 0
	finish := func() error {
		ft := footer(f.cols, groups, l.KV)
		f.out.Write(ft)
		f.out.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(ft))))
		f.out.WriteString("PAR1")
		err := emit(f.out.Bytes(), objRows)
		groups, objRows = groups[:0], 0
		return err
	}
	for len(rows) > 0 {
		n := int(min(float64(len(rows)), max(1, float64(groupBytes)/perRow), math.MaxInt32))
		if len(groups) > 0 && int64(f.out.Len())+int64(float64(n)*perRow) > l.MaxObjectBytes {
			if err := finish(); err != nil {
				return err
			}
		}
		if len(groups) == 0 {
			e.buf.Reset()
			f.out = &e.buf
			f.out.WriteString("PAR1")
		}
		g := rows[:n]
		start := f.out.Len()
		f.countFields(g, f.nfields)
		metas := make([]chunkMeta, len(f.cols))
		for i, c := range f.cols {
			metas[i] = f.writeColumn(c, g)
		}
		groups = append(groups, rowGroupMeta{n, metas})
		objRows += n
		perRow = max(0.5, float64(f.out.Len()-start)/float64(n))
		rows = rows[n:]
	}
	return finish()
}

// Compression is a zstd level the Encoder compresses pages with.
type Compression int

// Compression levels.
const (
	// CompressionFast is the default: the consumer's per-batch objects, where speed matters most.
	CompressionFast Compression = iota
	// CompressionSmall is zstd's default level: about 10 % smaller objects for about twice the
	// compression time, for objects written once and read many times, such as compacted hours.
	CompressionSmall
)

// zstdSmall is the shared encoder of CompressionSmall, made on first use.
var zstdSmall = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true))
})

// SetCompression chooses the compression level of the objects written next. It fails when the zstd
// encoder cannot be made.
func (e *Encoder) SetCompression(c Compression) error {
	get := zstdEncoder
	if c == CompressionSmall {
		get = zstdSmall
	}
	z, err := get()
	if err != nil {
		return fmt.Errorf("parquet encoder: zstd: %w", err)
	}
	e.fw.zstd = z
	return nil
}
