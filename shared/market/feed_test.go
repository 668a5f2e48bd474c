package market

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestSequence checks the feed fields: a MIC from the list, and consecutive sequence numbers from the
// base, the same for the same base whatever the simulator's seed (a cold start or a retry).
func TestSequence(t *testing.T) {
	seqs := func(seed uint64, base int64) []int64 {
		sim, err := NewSim(seed, nil)
		if err != nil {
			t.Fatal(err)
		}
		plain := sim.Next(1)
		if plain.Extra != nil {
			t.Fatalf("a tick before Sequence carries %s", plain.Extra)
		}
		sim.Sequence(base)
		var out []int64
		venues := map[string]int{}
		for i := range 2000 {
			tk := sim.Next(int64(i) * 1000)
			var f struct {
				Venue string `json:"venue"`
				Seq   *int64 `json:"seq"`
			}
			if err := json.Unmarshal(tk.Extra, &f); err != nil || f.Seq == nil {
				t.Fatalf("extra %s: %v", tk.Extra, err)
			}
			if !slices.Contains(Venues, f.Venue) {
				t.Fatalf("venue %q is not one of %v", f.Venue, Venues)
			}
			venues[f.Venue]++
			out = append(out, *f.Seq)
		}
		if len(venues) < 4 {
			t.Fatalf("trades print on %d venues only", len(venues))
		}
		return out
	}
	a, b := seqs(1, 1795617000*1e9), seqs(2, 1795617000*1e9)
	if !slices.Equal(a, b) {
		t.Fatal("the same schedule numbers ticks differently")
	}
	for i, s := range a {
		if s != 1795617000*1e9+int64(i) {
			t.Fatalf("tick %d: seq %d", i, s)
		}
	}
}
