package tickparquet

import (
	"math"
	"testing"
)

// TestFloat64Range checks float64Range against the builtin min and max folded over the values.
func TestFloat64Range(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, vals := range [][]float64{
		{1}, {3, 1, 2}, {0, negZero}, {negZero, 0}, {2, math.NaN(), 1}, {math.Inf(-1), 5, math.Inf(1)},
		{0, 1, negZero, -1}, {5, 5, 5},
	} {
		lo, hi := vals[0], vals[0]
		for _, v := range vals {
			lo, hi = min(lo, v), max(hi, v)
		}
		gotLo, gotHi := float64Range(vals)
		if math.Float64bits(gotLo) != math.Float64bits(lo) && !(math.IsNaN(gotLo) && math.IsNaN(lo)) ||
			math.Float64bits(gotHi) != math.Float64bits(hi) && !(math.IsNaN(gotHi) && math.IsNaN(hi)) {
			t.Errorf("%v: %v..%v, want %v..%v", vals, gotLo, gotHi, lo, hi)
		}
	}
}
