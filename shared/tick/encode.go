package tick

import (
	"math"
	"strconv"
)

// AppendJSON appends t as a tick message. The members of t.Extra, which must be a JSON object, follow
// the contract's fields. The output decodes back to t.
func AppendJSON(dst []byte, t *Tick) []byte {
	dst = append(dst, `{"symbol":"`...)
	dst = append(dst, t.Symbol...) // the symbol alphabet needs no escaping
	dst = append(dst, `","ts":"`...)
	dst = AppendRFC3339Micros(dst, t.TS)
	dst = append(dst, `","price":`...)
	dst = appendNumber(dst, t.Price)
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, t.Size, 10)
	if t.HasBid {
		dst = append(dst, `,"bid":`...)
		dst = appendNumber(dst, t.Bid)
	}
	if t.HasAsk {
		dst = append(dst, `,"ask":`...)
		dst = appendNumber(dst, t.Ask)
	}
	if inner := objectMembers(t.Extra); len(inner) > 0 {
		dst = append(dst, ',')
		dst = append(dst, inner...)
	}
	return append(dst, '}')
}

// appendNumber writes v as a JSON number, in plain notation where that is short.
func appendNumber(dst []byte, v float64) []byte {
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(dst, v, 'e', -1, 64)
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}

// objectMembers returns the text between the braces of a JSON object, trimmed of white space.
func objectMembers(obj []byte) []byte {
	i, j := 0, len(obj)
	for i < j && obj[i] != '{' {
		i++
	}
	for j > i && obj[j-1] != '}' {
		j--
	}
	if j-i < 2 {
		return nil
	}
	inner := obj[i+1 : j-1]
	for len(inner) > 0 && isSpace(inner[0]) {
		inner = inner[1:]
	}
	for len(inner) > 0 && isSpace(inner[len(inner)-1]) {
		inner = inner[:len(inner)-1]
	}
	return inner
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
