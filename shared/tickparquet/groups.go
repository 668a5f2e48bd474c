package tickparquet

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Layout bounds the row groups and objects that EncodeTable writes. Sizes are bytes at rest
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

// EncodeSorted writes rows, in the order given, as EncodeTable writes a table of them: Parquet objects
// of several row groups, cut by l. It fails as EncodeTable fails.
func (e *Encoder) EncodeSorted(rows []Row, l Layout, emit func(body []byte, rows int) error) error {
	t := NewTable(e.fields)
	t.AppendRows(rows)
	order := make([]int32, len(rows))
	for i := range order {
		order[i] = int32(i)
	}
	return e.EncodeTable(t, order, l, emit)
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

// zstdSmall is the shared encoder of CompressionSmall, made on first use. Its frames carry no
// checksum of their content (optional in zstd; Parquet readers do not need it, and S3 checks what it
// stores): hashing every page cost about 1 % of compacting an hour.
var zstdSmall = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false))
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
