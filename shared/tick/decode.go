package tick

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/ticklake/ticklake/shared/jsonscan"
	"github.com/ticklake/ticklake/shared/schema"
)

// contractKeys are the contract's fields in the order AppendJSON writes them.
var contractKeys = []string{FieldSymbol, FieldTS, FieldPrice, FieldSize, FieldBid, FieldAsk}

// Decoder decodes and validates tick values. It interns symbols (and the values of declared string
// fields), so one Decoder used for a whole batch allocates each symbol string once. A Decoder is not
// safe for concurrent use.
type Decoder struct {
	symbols    map[string]string
	fields     schema.Schema
	keys       *jsonscan.Keys
	kinds      []uint8             // per declared field
	interned   []map[string]string // per declared field; nil for all but strings
	lastString []string            // per declared field: the latest string value
	follow     []int               // per known name: the position of the name that followed it last
	minute     minuteCache         // the latest ts's minute
	short      *shortCache         // short symbols and string values, interned
}

// NewDecoder returns a Decoder that declares no field: every field outside the contract goes to
// Extra.
func NewDecoder() *Decoder { return NewSchemaDecoder(nil) }

// NewSchemaDecoder returns a Decoder that decodes the fields declared by fields (which must have
// passed schema.Check) into Tick.Fields.
func NewSchemaDecoder(fields schema.Schema) *Decoder {
	names := append([]string(nil), contractKeys...)
	d := &Decoder{symbols: make(map[string]string, 64), fields: fields, short: new(shortCache), interned: make([]map[string]string, len(fields)),
		lastString: make([]string, len(fields))}
	for i, f := range fields {
		names = append(names, f.Name)
		d.kinds = append(d.kinds, kindOf(f.Type))
		if f.Type == schema.String {
			d.interned[i] = map[string]string{}
		}
	}
	d.keys = jsonscan.NewKeys(names...)
	d.follow = make([]int, len(names))
	for i := range d.follow {
		d.follow[i] = i + 1
	}
	return d
}

// Schema returns the declared fields.
func (d *Decoder) Schema() schema.Schema { return d.fields }

const (
	seenSymbol = 1 << iota
	seenTS
	seenPrice
	seenSize
	seenBid
	seenAsk
)

// Decode parses value into t and checks it against the contract and the declared fields' types. It
// returns an *Error naming the field and what was wrong when the value breaks the contract. t.Extra
// aliases value; t.Fields reuses t's previous Fields slice.
func (d *Decoder) Decode(value []byte, t *Tick) error {
	fields := t.Fields
	*t = Tick{}
	if n := len(d.fields); n > 0 {
		if cap(fields) < n {
			fields = make([]Value, n)
		}
		fields = fields[:n]
		clear(fields)
		t.Fields = fields
	}
	if len(value) == 0 {
		return fail(CodeEmpty, "", "record has no value")
	}
	if len(value) > MaxValueBytes {
		return fail(CodeOversize, "", "value is %d bytes, the limit is %d", len(value), MaxValueBytes)
	}
	if !utf8.Valid(value) {
		return fail(CodeInvalidUTF8, "", "value is not valid UTF-8")
	}
	s := scanner{jsonscan.Scanner{B: value}}
	var seen int
	var seenField [(schema.MaxFields + 63) / 64]uint64
	var extras [][2]int // spans of members outside the contract
	next := 0           // the field expected next, in the order producers write them
	prev := -1          // the latest known field
	s.WS()
	if !s.Consume('{') {
		return s.syntax("expected a JSON object")
	}
	s.WS()
	if !s.Consume('}') {
		for {
			s.WS()
			start := s.I
			expected := next
			key, idx, ok := s.KeyIndex(d.keys, &next)
			if !ok {
				return s.syntax("expected a field name")
			}
			if idx >= 0 { // expect what followed this name last time: producers keep their order
				if idx != expected && prev >= 0 {
					d.follow[prev] = idx
				}
				prev, next = idx, d.follow[idx]
			}
			s.WS()
			if !s.Consume(':') {
				return s.syntax("expected ':'")
			}
			s.WS()
			switch {
			case idx < 0:
				if err := s.skip(); err != nil {
					return err
				}
				extras = append(extras, [2]int{start, s.I})
			case idx >= len(contractKeys):
				fi := idx - len(contractKeys)
				if seenField[fi>>6]&(1<<(fi&63)) != 0 {
					return fail(CodeDuplicateKey, string(key), "field appears more than once")
				}
				seenField[fi>>6] |= 1 << (fi & 63)
				if err := d.field(&s, fi, &t.Fields[fi]); err != nil {
					return err
				}
			default:
				bit, err := d.member(&s, key, t)
				switch {
				case err != nil:
					return err
				case seen&bit != 0:
					return fail(CodeDuplicateKey, string(key), "field appears more than once")
				default:
					seen |= bit
				}
			}
			s.WS()
			if s.Consume(',') {
				continue
			}
			if s.Consume('}') {
				break
			}
			return s.syntax("expected ',' or '}'")
		}
	}
	s.WS()
	if s.I != len(s.B) {
		return s.syntax("unexpected data after the object")
	}
	if err := checkRequired(seen, t); err != nil {
		return err
	}
	if len(extras) > 0 {
		t.Extra = joinMembers(value, extras)
	}
	return nil
}

func checkRequired(seen int, t *Tick) error {
	switch {
	case seen&seenSymbol == 0:
		return fail(CodeMissingField, FieldSymbol, "required")
	case seen&seenTS == 0:
		return fail(CodeMissingField, FieldTS, "required")
	case seen&seenPrice == 0:
		return fail(CodeMissingField, FieldPrice, "required")
	case t.HasBid && t.HasAsk && t.Bid > t.Ask:
		return fail(CodeInvalidValue, FieldBid, "bid %s is above ask %s", fmtFloat(t.Bid), fmtFloat(t.Ask))
	}
	return nil
}

// member decodes the value of one member. It returns the member's seen bit, or 0 for a member outside
// the contract, whose value it skips after checking its syntax. A null optional member counts as
// absent; a null required member as missing.
func (d *Decoder) member(s *scanner, key []byte, t *Tick) (int, error) {
	switch string(key) {
	case FieldSymbol:
		v, err := s.stringField(FieldSymbol)
		if err != nil || v == nil {
			return seenSymbol, orMissing(err, FieldSymbol)
		}
		if sym := d.short.get(v, -1); sym != "" {
			t.Symbol = sym
			return seenSymbol, nil
		}
		sym, ok := d.symbols[string(v)]
		if !ok {
			if !ValidSymbol(string(v)) {
				if len(v) > MaxSymbolLen {
					return 0, fail(CodeOversize, FieldSymbol, "%d characters, the limit is %d", len(v), MaxSymbolLen)
				}
				return 0, fail(CodeInvalidValue, FieldSymbol, "%s is not 1 to 16 characters of A-Z, 0-9, '.', '^', '=', '-'", quote(v))
			}
			sym = string(v)
			if len(d.symbols) < maxInterned { // past that, one allocation a symbol, not a growing map
				d.symbols[sym] = sym
			}
		}
		d.short.put(v, -1, sym)
		t.Symbol = sym
		return seenSymbol, nil
	case FieldTS:
		v, err := s.stringField(FieldTS)
		if err != nil || v == nil {
			return seenTS, orMissing(err, FieldTS)
		}
		us, ok := d.minute.parse(v)
		if !ok {
			return 0, fail(CodeInvalidValue, FieldTS, "%s is not an RFC 3339 timestamp", quote(v))
		}
		t.TS = us
		return seenTS, nil
	case FieldPrice:
		v, isNull, err := s.numberField(FieldPrice)
		if err != nil || isNull {
			return seenPrice, orMissing(err, FieldPrice)
		}
		if !(v > 0) || math.IsInf(v, 0) {
			return 0, fail(CodeInvalidValue, FieldPrice, "must be finite and greater than 0, got %s", fmtFloat(v))
		}
		t.Price = v
		return seenPrice, nil
	case FieldSize:
		n, isNull, err := s.intField(FieldSize)
		if err != nil {
			return 0, err
		}
		if !isNull {
			t.Size = n
		}
		return seenSize, nil
	case FieldBid, FieldAsk:
		field := FieldBid
		if key[0] == 'a' {
			field = FieldAsk
		}
		v, isNull, err := s.numberField(field)
		if err != nil {
			return 0, err
		}
		if !isNull && (v < 0 || math.IsInf(v, 0)) {
			return 0, fail(CodeInvalidValue, field, "must be finite and not negative, got %s", fmtFloat(v))
		}
		if field == FieldBid {
			t.Bid, t.HasBid = v, !isNull
			return seenBid, nil
		}
		t.Ask, t.HasAsk = v, !isNull
		return seenAsk, nil
	}
	return 0, s.skip()
}

// orMissing turns the "null" outcome of a required field into a missing-field error.
func orMissing(err error, field string) error {
	if err != nil {
		return err
	}
	return fail(CodeMissingField, field, "required, got null")
}

func joinMembers(value []byte, spans [][2]int) []byte {
	n := 2
	for _, sp := range spans {
		n += sp[1] - sp[0] + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, sp := range spans {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, value[sp[0]:sp[1]]...)
	}
	return append(out, '}')
}

// scanner adds the contract's field readers to a JSON scanner.
type scanner struct{ jsonscan.Scanner }

func (s *scanner) syntax(what string) *Error {
	return fail(CodeMalformedJSON, "", "%s at byte %d", what, s.I)
}

// skip passes over a value outside the contract, checking its syntax.
func (s *scanner) skip() error {
	switch err := s.Skip(); {
	case errors.Is(err, jsonscan.ErrTooDeep):
		return fail(CodeOversize, "", "nesting deeper than %d", jsonscan.MaxDepth)
	case err != nil:
		return s.syntax("bad value")
	}
	return nil
}

// stringField reads a string member's value; nil without error means null.
func (s *scanner) stringField(field string) ([]byte, error) {
	if s.Literal("null") {
		return nil, nil
	}
	if s.Peek() != '"' {
		return nil, s.wrongType(field, "a string")
	}
	v, esc, ok := s.String()
	if !ok {
		return nil, s.syntax("bad string")
	}
	if esc {
		v = jsonscan.Unescape(v)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// numberField reads a number member's value.
func (s *scanner) numberField(field string) (v float64, isNull bool, err error) {
	if s.Literal("null") {
		return 0, true, nil
	}
	v, span, ok, perr := s.NumberFloat()
	if !ok {
		return 0, false, s.wrongType(field, "a number")
	}
	if perr != nil && !math.IsInf(v, 0) {
		return 0, false, fail(CodeInvalidValue, field, "%s is not a number", quote(span))
	}
	return v, false, nil
}

// intField reads an integer member's value: an integer literal, or a number whose value is integral.
func (s *scanner) intField(field string) (n int64, isNull bool, err error) {
	if s.Literal("null") {
		return 0, true, nil
	}
	span, isInt, ok := s.Number()
	if !ok {
		return 0, false, s.wrongType(field, "an integer")
	}
	if span[0] == '-' {
		return 0, false, fail(CodeInvalidValue, field, "must be 0 or more, got %s", quote(span))
	}
	if isInt {
		if len(span) <= 18 {
			for _, c := range span {
				n = n*10 + int64(c-'0')
			}
			return n, false, nil
		}
		n, perr := strconv.ParseInt(jsonscan.UnsafeString(span), 10, 64)
		if perr != nil {
			return 0, false, fail(CodeInvalidValue, field, "must be an integer from 0 to 2^63-1, got %s", quote(span))
		}
		return n, false, nil
	}
	f, perr := strconv.ParseFloat(jsonscan.UnsafeString(span), 64)
	if perr != nil || f != math.Trunc(f) || f >= 1<<53 {
		return 0, false, fail(CodeInvalidValue, field, "must be an integer from 0 to 2^53, got %s", quote(span))
	}
	return int64(f), false, nil
}

func (s *scanner) wrongType(field, want string) error {
	var got string
	switch c := s.Peek(); {
	case c == '"':
		got = "a string"
	case c == '{':
		got = "an object"
	case c == '[':
		got = "an array"
	case c == 't' || c == 'f':
		got = "a boolean"
	case c == '-' || (c >= '0' && c <= '9'):
		got = "a number"
	default:
		return s.syntax("bad value for " + field)
	}
	// Check the rest of the value's syntax, so that a malformed value is reported as such.
	if err := s.skip(); err != nil {
		return err
	}
	return fail(CodeWrongType, field, "must be %s, got %s", want, got)
}

// quote renders a short, safe excerpt of a bad value for an error message.
func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
