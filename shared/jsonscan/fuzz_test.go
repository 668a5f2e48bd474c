package jsonscan

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"unicode/utf8"
)

// FuzzSkip checks the scanner against encoding/json: Skip reads a whole value exactly when json.Valid
// accepts it, a valid string unescapes to what json.Unmarshal gives, and a number reads as
// strconv.ParseFloat reads it.
func FuzzSkip(f *testing.F) {
	for _, seed := range []string{`"plain"`, `"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"`, `"bad \x"`, "\"ctl \x01\"",
		`{"a":[1,2,{"b":null}],"c":true}`, `[1,]`, `-01`, `1.`, `1e`, `-0.5e-7`, `189.25`, `1e400`, `"\ud800"`, "\"\xff\""} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := Scanner{B: in}
		s.WS()
		err := s.Skip()
		s.WS()
		valid := err == nil && s.I == len(in)
		if valid != json.Valid(in) {
			t.Fatalf("Skip(%q) valid = %v, json.Valid says %v", in, valid, !valid)
		}
		in = bytes.TrimSpace(in)
		if !valid || len(in) == 0 {
			return
		}
		switch c := in[0]; {
		case c == '"' && utf8.Valid(in): // encoding/json replaces invalid UTF-8, which the scanner keeps
			var want string
			if err := json.Unmarshal(in, &want); err != nil {
				t.Fatal(err)
			}
			s := Scanner{B: in}
			raw, esc, ok := s.String()
			if esc {
				raw = Unescape(raw)
			}
			if !ok || string(raw) != want {
				t.Fatalf("String(%q) = %q, want %q", in, raw, want)
			}
		case c == '-' || c >= '0' && c <= '9':
			s := Scanner{B: in}
			span, _, ok := s.Number()
			if !ok || s.I != len(in) {
				t.Fatalf("Number(%q) did not read it whole", in)
			}
			got, gotErr := Float(span)
			want, wantErr := strconv.ParseFloat(string(in), 64)
			if math.Float64bits(got) != math.Float64bits(want) || (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("Float(%s) = %v, %v; strconv gives %v, %v", in, got, gotErr, want, wantErr)
			}
		}
	})
}
