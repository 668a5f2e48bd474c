package main

import (
	"fmt"
	"html/template"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// The report is one self-contained HTML file: inline CSS and SVG, no script, nothing fetched.

type candle struct {
	X, RX, Wick1, Wick2, Top, Height, Width float64
	Up                                      bool
	VolY, VolH                              float64
	Title                                   string
}

type symbolChart struct {
	Symbol      string
	Candles     []candle
	VWAP        float64
	VWAPY       float64
	HasVWAP     bool
	Low, High   string
	First, Last string
	Width       float64
	Height      float64
	PriceHeight float64
	Trades      string
}

type moverBar struct {
	Symbol string
	Change string
	X, W   float64
	Up     bool
	Y      float64
}

type figure struct{ Name, Value string }

type reportData struct {
	Day       string
	Charts    []symbolChart
	Movers    []moverBar
	MoversH   float64
	Quality   []figure
	VWAP      [][]string
	VWAPCols  []string
	Vol       [][]string
	VolCols   []string
	Locations []figure
}

const (
	chartW, priceH, volH = 560.0, 160.0, 40.0
)

func col(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}

func parseF(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// writeReport renders the analytics results to path.
func writeReport(path, day string, results []queryResult) error {
	byName := map[string]queryResult{}
	data := reportData{Day: day}
	for _, r := range results {
		byName[r.Name] = r
		data.Locations = append(data.Locations, figure{r.Name, r.Location})
	}
	vwap := map[string]float64{}
	if r, ok := byName["vwap_daily"]; ok {
		data.VWAPCols, data.VWAP = r.Columns, r.Rows
		si, vi := col(r.Columns, "symbol"), col(r.Columns, "vwap")
		for _, row := range r.Rows {
			if si >= 0 && vi >= 0 {
				vwap[row[si]] = parseF(row[vi])
			}
		}
	}
	if r, ok := byName["ohlcv_1m"]; ok {
		data.Charts = candleCharts(r, vwap)
	}
	if r, ok := byName["top_movers"]; ok {
		data.Movers, data.MoversH = moverBars(r)
	}
	if r, ok := byName["realized_volatility"]; ok {
		data.VolCols, data.Vol = r.Columns, r.Rows
	}
	if r, ok := byName["data_quality"]; ok && len(r.Rows) > 0 {
		for i, c := range r.Columns {
			data.Quality = append(data.Quality, figure{strings.ReplaceAll(c, "_", " "), r.Rows[0][i]})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := reportTemplate.Execute(f, data); err != nil {
		f.Close()
		return fmt.Errorf("report: %w", err)
	}
	return f.Close()
}

func candleCharts(r queryResult, vwap map[string]float64) []symbolChart {
	si, mi := col(r.Columns, "symbol"), col(r.Columns, "minute_start")
	oi, hi, li, ci, vi := col(r.Columns, "open"), col(r.Columns, "high"), col(r.Columns, "low"), col(r.Columns, "close"), col(r.Columns, "volume")
	ti := col(r.Columns, "trades")
	if si < 0 || mi < 0 || oi < 0 || hi < 0 || li < 0 || ci < 0 || vi < 0 {
		return nil
	}
	bySym := map[string][][]string{}
	var syms []string
	for _, row := range r.Rows {
		if _, ok := bySym[row[si]]; !ok {
			syms = append(syms, row[si])
		}
		bySym[row[si]] = append(bySym[row[si]], row)
	}
	sort.Strings(syms)
	var charts []symbolChart
	for _, sym := range syms {
		rows := bySym[sym]
		sort.Slice(rows, func(a, b int) bool { return rows[a][mi] < rows[b][mi] })
		lo, hiP, maxVol := math.Inf(1), math.Inf(-1), 0.0
		trades := 0.0
		for _, row := range rows {
			lo, hiP = math.Min(lo, parseF(row[li])), math.Max(hiP, parseF(row[hi]))
			maxVol = math.Max(maxVol, parseF(row[vi]))
			if ti >= 0 {
				trades += parseF(row[ti])
			}
		}
		if v, ok := vwap[sym]; ok {
			lo, hiP = math.Min(lo, v), math.Max(hiP, v)
		}
		span := hiP - lo
		if span == 0 {
			span = math.Max(1e-9, hiP*0.001)
		}
		lo -= span * 0.05
		span *= 1.1
		y := func(p float64) float64 { return 8 + (priceH-16)*(1-(p-lo)/span) }
		step := chartW / float64(max(len(rows), 1))
		w := math.Max(1, step*0.6)
		c := symbolChart{Symbol: sym, Width: chartW, Height: priceH + volH + 10, PriceHeight: priceH,
			Low: strconv.FormatFloat(lo+span*0.05/1.1, 'f', 2, 64), High: strconv.FormatFloat(hiP, 'f', 2, 64),
			First: rows[0][mi], Last: rows[len(rows)-1][mi], Trades: strconv.FormatFloat(trades, 'f', 0, 64)}
		for i, row := range rows {
			o, h, l, cl, v := parseF(row[oi]), parseF(row[hi]), parseF(row[li]), parseF(row[ci]), parseF(row[vi])
			x := step*float64(i) + step/2
			top, bottom := y(math.Max(o, cl)), y(math.Min(o, cl))
			vh := 0.0
			if maxVol > 0 {
				vh = volH * v / maxVol
			}
			c.Candles = append(c.Candles, candle{X: x, RX: x - w/2, Wick1: y(h), Wick2: y(l), Top: top, Height: math.Max(1, bottom-top),
				Width: w, Up: cl >= o, VolY: priceH + 10 + volH - vh, VolH: vh,
				Title: fmt.Sprintf("%s %s  O %s  H %s  L %s  C %s  V %s", sym, row[mi], row[oi], row[hi], row[li], row[ci], row[vi])})
		}
		if v, ok := vwap[sym]; ok {
			c.VWAP, c.VWAPY, c.HasVWAP = v, y(v), true
		}
		charts = append(charts, c)
	}
	return charts
}

func moverBars(r queryResult) ([]moverBar, float64) {
	si, ci := col(r.Columns, "symbol"), col(r.Columns, "change_pct")
	if si < 0 || ci < 0 {
		return nil, 0
	}
	maxAbs := 0.0
	for _, row := range r.Rows {
		maxAbs = math.Max(maxAbs, math.Abs(parseF(row[ci])))
	}
	if maxAbs == 0 {
		maxAbs = 1
	}
	const mid, half = 280.0, 200.0
	var bars []moverBar
	for i, row := range r.Rows {
		ch := parseF(row[ci])
		w := half * math.Abs(ch) / maxAbs
		x := mid
		if ch < 0 {
			x = mid - w
		}
		bars = append(bars, moverBar{Symbol: row[si], Change: strconv.FormatFloat(ch, 'f', 3, 64) + " %", X: x, W: math.Max(w, 1),
			Up: ch >= 0, Y: float64(i) * 26})
	}
	return bars, float64(len(bars))*26 + 4
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ticklake analytics {{.Day}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2733; background: #fafbfc; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #5b6673; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; }
.card { background: #fff; border: 1px solid #dde2e8; border-radius: 6px; padding: 10px 12px; }
.chart h3 { font-size: 14px; margin: 0 0 4px; } .chart .meta { color: #5b6673; font-size: 12px; }
.up { fill: #1a9850; stroke: #1a9850; } .down { fill: #d73027; stroke: #d73027; }
.wick { stroke: #555; stroke-width: 1; } .vol { fill: #9fb3c8; } .vwap { stroke: #3f51b5; stroke-dasharray: 5 3; stroke-width: 1.2; }
table { border-collapse: collapse; font-size: 13px; } th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #eef1f4; }
th:first-child, td:first-child { text-align: left; }
.fig { min-width: 130px; } .fig .v { font-size: 20px; font-weight: 600; } .fig .n { color: #5b6673; font-size: 12px; }
code { font-size: 12px; }
</style>
</head>
<body>
<h1>ticklake analytics</h1>
<div class="sub">Day {{.Day}} (UTC): per-minute candlesticks with the day's VWAP (dashed), top movers, realized volatility and data quality, from the analytics state machine's Athena queries.</div>

<h2 id="quality">Data quality</h2>
<div class="grid">{{range .Quality}}<div class="card fig"><div class="v">{{.Value}}</div><div class="n">{{.Name}}</div></div>{{end}}</div>

<h2 id="movers">Top movers</h2>
<div class="card">
<svg class="movers" width="560" height="{{.MoversH}}" role="img" aria-label="top movers">
<line x1="280" y1="0" x2="280" y2="{{.MoversH}}" stroke="#999"/>
{{range .Movers}}<g><text x="4" y="{{.Y}}" dy="17" font-size="13">{{.Symbol}}</text>
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="18" class="{{if .Up}}up{{else}}down{{end}}"/>
<text x="492" y="{{.Y}}" dy="17" font-size="12">{{.Change}}</text></g>
{{end}}</svg>
</div>

<h2 id="candles">Per-minute bars</h2>
<div class="grid">
{{range .Charts}}<div class="card chart" data-symbol="{{.Symbol}}">
<h3>{{.Symbol}}</h3>
<div class="meta">{{.First}} to {{.Last}}, {{.Trades}} trades, low {{.Low}}, high {{.High}}{{if .HasVWAP}}, VWAP {{printf "%.4f" .VWAP}}{{end}}</div>
<svg class="candles" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="{{.Symbol}} candlesticks">
{{range .Candles}}<g><title>{{.Title}}</title>
<line class="wick" x1="{{.X}}" y1="{{.Wick1}}" x2="{{.X}}" y2="{{.Wick2}}"/>
<rect class="{{if .Up}}up{{else}}down{{end}} candle" x="{{.RX}}" y="{{.Top}}" width="{{.Width}}" height="{{.Height}}"/>
<rect class="vol" x="{{.RX}}" y="{{.VolY}}" width="{{.Width}}" height="{{.VolH}}"/></g>
{{end}}{{if .HasVWAP}}<line class="vwap" x1="0" y1="{{.VWAPY}}" x2="{{.Width}}" y2="{{.VWAPY}}"/>{{end}}
</svg>
</div>
{{end}}</div>

<h2 id="vwap">VWAP</h2>
<div class="card"><table><tr>{{range .VWAPCols}}<th>{{.}}</th>{{end}}</tr>
{{range .VWAP}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table></div>

<h2 id="volatility">Realized volatility</h2>
<div class="card">{{if .Vol}}<table><tr>{{range .VolCols}}<th>{{.}}</th>{{end}}</tr>
{{range .Vol}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{else}}No symbol has three minutes of trades yet.{{end}}</div>

<h2>Results</h2>
<div class="card"><table>{{range .Locations}}<tr><td>{{.Name}}</td><td><code>{{.Value}}</code></td></tr>{{end}}</table></div>
</body>
</html>
`))
