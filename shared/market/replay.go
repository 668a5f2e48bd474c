package market

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/ticklake/ticklake/shared/jsonscan"
	"github.com/ticklake/ticklake/shared/tick"
)

// Columns of the stock-index CSV files that replay needs; the others are carried along as they are.
const (
	colIndex  = "Index"
	colClose  = "Close"
	colVolume = "Volume"
)

// ReplayRow is one good row of an index file: the tick it makes, but for its time.
type ReplayRow struct {
	Symbol string
	Price  float64
	Size   int64
	// Extra holds every column of the row, under snake_case names, as a JSON object.
	Extra []byte
}

// Replay is a parsed index file, replayed in file order and round again.
type Replay struct {
	Rows []ReplayRow
	// Skipped counts the rows that could not make a tick (no symbol, no usable close, too few
	// columns); Problems describes the first few of them.
	Skipped  int
	Problems []string
	next     int
}

// maxProblems bounds the bad-row descriptions kept.
const maxProblems = 5

// ErrNoRows is returned by ParseReplay for a file without one usable row.
var ErrNoRows = errors.New("no usable rows")

// ParseReplay reads a stock-index CSV (Index,Date,Open,High,Low,Close,Adj Close,Volume[,CloseUSD]) as
// found in the wild: with or without a byte-order mark (even one encoded twice), with CRLF or LF line
// ends, with "null" cells. Bad rows are skipped and counted, never fatal.
func ParseReplay(r io.Reader) (*Replay, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read replay file: %w", err)
	}
	data = stripBOM(data)
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read replay header: %w", err)
	}
	names := make([]string, len(header))
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		names[i] = snake(h)
		switch names[i] { // keep the row's own columns apart from the tick's fields
		case tick.FieldSymbol, tick.FieldTS, tick.FieldPrice, tick.FieldSize, tick.FieldBid, tick.FieldAsk:
			names[i] = "src_" + names[i]
		}
		col[h] = i
	}
	iSym, ok1 := col[colIndex]
	iClose, ok2 := col[colClose]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("replay header %q lacks %q or %q", strings.Join(header, ","), colIndex, colClose)
	}
	iVol, hasVol := col[colVolume]
	rp := &Replay{}
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			rp.skip(fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		if len(rec) != len(names) {
			rp.skip(fmt.Sprintf("line %d: %d cells, the header has %d", line, len(rec), len(names)))
			continue
		}
		sym := strings.TrimSpace(rec[iSym])
		if !tick.ValidSymbol(sym) {
			rp.skip(fmt.Sprintf("line %d: bad symbol %q", line, sym))
			continue
		}
		price, err := strconv.ParseFloat(strings.TrimSpace(rec[iClose]), 64)
		if err != nil || !(price > 0) || math.IsInf(price, 0) {
			rp.skip(fmt.Sprintf("line %d: bad close %q", line, rec[iClose]))
			continue
		}
		var size int64
		if hasVol {
			if v, err := strconv.ParseFloat(strings.TrimSpace(rec[iVol]), 64); err == nil && v >= 0 && v < 1<<53 {
				size = int64(v)
			}
		}
		rp.Rows = append(rp.Rows, ReplayRow{Symbol: sym, Price: price, Size: size, Extra: extraJSON(names, rec)})
	}
	if len(rp.Rows) == 0 {
		return rp, fmt.Errorf("%w (%d skipped)", ErrNoRows, rp.Skipped)
	}
	return rp, nil
}

func (rp *Replay) skip(problem string) {
	rp.Skipped++
	if len(rp.Problems) < maxProblems {
		rp.Problems = append(rp.Problems, problem)
	}
}

// Keep drops the rows of every symbol but those given.
func (rp *Replay) Keep(symbols []string) {
	keep := map[string]bool{}
	for _, s := range symbols {
		keep[s] = true
	}
	rows := rp.Rows[:0]
	for _, r := range rp.Rows {
		if keep[r.Symbol] {
			rows = append(rows, r)
		}
	}
	rp.Rows, rp.next = rows, 0
}

// SeekRow moves the replay to row n, modulo the number of rows, and returns the row it moved to.
func (rp *Replay) SeekRow(n int64) int64 {
	rp.next = int(n % int64(len(rp.Rows)))
	if rp.next < 0 {
		rp.next += len(rp.Rows)
	}
	return int64(rp.next)
}

// Next returns the next row's tick, stamped ts.
func (rp *Replay) Next(ts int64) tick.Tick {
	r := &rp.Rows[rp.next]
	rp.next = (rp.next + 1) % len(rp.Rows)
	return tick.Tick{Symbol: r.Symbol, TS: ts, Price: r.Price, Size: r.Size, Extra: r.Extra}
}

// stripBOM removes a UTF-8 byte-order mark, and the mark as it looks once encoded twice
// (its three bytes read as Latin-1 and encoded again).
func stripBOM(b []byte) []byte {
	for _, bom := range [][]byte{{0xEF, 0xBB, 0xBF}, {0xC3, 0xAF, 0xC2, 0xBB, 0xC2, 0xBF}} {
		if bytes.HasPrefix(b, bom) {
			return b[len(bom):]
		}
	}
	return b
}

// snake turns a column name such as "Adj Close" or "CloseUSD" into adj_close or close_usd.
func snake(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]))
			nextLower := i > 0 && i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])
			if (prevLower || nextLower) && b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// extraJSON renders a row as a JSON object: numbers as numbers, "null" or empty cells as null, the
// rest as strings.
func extraJSON(names, rec []string) []byte {
	out := []byte{'{'}
	for i, name := range names {
		if i > 0 {
			out = append(out, ',')
		}
		out = jsonscan.AppendString(out, name)
		out = append(out, ':')
		cell := strings.TrimSpace(rec[i])
		switch {
		case cell == "" || strings.EqualFold(cell, "null"):
			out = append(out, "null"...)
		case isJSONNumber(cell):
			out = append(out, cell...)
		default:
			out = jsonscan.AppendString(out, cell)
		}
	}
	return append(out, '}')
}

func isJSONNumber(s string) bool {
	sc := jsonscan.Scanner{B: []byte(s)}
	_, _, ok := sc.Number()
	return ok && sc.I == len(s)
}
