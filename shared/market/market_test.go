package market

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

func TestSimIsPlausible(t *testing.T) {
	sim, err := NewSim(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200000
	ts := int64(1_795_617_000_000_000)
	count := map[string]int{}
	lastPrice := map[string]float64{}
	for i := 0; i < n; i++ {
		ts += 1000 // 1000 ticks a second
		tk := sim.Next(ts)
		count[tk.Symbol]++
		if tk.Bid >= tk.Ask || tk.Price < tk.Bid || tk.Price > tk.Ask || tk.Size <= 0 || tk.TS != ts {
			t.Fatalf("implausible tick %+v", tk)
		}
		if c := math.Round(tk.Price * 100); math.Abs(c-tk.Price*100) > 1e-6 {
			t.Fatalf("price %v is off the cent grid", tk.Price)
		}
		if spread := (tk.Ask - tk.Bid) / tk.Price; spread > 0.005 {
			t.Fatalf("spread of %+v is %.3f%%", tk, spread*100)
		}
		lastPrice[tk.Symbol] = tk.Price
	}
	if len(count) != len(Universe) {
		t.Fatalf("%d symbols traded, want %d", len(count), len(Universe))
	}
	if count["NVDA"] < 3*count["KO"] {
		t.Fatalf("activity: NVDA %d, KO %d", count["NVDA"], count["KO"])
	}
	for _, in := range Universe { // 200 s of trading moves prices by well under 10 %
		if move := math.Abs(lastPrice[in.Symbol]/in.Price - 1); move > 0.1 {
			t.Fatalf("%s moved %.1f%% in 200 s", in.Symbol, move*100)
		}
	}
}

func TestSimSymbols(t *testing.T) {
	sim, err := NewSim(1, []string{"AAPL", "ZZZZ"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if s := sim.Next(int64(i)).Symbol; s != "AAPL" && s != "ZZZZ" {
			t.Fatalf("unexpected symbol %s", s)
		}
	}
	if _, err := NewSim(1, []string{"bad symbol"}); err == nil {
		t.Fatal("NewSim accepted a bad symbol")
	}
}

func TestSimKeepsEachSymbolInOrder(t *testing.T) {
	sim, _ := NewSim(3, []string{"X"})
	a := sim.Next(1000)
	b := sim.Next(500) // time went back: the tick keeps the symbol's last time
	if b.TS != a.TS {
		t.Fatalf("ts went from %d to %d", a.TS, b.TS)
	}
}

func TestParseReplayRealFiles(t *testing.T) {
	cases := []struct {
		file          string
		rows, skipped int
		firstSym      string
		extraHas      []string
		firstClose    float64
	}{
		{"indexData-5.csv", 51249 - 681, 681, "NYA", []string{"index", "date", "adj_close", "volume"}, 528.690002},
		{"indexProcessed-HSI.csv", 5693, 0, "HSI", []string{"close_usd", "adj_close"}, 2568.300049},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open("../../data/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rp, err := ParseReplay(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rp.Rows) != tc.rows || rp.Skipped != tc.skipped {
				t.Fatalf("rows %d skipped %d, want %d and %d (problems: %v)", len(rp.Rows), rp.Skipped, tc.rows, tc.skipped, rp.Problems)
			}
			r := rp.Rows[0]
			if r.Symbol != tc.firstSym || r.Price != tc.firstClose {
				t.Fatalf("first row = %+v", r)
			}
			var extra map[string]any
			if err := json.Unmarshal(r.Extra, &extra); err != nil {
				t.Fatalf("extra %s: %v", r.Extra, err)
			}
			for _, k := range tc.extraHas {
				if _, ok := extra[k]; !ok {
					t.Fatalf("extra %s lacks %s", r.Extra, k)
				}
			}
		})
	}
}

func TestParseReplayDirtyInput(t *testing.T) {
	in := "\ufeffIndex,Date,Open,High,Low,Close,Adj Close,Volume\r\n" +
		"X,2020-01-01,1,2,0.5,1.5,1.5,100\r\n" +
		"X,2020-01-02,null,null,null,null,null,null\r\n" +
		"bad sym,2020-01-03,1,1,1,1,1,1\r\n" +
		"Y,2020-01-03,1,1,1,-4,1,1\r\n" +
		"Z,2020-01-04,1,1\r\n" +
		"Z,\"2020-01-05\",1,1,1,2,2,\"12,5\""
	rp, err := ParseReplay(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Rows) != 2 || rp.Skipped != 4 || len(rp.Problems) != 4 {
		t.Fatalf("rows %+v, skipped %d, problems %v", rp.Rows, rp.Skipped, rp.Problems)
	}
	if got := string(rp.Rows[1].Extra); got != `{"index":"Z","date":"2020-01-05","open":1,"high":1,"low":1,"close":2,"adj_close":2,"volume":"12,5"}` {
		t.Fatalf("extra = %s", got)
	}
	rp.SeekRow(3)
	if tk := rp.Next(7); tk.Symbol != "Z" || tk.TS != 7 || tk.Price != 2 {
		t.Fatalf("after SeekRow(3), Next = %+v", tk)
	}
	rp.Keep([]string{"X"})
	if len(rp.Rows) != 1 || rp.Next(1).Symbol != "X" {
		t.Fatalf("Keep left %+v", rp.Rows)
	}
	if _, err := ParseReplay(strings.NewReader("Index,Date\nX,2020\n")); err == nil {
		t.Fatal("ParseReplay accepted a file without Close")
	}
	if _, err := ParseReplay(strings.NewReader("Index,Close\nnull,null\n")); err == nil {
		t.Fatal("ParseReplay accepted a file without one good row")
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"Adj Close": "adj_close", "CloseUSD": "close_usd", "Index": "index", "openInterest": "open_interest", "Price": "price"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}
