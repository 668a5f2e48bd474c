// Package market makes ticks: a seedable market simulator, and a replay of the classic stock-index
// CSV files. It imports no SDK.
package market

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/ticklake/ticklake/shared/tick"
)

// Instrument describes a simulated stock.
type Instrument struct {
	Symbol string
	// Price is the opening price.
	Price float64
	// Vol is the annualized volatility (0.3 = 30 %).
	Vol float64
	// Activity is the relative number of trades, against the universe's other instruments.
	Activity float64
}

// Universe is the default set of simulated instruments: large US stocks and ETFs with prices,
// volatilities and activity of the right order.
var Universe = []Instrument{
	{"AAPL", 189.25, 0.25, 10}, {"MSFT", 421.07, 0.24, 8}, {"NVDA", 177.50, 0.50, 14},
	{"AMZN", 182.40, 0.32, 8}, {"GOOGL", 171.30, 0.30, 7}, {"META", 575.20, 0.38, 6},
	{"TSLA", 244.80, 0.60, 12}, {"BRK.B", 461.90, 0.16, 2}, {"JPM", 214.60, 0.22, 4},
	{"V", 289.10, 0.18, 3}, {"XOM", 118.40, 0.26, 3}, {"UNH", 512.30, 0.25, 2},
	{"JNJ", 157.20, 0.15, 2}, {"WMT", 82.90, 0.17, 3}, {"PG", 168.70, 0.15, 2},
	{"MA", 494.60, 0.20, 2}, {"HD", 396.10, 0.22, 2}, {"CVX", 153.30, 0.25, 2},
	{"KO", 63.80, 0.14, 2}, {"PEP", 166.40, 0.15, 2}, {"AVGO", 168.20, 0.45, 5},
	{"COST", 902.50, 0.20, 2}, {"AMD", 142.70, 0.52, 9}, {"NFLX", 756.30, 0.40, 3},
	{"INTC", 22.90, 0.45, 6}, {"CSCO", 57.40, 0.20, 3}, {"ORCL", 172.60, 0.30, 3},
	{"BAC", 44.10, 0.26, 5}, {"DIS", 99.80, 0.28, 3}, {"PLTR", 61.20, 0.70, 8},
	{"SPY", 591.20, 0.14, 15}, {"QQQ", 509.40, 0.19, 11}, {"IWM", 232.70, 0.22, 5},
}

// Trading year used to scale volatility: 252 sessions of 6.5 hours, in microseconds.
const tradingYearMicros = 252 * 6.5 * 3600 * 1e6

type instState struct {
	Instrument
	fair    float64 // efficient price, before rounding to the tick grid
	lastTS  int64
	spread  float64 // typical spread in dollars
	listing string  // MIC of the listing venue
	seq     int64   // once Sequence was called: the symbol's next sequence number
}

// Sim is a market simulator: each instrument's fair price follows a geometric Brownian motion,
// quotes straddle it on a one-cent grid with a spread that depends on price and liquidity, and trades
// print at the bid, the ask or, now and then, in between, in round lots, odd lots and the odd block.
// The same seed and the same sequence of times give the same ticks.
type Sim struct {
	rng   *rand.Rand
	insts []instState
	cum   []float64 // cumulative activity, for picking who trades
	// feed, once Sequence was called, adds a venue and a sequence number to each tick.
	feed bool
}

// Feed fields the simulator adds once Sequence was called, as a consolidated feed carries them.
const (
	FieldVenue = "venue" // the market identifier code (ISO 10383) of the venue the trade printed on
	FieldSeq   = "seq"   // the sequence number
)

// Venues are the market identifier codes trades print on, besides an instrument's listing venue.
var Venues = []string{"XNAS", "XNYS", "ARCX", "BATS", "EDGX", "IEXG", "XBOS", "FINN"}

// Sequence makes the following ticks carry a venue and a per-symbol sequence number: each symbol's
// next tick gets base, each of its ticks after it the number after. A caller that derives base from
// its schedule (the time an invocation was scheduled for) numbers ticks the same way on every cold
// start and retry: the n-th tick of a symbol in an invocation always gets base+n, so each symbol's
// numbers are consecutive within an invocation, increase from one invocation to the next, and are
// unique as long as bases are further apart than the ticks of one invocation.
func (s *Sim) Sequence(base int64) {
	s.feed = true
	for i := range s.insts {
		s.insts[i].seq = base
	}
}

// NewSim returns a simulator over symbols (the whole Universe when empty). A symbol outside the
// Universe gets a plausible price and volatility derived from its name.
func NewSim(seed uint64, symbols []string) (*Sim, error) {
	insts := Universe
	if len(symbols) > 0 {
		insts = make([]Instrument, 0, len(symbols))
		for _, sym := range symbols {
			if !tick.ValidSymbol(sym) {
				return nil, fmt.Errorf("symbol %q is not 1 to 16 characters of A-Z, 0-9, '.', '^', '=', '-'", sym)
			}
			insts = append(insts, lookup(sym))
		}
	}
	s := &Sim{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	total := 0.0
	for _, in := range insts {
		liquidity := math.Max(in.Activity, 0.5)
		s.insts = append(s.insts, instState{
			Instrument: in,
			fair:       in.Price,
			lastTS:     math.MinInt64,
			spread:     math.Max(0.01, roundCents(in.Price*0.0002/math.Sqrt(liquidity))),
			listing:    listingOf(in.Symbol),
		})
		total += in.Activity
		s.cum = append(s.cum, total)
	}
	return s, nil
}

func lookup(sym string) Instrument {
	for _, in := range Universe {
		if in.Symbol == sym {
			return in
		}
	}
	h := fnv.New64a()
	h.Write([]byte(sym))
	v := h.Sum64()
	return Instrument{Symbol: sym, Price: 10 + float64(v%49000)/100, Vol: 0.15 + float64(v>>20%40)/100, Activity: 3}
}

// Symbols returns the simulated symbols.
func (s *Sim) Symbols() []string {
	out := make([]string, len(s.insts))
	for i, in := range s.insts {
		out[i] = in.Symbol
	}
	return out
}

// Next returns the next trade, at ts (microseconds since the epoch). Times should not go back; a time
// before an instrument's previous tick is moved up to it, so each symbol's ticks stay in order.
func (s *Sim) Next(ts int64) tick.Tick {
	i := s.pick()
	in := &s.insts[i]
	if ts < in.lastTS {
		ts = in.lastTS
	}
	if in.lastTS != math.MinInt64 {
		dt := float64(ts-in.lastTS) / tradingYearMicros
		z := s.rng.NormFloat64()
		in.fair *= math.Exp(-0.5*in.Vol*in.Vol*dt + in.Vol*math.Sqrt(dt)*z)
	}
	in.lastTS = ts
	half := in.spread / 2
	if s.rng.IntN(4) == 0 { // the spread widens now and then
		half += 0.01 * float64(1+s.rng.IntN(3))
	}
	bid := math.Max(0.01, floorCents(in.fair-half))
	ask := math.Max(bid+0.01, ceilCents(in.fair+half))
	var price float64
	switch r := s.rng.Float64(); {
	case r < 0.45:
		price = bid
	case r < 0.90:
		price = ask
	default:
		price = roundCents(bid + (ask-bid)*s.rng.Float64())
	}
	t := tick.Tick{Symbol: in.Symbol, TS: ts, Price: price, Size: s.size(),
		Bid: bid, Ask: roundCents(ask), HasBid: true, HasAsk: true}
	if s.feed {
		venue := in.listing
		if s.rng.IntN(5) >= 2 { // most trades print away from the listing venue
			venue = Venues[s.rng.IntN(len(Venues))]
		}
		extra := make([]byte, 0, 48)
		extra = append(extra, `{"`+FieldVenue+`":"`...)
		extra = append(extra, venue...)
		extra = append(extra, `","`+FieldSeq+`":`...)
		extra = strconv.AppendInt(extra, in.seq, 10)
		t.Extra = append(extra, '}')
		in.seq++
	}
	return t
}

// listingOf returns the listing venue of a symbol: NYSE Arca for the ETFs, Nasdaq for the Nasdaq
// listings of the universe, NYSE for the rest.
func listingOf(sym string) string {
	switch sym {
	case "SPY", "IWM":
		return "ARCX"
	case "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AVGO", "COST", "AMD", "NFLX", "INTC",
		"CSCO", "PEP", "QQQ", "PLTR":
		return "XNAS"
	}
	return "XNYS"
}

func (s *Sim) pick() int {
	x := s.rng.Float64() * s.cum[len(s.cum)-1]
	lo, hi := 0, len(s.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if s.cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// size draws a trade size: odd lots, round lots with a long tail, and rare blocks.
func (s *Sim) size() int64 {
	switch r := s.rng.Float64(); {
	case r < 0.35:
		return int64(1 + s.rng.IntN(99))
	case r < 0.98:
		return 100 * int64(1+math.Floor(s.rng.ExpFloat64()*2))
	default:
		return 100 * int64(50+s.rng.IntN(450))
	}
}

func roundCents(v float64) float64 { return math.Round(v*100) / 100 }
func floorCents(v float64) float64 { return math.Floor(v*100+1e-9) / 100 }
func ceilCents(v float64) float64  { return math.Ceil(v*100-1e-9) / 100 }
