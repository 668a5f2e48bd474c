package tick

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/shared/schema"
)

func TestDecodeValid(t *testing.T) {
	ts := time.Date(2026, 11, 25, 14, 30, 5, 123456000, time.UTC).UnixMicro()
	cases := []struct {
		name  string
		value string
		want  Tick
	}{
		{"full", `{"symbol":"AAPL","ts":"2026-11-25T14:30:05.123456Z","price":189.25,"size":300,"bid":189.24,"ask":189.26}`,
			Tick{Symbol: "AAPL", TS: ts, Price: 189.25, Size: 300, Bid: 189.24, Ask: 189.26, HasBid: true, HasAsk: true}},
		{"minimal", `{"symbol":"^GSPC","ts":"2026-11-25T14:30:05.123456Z","price":1}`,
			Tick{Symbol: "^GSPC", TS: ts, Price: 1}},
		{"white space and order", " {\n\t\"price\" : 2.5e1 , \"ts\":\"2026-11-25t14:30:05.123456789z\",\"symbol\":\"000001.SS\" } \r\n",
			Tick{Symbol: "000001.SS", TS: ts, Price: 25}},
		{"offset", `{"symbol":"X","ts":"2026-11-25T16:00:05.123456+01:29","price":1}`,
			Tick{Symbol: "X", TS: ts + 1*60e6, Price: 1}},
		{"negative offset", `{"symbol":"X","ts":"2026-11-25T09:30:05.123456-05:00","price":1}`,
			Tick{Symbol: "X", TS: ts, Price: 1}},
		{"no fraction", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":1}`,
			Tick{Symbol: "X", TS: ts - 123456, Price: 1}},
		{"nulls for optional fields", `{"symbol":"X","ts":"2026-11-25T14:30:05.123456Z","price":1,"size":null,"bid":null,"ask":null}`,
			Tick{Symbol: "X", TS: ts, Price: 1}},
		{"integral size as float", `{"symbol":"X","ts":"2026-11-25T14:30:05.123456Z","price":1,"size":1.5e3}`,
			Tick{Symbol: "X", TS: ts, Price: 1, Size: 1500}},
		{"bid equals ask", `{"symbol":"X","ts":"2026-11-25T14:30:05.123456Z","price":1,"bid":1,"ask":1}`,
			Tick{Symbol: "X", TS: ts, Price: 1, Bid: 1, Ask: 1, HasBid: true, HasAsk: true}},
		{"escaped symbol", `{"symbol":"\u0041B","ts":"2026-11-25T14:30:05.123456Z","price":1}`,
			Tick{Symbol: "AB", TS: ts, Price: 1}},
		{"extra fields kept", `{"symbol":"HSI","ts":"2026-11-25T14:30:05.123456Z","price":1,"date":"1986-12-31","open":2568.3, "nested":{"a":[1,true,null,"é"]}}`,
			Tick{Symbol: "HSI", TS: ts, Price: 1, Extra: []byte(`{"date":"1986-12-31","open":2568.3,"nested":{"a":[1,true,null,"é"]}}`)}},
		{"leap day", `{"symbol":"X","ts":"2024-02-29T00:00:00Z","price":1}`,
			Tick{Symbol: "X", TS: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC).UnixMicro(), Price: 1}},
		{"before the epoch", `{"symbol":"NYA","ts":"1965-12-31T23:59:59.5Z","price":528.69}`,
			Tick{Symbol: "NYA", TS: time.Date(1965, 12, 31, 23, 59, 59, 5e8, time.UTC).UnixMicro(), Price: 528.69}},
	}
	d := NewDecoder()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Tick
			if err := d.Decode([]byte(tc.value), &got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			assertTick(t, got, tc.want)
		})
	}
}

func assertTick(t *testing.T, got, want Tick) {
	t.Helper()
	gotExtra, wantExtra := string(got.Extra), string(want.Extra)
	got.Extra, want.Extra = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tick = %+v, want %+v", got, want)
	}
	if gotExtra != wantExtra {
		t.Errorf("extra = %s, want %s", gotExtra, wantExtra)
	}
}

func TestDecodeRejects(t *testing.T) {
	const ok = `"ts":"2026-11-25T14:30:05Z","price":1`
	cases := []struct {
		name  string
		value string
		code  Code
		field string
	}{
		{"empty", ``, CodeEmpty, ""},
		{"oversize", `{"symbol":"X",` + ok + `,"pad":"` + strings.Repeat("x", MaxValueBytes) + `"}`, CodeOversize, ""},
		{"invalid utf-8", "{\"symbol\":\"X\"," + ok + ",\"n\":\"\xff\xfe\"}", CodeInvalidUTF8, ""},
		{"not an object", `[1,2]`, CodeMalformedJSON, ""},
		{"truncated", `{"symbol":"X",` + ok, CodeMalformedJSON, ""},
		{"trailing data", `{"symbol":"X",` + ok + `}{}`, CodeMalformedJSON, ""},
		{"trailing comma", `{"symbol":"X",` + ok + `,}`, CodeMalformedJSON, ""},
		{"single quotes", `{'symbol':'X'}`, CodeMalformedJSON, ""},
		{"bad escape", `{"symbol":"X",` + ok + `,"e":"\q"}`, CodeMalformedJSON, ""},
		{"control character", "{\"symbol\":\"X\"," + ok + ",\"e\":\"a\tb\"}", CodeMalformedJSON, ""},
		{"NaN literal", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":NaN}`, CodeMalformedJSON, ""},
		{"leading zero", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":01}`, CodeMalformedJSON, ""},
		{"too deep", `{"symbol":"X",` + ok + `,"d":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, CodeOversize, ""},
		{"missing symbol", `{` + ok + `}`, CodeMissingField, FieldSymbol},
		{"missing ts", `{"symbol":"X","price":1}`, CodeMissingField, FieldTS},
		{"missing price", `{"symbol":"X","ts":"2026-11-25T14:30:05Z"}`, CodeMissingField, FieldPrice},
		{"null price", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":null}`, CodeMissingField, FieldPrice},
		{"null symbol", `{"symbol":null,` + ok + `}`, CodeMissingField, FieldSymbol},
		{"price as string", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":"1.5"}`, CodeWrongType, FieldPrice},
		{"symbol as number", `{"symbol":7,` + ok + `}`, CodeWrongType, FieldSymbol},
		{"ts as number", `{"symbol":"X","ts":1764081005,"price":1}`, CodeWrongType, FieldTS},
		{"size as bool", `{"symbol":"X",` + ok + `,"size":true}`, CodeWrongType, FieldSize},
		{"bid as object", `{"symbol":"X",` + ok + `,"bid":{}}`, CodeWrongType, FieldBid},
		{"zero price", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":0}`, CodeInvalidValue, FieldPrice},
		{"negative price", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":-3.5}`, CodeInvalidValue, FieldPrice},
		{"infinite price", `{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":1e400}`, CodeInvalidValue, FieldPrice},
		{"negative size", `{"symbol":"X",` + ok + `,"size":-1}`, CodeInvalidValue, FieldSize},
		{"fractional size", `{"symbol":"X",` + ok + `,"size":1.5}`, CodeInvalidValue, FieldSize},
		{"huge size", `{"symbol":"X",` + ok + `,"size":99999999999999999999999}`, CodeInvalidValue, FieldSize},
		{"negative bid", `{"symbol":"X",` + ok + `,"bid":-1}`, CodeInvalidValue, FieldBid},
		{"bid above ask", `{"symbol":"X",` + ok + `,"bid":2,"ask":1}`, CodeInvalidValue, FieldBid},
		{"lower-case symbol", `{"symbol":"aapl",` + ok + `}`, CodeInvalidValue, FieldSymbol},
		{"empty symbol", `{"symbol":"",` + ok + `}`, CodeInvalidValue, FieldSymbol},
		{"symbol with space", `{"symbol":"BRK B",` + ok + `}`, CodeInvalidValue, FieldSymbol},
		{"long symbol", `{"symbol":"ABCDEFGHIJKLMNOPQ",` + ok + `}`, CodeOversize, FieldSymbol},
		{"ts without zone", `{"symbol":"X","ts":"2026-11-25T14:30:05","price":1}`, CodeInvalidValue, FieldTS},
		{"ts with space", `{"symbol":"X","ts":"2026-11-25 14:30:05Z","price":1}`, CodeInvalidValue, FieldTS},
		{"ts impossible date", `{"symbol":"X","ts":"2026-02-30T14:30:05Z","price":1}`, CodeInvalidValue, FieldTS},
		{"ts hour 24", `{"symbol":"X","ts":"2026-11-25T24:00:00Z","price":1}`, CodeInvalidValue, FieldTS},
		{"ts empty fraction", `{"symbol":"X","ts":"2026-11-25T14:30:05.Z","price":1}`, CodeInvalidValue, FieldTS},
		{"ts unix text", `{"symbol":"X","ts":"1764081005","price":1}`, CodeInvalidValue, FieldTS},
		{"duplicate price", `{"symbol":"X",` + ok + `,"price":2}`, CodeDuplicateKey, FieldPrice},
	}
	d := NewDecoder()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Tick
			err := d.Decode([]byte(tc.value), &got)
			te, isTick := AsError(err)
			if !isTick {
				t.Fatalf("Decode(%.60q) = %v, want a contract error %s", tc.value, err, tc.code)
			}
			if te.Code != tc.code || te.Field != tc.field {
				t.Fatalf("Decode(%.60q) = %q, want code %s field %q", tc.value, te.Reason(), tc.code, tc.field)
			}
			if te.Detail == "" {
				t.Fatalf("error %q has no detail", te.Reason())
			}
		})
	}
}

func TestAppendJSONRoundTrip(t *testing.T) {
	in := Tick{Symbol: "MSFT", TS: time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC).UnixMicro(),
		Price: 421.07, Size: 1200, Bid: 421.06, Ask: 421.08, HasBid: true, HasAsk: true,
		Extra: []byte(` { "venue" : "XNAS" } `)}
	b := AppendJSON(nil, &in)
	if !json.Valid(b) {
		t.Fatalf("not JSON: %s", b)
	}
	want := `{"symbol":"MSFT","ts":"2026-01-02T03:04:05.678901Z","price":421.07,"size":1200,"bid":421.06,"ask":421.08,"venue" : "XNAS"}`
	if string(b) != want {
		t.Fatalf("AppendJSON = %s\nwant %s", b, want)
	}
	var out Tick
	if err := NewDecoder().Decode(b, &out); err != nil {
		t.Fatal(err)
	}
	in.Extra = []byte(`{"venue" : "XNAS"}`)
	assertTick(t, out, in)
}

func TestAppendNumber(t *testing.T) {
	for v, want := range map[float64]string{1: "1", 0.01: "0.01", 1e21: "1e+21", 1e-7: "1e-07", 0: "0", 123456789.5: "123456789.5"} {
		if got := string(appendNumber(nil, v)); got != want {
			t.Errorf("appendNumber(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestParseRFC3339AgreesWithTime(t *testing.T) {
	for _, s := range []string{
		"1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "2000-02-29T12:00:00+14:00",
		"1900-03-01T00:00:00.1-23:59", "2026-11-25T14:30:05.000001Z",
	} {
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := ParseRFC3339Micros([]byte(s))
		if !ok || got != want.UnixMicro() {
			t.Errorf("ParseRFC3339Micros(%s) = %d %v, want %d", s, got, ok, want.UnixMicro())
		}
	}
}

// FuzzDecode checks that Decode never panics, accepts only valid JSON, and that what it accepts
// survives a round trip through AppendJSON.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"symbol":"AAPL","ts":"2026-11-25T14:30:05.123456Z","price":189.25,"size":300,"bid":189.24,"ask":189.26}`,
		`{"symbol":"HSI","ts":"2026-11-25T14:30:05Z","price":1,"date":"1986-12-31","volume":null}`,
		`{"symbol":"X","ts":"2026-11-25T14:30:05+05:30","price":1e2,"x":[{"y":"\u00e9\ud83d\ude00"}]}`,
		`{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":-1}`,
		`{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":1,"bid":3,"ask":2}`,
		`[]`, `{`, `{"symbol":"\ud800"}`, "\xff", ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		d := NewDecoder()
		var tk Tick
		err := d.Decode(value, &tk)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Decode returned %T %v, want *Error", err, err)
			}
			return
		}
		if !json.Valid(value) {
			t.Fatalf("Decode accepted invalid JSON %q", value)
		}
		if !ValidSymbol(tk.Symbol) || !(tk.Price > 0) || math.IsInf(tk.Price, 0) || tk.Size < 0 {
			t.Fatalf("Decode accepted a tick that breaks the contract: %+v", tk)
		}
		var again Tick
		if err := d.Decode(AppendJSON(nil, &tk), &again); err != nil {
			t.Fatalf("round trip of %q: %v", value, err)
		}
		if again.Symbol != tk.Symbol || again.TS != tk.TS || again.Price != tk.Price || again.Size != tk.Size ||
			again.Bid != tk.Bid || again.Ask != tk.Ask {
			t.Fatalf("round trip changed %+v into %+v", tk, again)
		}
	})
}

// TestMinuteCacheAgrees checks the decoder's cached parse of timestamps against ParseRFC3339Micros,
// on runs of timestamps that share their minute, valid and not.
func TestMinuteCacheAgrees(t *testing.T) {
	var c minuteCache
	for _, s := range []string{
		"2026-11-25T14:30:00.002000Z", "2026-11-25T14:30:59.999999Z", "2026-11-25T14:30:60Z", "2026-11-25T14:30:07+01:00",
		"2026-11-25T14:30:07.1-23:59", "2026-11-25T14:30:07.Z", "2026-11-25T14:30:07", "2026-11-25T14:31:00Z",
		"2026-11-25t14:31:00Z", "2026-02-29T14:31:00Z", "2026-11-25T14:31:0aZ", "2024-02-29T00:00:00Z", "2024-02-29T00:00:01.5Z",
		"2026-11-25T14:31", "2026-11-25T14:31:00Z", "2026-11-25 14:31:00Z", "2026-11-25T14:31:00.1234567891Z",
	} {
		got, ok := c.parse([]byte(s))
		want, wantOK := ParseRFC3339Micros([]byte(s))
		if got != want || ok != wantOK {
			t.Errorf("%s: cached parse = %d %v, want %d %v", s, got, ok, want, wantOK)
		}
	}
}

// TestInternBounded: a feed of ever new symbols and string values (an identifier, a bad producer)
// does not grow the decoder's interned strings without bound over a warm function's life; the
// values still decode.
func TestInternBounded(t *testing.T) {
	fields, err := schema.Parse("trade_id:string")
	if err != nil {
		t.Fatal(err)
	}
	d := NewSchemaDecoder(fields)
	var tk Tick
	for i := range 3 * maxInterned {
		sym := fmt.Sprintf("S%d", i)
		v := fmt.Sprintf(`{"symbol":%q,"ts":"2026-11-25T14:30:00Z","price":1,"size":1,"trade_id":"T%d"}`, sym, i)
		tk.Fields = make([]Value, 1)
		if err := d.Decode([]byte(v), &tk); err != nil {
			t.Fatal(err)
		}
		if tk.Symbol != sym || tk.Fields[0].S != fmt.Sprintf("T%d", i) {
			t.Fatalf("decoded %q %q", tk.Symbol, tk.Fields[0].S)
		}
	}
	if len(d.symbols) > maxInterned || len(d.interned[0]) > maxInterned {
		t.Errorf("%d symbols and %d values interned, want at most %d each", len(d.symbols), len(d.interned[0]), maxInterned)
	}
}
