package tickparquet

import (
	"math/rand/v2"
	"slices"
	"testing"

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
