package jsonscan

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestFloatAgreesWithStrconv(t *testing.T) {
	inputs := []string{"0", "-0", "1", "189.25", "0.01", "123456789012345", "1234567890123456789", "1e22", "1e23",
		"2.5E-3", "1e-400", "1e400", "-1e400", "0.000000000000000000000001", "4.9406564584124654e-324", "17976931348623157e292"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		v := r.Float64() * math.Pow(10, float64(r.IntN(12)-4))
		inputs = append(inputs, strconv.FormatFloat(v, 'f', r.IntN(8), 64), strconv.FormatFloat(v, 'g', -1, 64))
	}
	for _, in := range inputs {
		s := Scanner{B: []byte(in)}
		span, _, ok := s.Number()
		if !ok || s.I != len(in) {
			t.Fatalf("Number(%s) did not read it whole", in)
		}
		got, gotErr := Float(span)
		want, wantErr := strconv.ParseFloat(in, 64)
		if math.Float64bits(got) != math.Float64bits(want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("Float(%s) = %v, %v; strconv gives %v, %v", in, got, gotErr, want, wantErr)
		}
	}
}

func TestStringAndSkipAgreeWithEncodingJSON(t *testing.T) {
	for _, in := range []string{`"plain"`, `"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"`, `"bad \x"`, "\"ctl \x01\"", `"open`,
		`{"a":[1,2,{"b":null}],"c":true}`, `[1,]`, `{"a" 1}`, `-01`, `1.`, `1e`, `tru`, `[]`, `{}`} {
		s := Scanner{B: []byte(in)}
		err := s.Skip()
		valid := err == nil && s.I == len(in)
		if valid != json.Valid([]byte(in)) {
			t.Errorf("Skip(%s) valid = %v, encoding/json says %v", in, valid, !valid)
		}
		if in[0] == '"' && valid {
			var want string
			_ = json.Unmarshal([]byte(in), &want)
			s := Scanner{B: []byte(in)}
			raw, esc, _ := s.String()
			if esc {
				raw = Unescape(raw)
			}
			if string(raw) != want {
				t.Errorf("String(%s) = %q, want %q", in, raw, want)
			}
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, in := range []string{"", "abc", "q\"b\\s\n\r\t\x00\x1f", "é😀", "\xff"} {
		out := AppendString(nil, in)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: %v", in, out, err)
		}
		if want := string([]rune(in)); back != want && in != "\xff" {
			t.Errorf("AppendString(%q) read back as %q", in, back)
		}
	}
}

func TestKeys(t *testing.T) {
	keys := NewKeys("a", "bb", "c")
	var got []string
	s := Scanner{B: []byte(`{"a":1,"x":2,"\u0062b":3,"c":4,"a":5}`)}
	err := s.ObjectKeys(keys, func(key []byte, _ int) error {
		got = append(got, string(key))
		return s.Skip()
	})
	if err != nil || strings.Join(got, ",") != "a,x,bb,c,a" {
		t.Fatalf("names %v, %v", got, err)
	}
	s = Scanner{B: []byte(`{"ab":1}`)}
	_ = s.ObjectKeys(keys, func(key []byte, _ int) error {
		if string(key) != "ab" {
			t.Fatalf("a prefix matched: %q", key)
		}
		return s.Skip()
	})
}

// FuzzNumberFloat checks NumberFloat against Number, then Float, and strconv.
func FuzzNumberFloat(f *testing.F) {
	for _, s := range []string{"0", "-0", "1.5", "2540.100098", "0.000001", "1e400", "-1E-3", "12345678901234567890", "01", "1.", "-", "1e", "333.87900637,"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, c := Scanner{B: b}, Scanner{B: b}
		v, span, ok, err := a.NumberFloat()
		wspan, _, wok := c.Number()
		if ok != wok || a.I != c.I || string(span) != string(wspan) {
			t.Fatalf("%q: NumberFloat %q %v at %d, Number %q %v at %d", b, span, ok, a.I, wspan, wok, c.I)
		}
		if !ok {
			return
		}
		w, werr := Float(wspan)
		if (err == nil) != (werr == nil) || (v != w && !(v != v && w != w)) {
			t.Fatalf("%q: NumberFloat %v %v, Float %v %v", b, v, err, w, werr)
		}
		if x, perr := strconv.ParseFloat(string(span), 64); perr == nil && x != v {
			t.Fatalf("%q: NumberFloat %v, strconv %v", b, v, x)
		}
	})
}
