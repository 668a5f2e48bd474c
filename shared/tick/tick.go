// Package tick is ticklake's domain: the tick message that travels on Kafka, its contract, and a fast,
// strict codec for it. It imports no SDK.
//
// A tick is a JSON object in UTF-8 (the Kafka record value; the record key is the symbol):
//
//	symbol  string, required: 1 to 16 characters of A-Z, 0-9, '.', '^', '=', '-'
//	ts      string, required: RFC 3339 with an optional fraction (kept to the microsecond)
//	price   number, required: finite and greater than 0
//	size    integer >= 0, optional (default 0)
//	bid     number >= 0, optional
//	ask     number >= 0, optional; when both are present, bid <= ask
//
// A Decoder made with a schema (package schema) decodes the declared fields into typed Values; any
// other field is allowed and kept, verbatim, in Extra.
package tick

import (
	"errors"
	"fmt"
)

// Field names of the contract, one place each.
const (
	FieldSymbol = "symbol"
	FieldTS     = "ts"
	FieldPrice  = "price"
	FieldSize   = "size"
	FieldBid    = "bid"
	FieldAsk    = "ask"
)

// Limits of the contract.
const (
	// MaxSymbolLen is the longest symbol accepted.
	MaxSymbolLen = 16
	// MaxValueBytes is the largest record value accepted; a larger one is rejected as oversize.
	MaxValueBytes = 16 << 10
)

// Tick is one decoded, validated market tick.
type Tick struct {
	Symbol string
	// TS is the event time in microseconds since the Unix epoch, UTC.
	TS    int64
	Price float64
	Size  int64
	// Bid and Ask are meaningful only when HasBid and HasAsk are set.
	Bid, Ask       float64
	HasBid, HasAsk bool
	// Fields holds the declared extra fields (see package schema), one Value a field in the
	// schema's order, when the Decoder was given a schema.
	Fields []Value
	// Extra holds the fields outside the contract that the schema does not declare, as a JSON
	// object, verbatim, or nil when there are none. It aliases the decoded value's memory.
	Extra []byte
}

// Value is one declared field's typed value. Valid is false when the field was absent or null.
// Which member holds the value depends on the field's type: S for string; F for double; I for bigint,
// boolean (0 or 1), date (days since 1970-01-01) and timestamp (microseconds since the epoch, UTC).
type Value struct {
	Valid bool
	I     int64
	F     float64
	S     string
}

// Code classifies why a record was rejected. Codes are stable: dead letters and metrics carry them.
type Code string

// The rejection codes.
const (
	CodeEmpty         Code = "empty"          // no value at all (a tombstone)
	CodeOversize      Code = "oversize"       // value or a field larger than the contract allows
	CodeInvalidUTF8   Code = "invalid_utf8"   // value is not valid UTF-8
	CodeMalformedJSON Code = "malformed_json" // value is not one JSON object
	CodeMissingField  Code = "missing_field"  // a required field is absent or null
	CodeWrongType     Code = "wrong_type"     // a field has the wrong JSON type
	CodeInvalidValue  Code = "invalid_value"  // a field has the right type but a value the contract rejects
	CodeDuplicateKey  Code = "duplicate_field"
)

// Error is returned by Decode for a value that breaks the contract. Field is empty when the value as
// a whole is wrong.
type Error struct {
	Code   Code
	Field  string
	Detail string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Detail)
	}
	return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Detail)
}

// Reason is the rejection as one line, for dead letters and logs.
func (e *Error) Reason() string { return e.Error() }

// AsError returns the contract error inside err, if there is one.
func AsError(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	if te, ok := err.(*Error); ok {
		return te, true
	}
	var te *Error
	ok := errors.As(err, &te)
	return te, ok
}

func fail(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// ValidSymbol reports whether s obeys the symbol rule of the contract.
func ValidSymbol(s string) bool {
	if len(s) == 0 || len(s) > MaxSymbolLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !symbolByte[s[i]] {
			return false
		}
	}
	return true
}

var symbolByte = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range ".^=-" {
		t[c] = true
	}
	return t
}()
