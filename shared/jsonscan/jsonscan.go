// Package jsonscan is a small, strict (RFC 8259), allocation-free JSON scanner for the hot paths
// that encoding/json is too slow for: the Lambda event and the tick values inside it.
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// plain marks the bytes that stand for themselves inside a string.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// MaxDepth bounds the nesting that Skip accepts, so a hostile document cannot exhaust the stack.
const MaxDepth = 32

// Errors returned by Skip.
var (
	// ErrSyntax is returned for a document that is not JSON.
	ErrSyntax = errors.New("malformed JSON")
	// ErrTooDeep is returned for a value nested deeper than MaxDepth.
	ErrTooDeep = errors.New("JSON nested too deep")
)

// Scanner reads JSON from B, starting at I.
type Scanner struct {
	B []byte
	I int
}

// WS passes over white space.
func (s *Scanner) WS() {
	if s.I < len(s.B) && s.B[s.I] > ' ' { // the common case: no white space at all
		return
	}
	for s.I < len(s.B) {
		switch s.B[s.I] {
		case ' ', '\t', '\n', '\r':
			s.I++
		default:
			return
		}
	}
}

// Consume passes over c if it is next.
func (s *Scanner) Consume(c byte) bool {
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// Peek returns the next byte, or 0 at the end.
func (s *Scanner) Peek() byte {
	if s.I < len(s.B) {
		return s.B[s.I]
	}
	return 0
}

// Literal passes over word if it is next.
func (s *Scanner) Literal(word string) bool {
	if len(s.B)-s.I >= len(word) && string(s.B[s.I:s.I+len(word)]) == word {
		s.I += len(word)
		return true
	}
	return false
}

// String reads a JSON string and returns its raw contents (without quotes, escapes as written) and
// whether it holds escapes. It reports false for anything but a well-formed string.
func (s *Scanner) String() (raw []byte, escaped, ok bool) {
	if !s.Consume('"') {
		return nil, false, false
	}
	start := s.I
	b := s.B
	i := start
	for i < len(b) {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i == len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			s.I = i + 1
			return b[start:i], escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return nil, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return nil, false, false
				}
				i += 6
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			i++
		}
	}
	return nil, false, false
}

// QuickString reads a string that the caller validates itself, such as base64 text, whose alphabet
// excludes quotes, backslashes and control characters: it only finds the closing quote.
func (s *Scanner) QuickString() ([]byte, bool) {
	if !s.Consume('"') {
		return nil, false
	}
	n := bytes.IndexByte(s.B[s.I:], '"')
	if n < 0 {
		return nil, false
	}
	raw := s.B[s.I : s.I+n]
	s.I += n + 1
	return raw, true
}

// Number reads a JSON number and returns its text and whether it is an integer literal (no fraction,
// no exponent).
func (s *Scanner) Number() (span []byte, isInt, ok bool) {
	b := s.B
	i := s.I
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
		if i < len(b) && b[i] >= '0' && b[i] <= '9' {
			return nil, false, false // no leading zeros
		}
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i]-'0' <= 9 {
			i++
		}
	default:
		return nil, false, false
	}
	isInt = true
	if i < len(b) && b[i] == '.' {
		isInt = false
		i++
		d := i
		for i < len(b) && b[i]-'0' <= 9 {
			i++
		}
		if i == d {
			return nil, false, false
		}
	}
	i, hasExp, ok := exponent(b, i)
	if !ok {
		return nil, false, false
	}
	isInt = isInt && !hasExp
	span = b[s.I:i]
	s.I = i
	return span, isInt, true
}

// exponent skips a number's exponent part at b[i:], if any: it returns the index after it, whether
// there was one, and false for an exponent without digits.
func exponent(b []byte, i int) (next int, has, ok bool) {
	if i >= len(b) || (b[i] != 'e' && b[i] != 'E') {
		return i, false, true
	}
	i++
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	d := i
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	return i, true, i != d
}

// Int reads an integer literal that fits in an int64.
func (s *Scanner) Int() (int64, bool) {
	span, isInt, ok := s.Number()
	if !ok || !isInt || len(span) > 19 {
		return 0, false
	}
	neg := span[0] == '-'
	if neg {
		span = span[1:]
	}
	var n uint64
	for _, c := range span {
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// Skip checks and passes over any JSON value. It returns ErrSyntax or ErrTooDeep.
func (s *Scanner) Skip() error { return s.skip(0) }

func (s *Scanner) skip(depth int) error {
	if depth > MaxDepth {
		return ErrTooDeep
	}
	switch s.Peek() {
	case '"':
		if _, _, ok := s.String(); !ok {
			return ErrSyntax
		}
	case '{', '[':
		return s.skipContainer(depth)
	case 't':
		return s.want("true")
	case 'f':
		return s.want("false")
	case 'n':
		return s.want("null")
	default:
		if _, _, ok := s.Number(); !ok {
			return ErrSyntax
		}
	}
	return nil
}

func (s *Scanner) want(word string) error {
	if !s.Literal(word) {
		return ErrSyntax
	}
	return nil
}

func (s *Scanner) skipContainer(depth int) error {
	open := s.B[s.I]
	end := byte(']')
	if open == '{' {
		end = '}'
	}
	s.I++
	s.WS()
	if s.Consume(end) {
		return nil
	}
	for {
		s.WS()
		if open == '{' {
			if _, _, ok := s.String(); !ok {
				return ErrSyntax
			}
			s.WS()
			if !s.Consume(':') {
				return ErrSyntax
			}
			s.WS()
		}
		if err := s.skip(depth + 1); err != nil {
			return err
		}
		s.WS()
		if s.Consume(',') {
			continue
		}
		if s.Consume(end) {
			return nil
		}
		return ErrSyntax
	}
}

// Keys are the member names an object usually has, in their usual order. Reading names through Keys
// compares the expected name first, which is much cheaper than scanning a string.
type Keys struct {
	names  [][]byte
	quoted []string
	// words hold each quoted name of up to 16 bytes as two little-endian words, with masks for its
	// bytes, so that a name compares in two loads where at least 16 bytes remain.
	words []quotedWords
}

type quotedWords struct {
	lo, hi, mlo, mhi uint64
	short            bool // the quoted name fits in 16 bytes
}

// NewKeys returns the expected names, in order. Names must need no escaping.
func NewKeys(names ...string) *Keys {
	k := &Keys{}
	for _, n := range names {
		k.names = append(k.names, []byte(n))
		q := `"` + n + `"`
		k.quoted = append(k.quoted, q)
		var w quotedWords
		if len(q) <= 16 {
			var buf, mask [16]byte
			copy(buf[:], q)
			for i := range q {
				mask[i] = 0xff
			}
			w = quotedWords{binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:]),
				binary.LittleEndian.Uint64(mask[:8]), binary.LittleEndian.Uint64(mask[8:]), true}
		}
		k.words = append(k.words, w)
	}
	return k
}

// expected passes over the quoted name at position i of keys if it is next.
func (s *Scanner) expected(keys *Keys, i int) bool {
	if w := &keys.words[i]; w.short && len(s.B)-s.I >= 16 {
		b := s.B[s.I : s.I+16 : s.I+16]
		if binary.LittleEndian.Uint64(b)&w.mlo != w.lo || binary.LittleEndian.Uint64(b[8:])&w.mhi != w.hi {
			return false
		}
		s.I += len(keys.quoted[i])
		return true
	}
	return s.Literal(keys.quoted[i])
}

// KeyIndex is Key that also returns the position of the name among keys, or -1 for another name.
func (s *Scanner) KeyIndex(keys *Keys, next *int) ([]byte, int, bool) {
	if *next < len(keys.quoted) && s.expected(keys, *next) {
		name := keys.names[*next]
		*next++
		return name, *next - 1, true
	}
	key, esc, ok := s.String()
	if esc {
		key = Unescape(key)
	}
	for i, n := range keys.names {
		if string(n) == string(key) {
			*next = i + 1
			return key, i, ok
		}
	}
	return key, -1, ok
}

// Key reads a member name: the expected one at position *next when it is there (then *next moves
// on), else any string. It returns the name unescaped.
func (s *Scanner) Key(keys *Keys, next *int) ([]byte, bool) {
	if keys != nil && *next < len(keys.quoted) && s.expected(keys, *next) {
		name := keys.names[*next]
		*next++
		return name, true
	}
	key, esc, ok := s.String()
	if esc {
		key = Unescape(key)
	}
	if keys != nil {
		for i, n := range keys.names { // resynchronize the expectation on a known name
			if string(n) == string(key) {
				*next = i + 1
				break
			}
		}
	}
	return key, ok
}

// Object reads a JSON object, calling member for each member with the scanner placed at the member's
// value, which member must read entirely; start is the offset of the member's name. It reports
// ErrSyntax for a malformed object, or member's error.
func (s *Scanner) Object(member func(key []byte, start int) error) error {
	return s.ObjectKeys(nil, member)
}

// ObjectKeys is Object for an object whose names are usually keys, in order.
func (s *Scanner) ObjectKeys(keys *Keys, member func(key []byte, start int) error) error {
	s.WS()
	if !s.Consume('{') {
		return ErrSyntax
	}
	s.WS()
	if s.Consume('}') {
		return nil
	}
	next := 0
	for {
		s.WS()
		start := s.I
		key, ok := s.Key(keys, &next)
		if !ok {
			return ErrSyntax
		}
		s.WS()
		if !s.Consume(':') {
			return ErrSyntax
		}
		s.WS()
		if err := member(key, start); err != nil {
			return err
		}
		s.WS()
		if s.Consume(',') {
			continue
		}
		if s.Consume('}') {
			return nil
		}
		return ErrSyntax
	}
}

// Array reads a JSON array, calling elem with the scanner placed at each element, which elem must
// read entirely.
func (s *Scanner) Array(elem func() error) error {
	s.WS()
	if !s.Consume('[') {
		return ErrSyntax
	}
	s.WS()
	if s.Consume(']') {
		return nil
	}
	for {
		s.WS()
		if err := elem(); err != nil {
			return err
		}
		s.WS()
		if s.Consume(',') {
			continue
		}
		if s.Consume(']') {
			return nil
		}
		return ErrSyntax
	}
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Unescape decodes the escapes of a string's raw contents as String returned them. A lone surrogate
// becomes U+FFFD, as in encoding/json.
func Unescape(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hexVal(raw[i+1 : i+5]))
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				lo := rune(hexVal(raw[i+3 : i+7]))
				if lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
					i += 6
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, raw[i])
		}
	}
	return out
}

func hexVal(b []byte) int {
	n := 0
	for _, c := range b {
		n <<= 4
		switch {
		case c >= '0' && c <= '9':
			n |= int(c - '0')
		case c >= 'a' && c <= 'f':
			n |= int(c-'a') + 10
		default:
			n |= int(c-'A') + 10
		}
	}
	return n
}

// UnsafeString views b as a string without copying; the string must not outlive b's contents.
func UnsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			dst = utf8.AppendRune(dst, r)
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
	}
	return append(dst, '"')
}

// pow10 holds the powers of ten that a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// Float converts a number that Number returned to the nearest float64, as strconv.ParseFloat does
// (an out-of-range number gives ±Inf and a *strconv.NumError). Numbers of up to 15 significant digits
// with a small exponent, such as prices, take an exact fast path.
func Float(span []byte) (float64, error) {
	var mant uint64
	digits, exp10 := 0, 0
	i := 0
	neg := len(span) > 0 && span[0] == '-'
	if neg {
		i++
	}
	for ; i < len(span) && span[i] >= '0' && span[i] <= '9'; i++ {
		mant = mant*10 + uint64(span[i]-'0')
		if mant != 0 {
			digits++
		}
	}
	if i < len(span) && span[i] == '.' {
		for i++; i < len(span) && span[i] >= '0' && span[i] <= '9'; i++ {
			mant = mant*10 + uint64(span[i]-'0')
			if mant != 0 {
				digits++
			}
			exp10--
		}
	}
	if i == len(span) && digits <= 15 && exp10 >= -22 {
		f := float64(mant) / pow10[-exp10]
		if neg {
			f = -f
		}
		return f, nil
	}
	return strconv.ParseFloat(UnsafeString(span), 64)
}

// NumberFloat reads a JSON number, as Number does, and converts it, as Float does, in one pass over
// its digits. It returns the number's text too; ok is false for anything but a well-formed number,
// and err is Float's range error.
func (s *Scanner) NumberFloat() (v float64, span []byte, ok bool, err error) {
	b := s.B
	i, start := s.I, s.I
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	var mant uint64
	digits, exp10 := 0, 0
	switch {
	case i < len(b) && b[i] == '0':
		i++
		if i < len(b) && b[i] >= '0' && b[i] <= '9' {
			return 0, nil, false, nil // no leading zeros
		}
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		d := i
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			mant = mant*10 + uint64(c)
		}
		digits = i - d // significant digits; past 19 mant wraps, but then digits sends it to strconv
	default:
		return 0, nil, false, nil
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		if mant == 0 { // the fraction's leading zeros are not significant
			for i < len(b) && b[i] == '0' {
				i++
			}
		}
		z := i
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			mant = mant*10 + uint64(c)
		}
		if i == d {
			return 0, nil, false, nil
		}
		if mant != 0 {
			digits += i - z
		}
		exp10 = d - i
	}
	i, hasExp, ok := exponent(b, i)
	if !ok {
		return 0, nil, false, nil
	}
	exact := !hasExp
	span = b[start:i]
	s.I = i
	if exact && digits <= 15 && exp10 >= -22 {
		v = float64(mant) / pow10[-exp10]
		if neg {
			v = -v
		}
		return v, span, true, nil
	}
	v, err = strconv.ParseFloat(UnsafeString(span), 64)
	return v, span, true, err
}
