package main

import (
	"bytes"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func sampleResults() []queryResult {
	return []queryResult{
		{Name: "ohlcv_1m", Location: "s3://ticklake-athena-results/results/a.csv",
			Columns: []string{"symbol", "minute_start", "open", "high", "low", "close", "volume", "trades"},
			Rows: [][]string{
				{"AAPL", "2026-11-25 14:30:00.000", "189.25", "189.40", "189.10", "189.30", "1200", "14"},
				{"AAPL", "2026-11-25 14:31:00.000", "189.30", "189.35", "189.00", "189.05", "900", "11"},
				{"AAPL", "2026-11-25 14:32:00.000", "189.05", "189.50", "189.05", "189.45", "2100", "20"},
				{"MSFT", "2026-11-25 14:30:00.000", "421.00", "421.20", "420.80", "421.10", "500", "6"},
				{"MSFT", "2026-11-25 14:31:00.000", "421.10", "421.15", "420.90", "420.95", "700", "8"},
			}},
		{Name: "vwap_daily", Columns: []string{"symbol", "day", "vwap", "volume", "trades"},
			Rows: [][]string{{"AAPL", "2026-11-25", "189.2712", "4200", "45"}, {"MSFT", "2026-11-25", "421.0100", "1200", "14"}}},
		{Name: "top_movers", Columns: []string{"symbol", "first_price", "last_price", "change_pct", "trades"},
			Rows: [][]string{{"AAPL", "189.25", "189.45", "0.1056", "45"}, {"MSFT", "421.00", "420.95", "-0.0118", "14"}}},
		{Name: "realized_volatility", Columns: []string{"symbol", "return_count", "minute_volatility", "annualized_volatility"},
			Rows: [][]string{{"AAPL", "2", "0.0012", "0.3"}}},
		{Name: "data_quality", Columns: []string{"row_count", "symbols", "duplicates", "offset_gaps", "late_ticks", "missing_quotes"},
			Rows: [][]string{{"59", "2", "0", "0", "0", "0"}}},
	}
}

// TestReportInChromium renders the report in headless Chromium: it must be self-contained, show a
// candlestick chart per symbol, the movers and the data quality, and produce a screenshot that is not
// blank.
func TestReportInChromium(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := writeReport(path, "2026-11-25", sampleResults()); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(path)
	for _, banned := range []string{"<script", "http://", "https://", "<link"} {
		if bytes.Contains(html, []byte(banned)) {
			t.Fatalf("the report is not self-contained: it has %q", banned)
		}
	}
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed (apt-get install chromium): the report test needs it")
	}
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0", "--window-size=1280,1600"}
	var stderr bytes.Buffer
	dump := exec.Command(browser, append(flags, "--dump-dom", "file://"+path)...)
	dump.Stderr = &stderr
	dom, err := dump.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "CONSOLE") || strings.Contains(stderr.String(), "Uncaught") {
		t.Fatalf("console messages:\n%s", stderr.String())
	}
	page := string(dom)
	checks := map[string]int{
		`class="card chart" data-symbol="AAPL"`: 1, `class="card chart" data-symbol="MSFT"`: 1,
		`candle"`: 5, `class="vwap"`: 2, `Top movers`: 1, `row count`: 1, `Realized volatility`: 1,
	}
	for s, n := range checks {
		if got := strings.Count(page, s); got != n {
			t.Errorf("the rendered page has %d of %q, want %d", got, s, n)
		}
	}
	shot := filepath.Join(dir, "report.png")
	cmd := exec.Command(browser, append(flags, "--screenshot="+shot, "file://"+path)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colors := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colors[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	// Candles in green and red, volume bars, text: far more than a blank page's handful of colors.
	if len(colors) < 20 {
		t.Fatalf("the screenshot has %d colors: it looks blank", len(colors))
	}
}
