package tickparquet

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
)

// TestRLEHybridAgreesWithParquetGo decodes appendRLE's output with parquet-go's RLE/bit-packing
// hybrid decoder: runs of every length, between and around stretches of changing values, at widths
// from 1 to 24 bits, and definition levels.
func TestRLEHybridAgreesWithParquetGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 400 {
		width := 1 + trial%24
		var v []int32
		for len(v) < 1+rng.IntN(300) {
			x := int32(rng.Uint32N(1 << width))
			n := 1
			if rng.IntN(3) == 0 {
				n = 1 + rng.IntN(40)
			}
			for range n {
				v = append(v, x)
			}
		}
		enc := appendRLE(nil, v, width)
		got, err := (&rle.Encoding{BitWidth: width}).DecodeInt32(nil, enc)
		if err != nil {
			t.Fatalf("width %d: %v", width, err)
		}
		if len(got) < len(v) || !slices.Equal(got[:len(v)], v) {
			t.Fatalf("width %d: decoded %v, want %v", width, got, v)
		}
		levels := make([]bool, len(v))
		want := make([]uint8, len(v))
		for i, x := range v {
			levels[i] = x&1 == 1
			want[i] = uint8(x & 1)
		}
		gotLevels, err := (&rle.Encoding{BitWidth: 1}).DecodeLevels(nil, appendRLE(nil, levels, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(gotLevels) < len(want) || !slices.Equal(gotLevels[:len(want)], want) {
			t.Fatalf("levels: decoded %v, want %v", gotLevels, want)
		}
	}
}

// TestDeltaAgreesWithParquetGo decodes appendDeltaBinaryPacked's output with parquet-go's
// DELTA_BINARY_PACKED decoder: miniblocks of every width from 0 to 64 bits (the packer has a path for
// widths up to 32 and one for wider), partial blocks and miniblocks, and lengths from 0 up.
func TestDeltaAgreesWithParquetGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 600 {
		width := trial % 65
		v := make([]int64, rng.IntN(700))
		x := rng.Int64()
		for i := range v {
			v[i] = x
			step := int64(rng.Uint64())
			if width < 64 {
				step = int64(rng.Uint64()&(1<<width-1)) - 1<<max(0, width-1)
			}
			x += step
		}
		got, err := new(delta.BinaryPackedEncoding).DecodeInt64(nil, appendDeltaBinaryPacked(nil, v))
		if err != nil {
			t.Fatalf("width %d, %d values: %v", width, len(v), err)
		}
		if !slices.Equal(got, v) {
			t.Fatalf("width %d, %d values: decoded differently", width, len(v))
		}
	}
}
