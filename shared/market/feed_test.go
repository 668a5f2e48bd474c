package market

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestSequence checks the feed fields: a MIC from the list, and each symbol's sequence numbers
// consecutive from the base, the same for the same base whatever the simulator's seed (a cold start
// or a retry).
func TestSequence(t *testing.T) {
	const base = 1795617000 * 1e9
	seqs := func(seed uint64) map[string][]int64 {
		sim, err := NewSim(seed, nil)
		if err != nil {
			t.Fatal(err)
		}
		plain := sim.Next(1)
		if plain.Extra != nil {
			t.Fatalf("a tick before Sequence carries %s", plain.Extra)
		}
		sim.Sequence(base)
		out := map[string][]int64{}
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
			out[tk.Symbol] = append(out[tk.Symbol], *f.Seq)
		}
		if len(venues) < 4 {
			t.Fatalf("trades print on %d venues only", len(venues))
		}
		return out
	}
	for _, seed := range []uint64{1, 2} {
		bySymbol := seqs(seed)
		if len(bySymbol) < 10 {
			t.Fatalf("seed %d: %d symbols traded", seed, len(bySymbol))
		}
		for sym, s := range bySymbol {
			for i, n := range s {
				if n != base+int64(i) {
					t.Fatalf("seed %d: %s's tick %d has seq %d, want %d", seed, sym, i, n, base+int64(i))
				}
			}
		}
	}
	// A new invocation starts each symbol again from its own base.
	sim, err := NewSim(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim.Sequence(base)
	for range 100 {
		sim.Next(0)
	}
	sim.Sequence(base + 60e9)
	tk := sim.Next(0)
	var f struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(tk.Extra, &f); err != nil || f.Seq != base+60e9 {
		t.Fatalf("after a new base: extra %s (%v), want seq %d", tk.Extra, err, int64(base+60e9))
	}
}
