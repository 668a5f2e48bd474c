package tick

import (
	"math"
	"strconv"

	"github.com/ticklake/ticklake/shared/jsonscan"
	"github.com/ticklake/ticklake/shared/schema"
)

// Kinds of declared fields, for a switch on integers rather than type names.
const (
	kindString uint8 = iota
	kindDouble
	kindBigInt
	kindBoolean
	kindDate
	kindTimestamp
)

func kindOf(t schema.Type) uint8 {
	switch t {
	case schema.Double:
		return kindDouble
	case schema.BigInt:
		return kindBigInt
	case schema.Boolean:
		return kindBoolean
	case schema.Date:
		return kindDate
	case schema.Timestamp:
		return kindTimestamp
	}
	return kindString
}

// maxInterned bounds the distinct symbols, and the distinct values of each string field, that a
// Decoder interns, so that many distinct values (an identifier, a bad producer's symbols) cost one
// allocation a value instead of a growing map.
const maxInterned = 4096

// field decodes the value of declared field fi into v. null leaves v invalid. A value of the wrong
// JSON type, or one that does not fit the field's type, is a CodeWrongType error naming the field.
func (d *Decoder) field(s *scanner, fi int, v *Value) error {
	f := &d.fields[fi]
	if s.Peek() == 'n' && s.Literal("null") {
		return nil
	}
	switch d.kinds[fi] {
	case kindString:
		raw, err := s.declaredString(f.Name)
		if err != nil {
			return err
		}
		v.S = d.intern(fi, raw)
	case kindDouble:
		x, span, ok, err := s.NumberFloat()
		if !ok {
			return s.wrongType(f.Name, "a number")
		}
		if err != nil {
			return fail(CodeWrongType, f.Name, "%s does not fit a double", quote(span))
		}
		v.F = x
	case kindBigInt:
		span, isInt, ok := s.Number()
		if !ok {
			return s.wrongType(f.Name, "an integer")
		}
		n, ok := bigint(span, isInt)
		if !ok {
			return fail(CodeWrongType, f.Name, "%s does not fit a bigint (an integer from -2^63 to 2^63-1, or to ±2^53 with a fraction or exponent)", quote(span))
		}
		v.I = n
	case kindBoolean:
		switch {
		case s.Literal("true"):
			v.I = 1
		case s.Literal("false"):
		default:
			return s.wrongType(f.Name, "a boolean")
		}
	case kindDate:
		raw, err := s.declaredString(f.Name)
		if err != nil {
			return err
		}
		n, ok := ParseDate(raw)
		if !ok {
			return fail(CodeWrongType, f.Name, "%s does not fit a date (YYYY-MM-DD)", quote(raw))
		}
		v.I = n
	case kindTimestamp:
		raw, err := s.declaredString(f.Name)
		if err != nil {
			return err
		}
		us, ok := ParseRFC3339Micros(raw)
		if !ok {
			return fail(CodeWrongType, f.Name, "%s does not fit a timestamp (RFC 3339)", quote(raw))
		}
		v.I = us
	}
	v.Valid = true
	return nil
}

// declaredString reads a string value, unescaped.
func (s *scanner) declaredString(field string) ([]byte, error) {
	if s.Peek() != '"' {
		return nil, s.wrongType(field, "a string")
	}
	raw, esc, ok := s.String()
	if !ok {
		return nil, s.syntax("bad string")
	}
	if esc {
		raw = jsonscan.Unescape(raw)
	}
	return raw, nil
}

// bigint reads an integer literal that fits in an int64, or a number with a fraction or exponent
// whose value is an integer within ±2^53.
func bigint(span []byte, isInt bool) (int64, bool) {
	if isInt {
		if len(span) <= 18 {
			neg := span[0] == '-'
			digits := span
			if neg {
				digits = span[1:]
			}
			var n int64
			for _, c := range digits {
				n = n*10 + int64(c-'0')
			}
			if neg {
				n = -n
			}
			return n, true
		}
		n, err := strconv.ParseInt(jsonscan.UnsafeString(span), 10, 64)
		return n, err == nil
	}
	f, err := jsonscan.Float(span)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// intern returns raw as a string, shared by equal values of the same field. The field's latest
// value is compared first: values come in runs (a replay's index, a feed's venue per symbol).
func (d *Decoder) intern(fi int, raw []byte) string {
	if s := d.short.get(raw, fi); s != "" {
		return s
	}
	if last := d.lastString[fi]; last == string(raw) && last != "" {
		return last
	}
	s := d.internMap(fi, raw)
	d.lastString[fi] = s
	if len(d.interned[fi]) < maxInterned {
		d.short.put(raw, fi, s)
	}
	return s
}

func (d *Decoder) internMap(fi int, raw []byte) string {
	m := d.interned[fi]
	if s, ok := m[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if len(m) < maxInterned {
		m[s] = s
	}
	return s
}

// ParseDate parses YYYY-MM-DD (a proleptic Gregorian date, years 0001 to 9999) to days since
// 1970-01-01.
func ParseDate(b []byte) (int64, bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	if !(ok1 && ok2 && ok3) || year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, false
	}
	return daysFromCivil(year, month, day), true
}

// AppendDate appends days since 1970-01-01 as YYYY-MM-DD.
func AppendDate(dst []byte, days int64) []byte {
	return append(dst, AppendRFC3339Micros(nil, days*86400_000_000)[:10]...)
}
