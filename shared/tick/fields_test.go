package tick

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/ticklake/ticklake/shared/schema"
)

func TestDeclaredFields(t *testing.T) {
	fields, err := schema.Parse("venue:string,seq:bigint,open:double,halted:boolean,date:date,exch_ts:timestamp")
	if err != nil {
		t.Fatal(err)
	}
	const head = `{"symbol":"HSI","ts":"2026-11-25T14:30:00Z","price":1.5`
	cases := []struct {
		name, members string
		code          Code
		field         string
		want          []Value
		extra         string
	}{
		{name: "all set", members: `,"venue":"X\u004eAS","seq":-42,"open":2568.300049,"halted":true,"date":"1986-12-31","exch_ts":"2026-11-25T14:30:00.5+01:00","other":[1]`,
			want: []Value{{Valid: true, S: "XNAS"}, {Valid: true, I: -42}, {Valid: true, F: 2568.300049}, {Valid: true, I: 1},
				{Valid: true, I: 6208}, {Valid: true, I: 1795613400500000}}, extra: `{"other":[1]}`},
		{name: "null and absent", members: `,"venue":null,"halted":false`,
			want: []Value{{}, {}, {}, {Valid: true}, {}, {}}},
		{name: "integral bigint with a fraction", members: `,"seq":12.0`, want: []Value{{}, {Valid: true, I: 12}, {}, {}, {}, {}}},
		{name: "string for a number", members: `,"open":"1.5"`, code: CodeWrongType, field: "open"},
		{name: "number for a string", members: `,"venue":7`, code: CodeWrongType, field: "venue"},
		{name: "fraction for a bigint", members: `,"seq":1.5`, code: CodeWrongType, field: "seq"},
		{name: "bigint out of range", members: `,"seq":9223372036854775808`, code: CodeWrongType, field: "seq"},
		{name: "double out of range", members: `,"open":1e400`, code: CodeWrongType, field: "open"},
		{name: "bad date", members: `,"date":"1986-02-30"`, code: CodeWrongType, field: "date"},
		{name: "bad timestamp", members: `,"exch_ts":"yesterday"`, code: CodeWrongType, field: "exch_ts"},
		{name: "number for a boolean", members: `,"halted":1`, code: CodeWrongType, field: "halted"},
		{name: "duplicate", members: `,"seq":1,"seq":2`, code: CodeDuplicateKey, field: "seq"},
		{name: "malformed", members: `,"venue":"XNAS`, code: CodeMalformedJSON},
	}
	d := NewSchemaDecoder(fields)
	var tk Tick
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := d.Decode([]byte(head+tc.members+"}"), &tk)
			if tc.code != "" {
				te, ok := AsError(err)
				if !ok || te.Code != tc.code || te.Field != tc.field {
					t.Fatalf("error %v, want %s on %q", err, tc.code, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(tk.Fields) != len(tc.want) {
				t.Fatalf("%d fields, want %d", len(tk.Fields), len(tc.want))
			}
			for i := range tc.want {
				if tk.Fields[i] != tc.want[i] {
					t.Errorf("%s = %+v, want %+v", fields[i].Name, tk.Fields[i], tc.want[i])
				}
			}
			if string(tk.Extra) != tc.extra {
				t.Errorf("extra %s, want %s", tk.Extra, tc.extra)
			}
		})
	}
}

func TestDeclaredFieldsAllocate(t *testing.T) {
	fields := schema.MustDefault()
	d := NewSchemaDecoder(fields)
	v := []byte(`{"symbol":"HSI","ts":"2026-11-25T14:30:00Z","price":1.5,"size":0,"index":"HSI","date":"1986-12-31","open":2568.3,"high":2568.3,"low":2568.3,"close":2568.3,"adj_close":2568.3,"volume":0.0,"close_usd":333.879,"venue":"XHKG","seq":1}`)
	var tk Tick
	if err := d.Decode(v, &tk); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = d.Decode(v, &tk) }); n != 0 {
		t.Fatalf("Decode allocates %.0f times a tick", n)
	}
}

// FuzzDecodeFields checks the declared fields against encoding/json: whatever the decoder accepts,
// encoding/json reads the same values.
func FuzzDecodeFields(f *testing.F) {
	for _, s := range []string{
		`{"symbol":"HSI","ts":"2026-11-25T14:30:00Z","price":1.5,"venue":"XNAS","seq":42,"open":2568.3,"halted":true,"date":"1986-12-31","exch_ts":"2026-11-25T14:30:00.5+01:00"}`,
		`{"symbol":"HSI","ts":"2026-11-25T14:30:00Z","price":1.5,"venue":"\u00e9\n","seq":-1e3,"open":-0,"halted":null,"date":null}`,
		`{"symbol":"HSI","ts":"2026-11-25T14:30:00Z","price":1.5,"seq":9223372036854775807,"other":{"seq":"x"}}`,
		`{"symbol":"HSI","ts":"2026-11-25T14:30:00Z","price":1.5,"seq":"1"}`,
	} {
		f.Add([]byte(s))
	}
	fields := schema.Schema{{Name: "venue", Type: schema.String}, {Name: "seq", Type: schema.BigInt}, {Name: "open", Type: schema.Double},
		{Name: "halted", Type: schema.Boolean}, {Name: "date", Type: schema.Date}, {Name: "exch_ts", Type: schema.Timestamp}}
	f.Fuzz(func(t *testing.T, value []byte) {
		var tk Tick
		if err := NewSchemaDecoder(fields).Decode(value, &tk); err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(value))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("encoding/json rejects %q: %v", value, err)
		}
		for i, fd := range fields {
			v, got := m[fd.Name], tk.Fields[i]
			if v == nil {
				if got.Valid {
					t.Fatalf("%s: %+v, encoding/json reads null or nothing", fd.Name, got)
				}
				continue
			}
			ok := got.Valid
			switch fd.Type {
			case schema.String:
				ok = ok && v == got.S
			case schema.BigInt:
				n, err := v.(json.Number).Int64()
				if err != nil {
					f, _ := v.(json.Number).Float64()
					n = int64(f)
				}
				ok = ok && n == got.I
			case schema.Double:
				x, err := v.(json.Number).Float64()
				ok = ok && err == nil && x == got.F
			case schema.Boolean:
				ok = ok && v == (got.I == 1)
			case schema.Date:
				d, err := time.Parse(time.DateOnly, v.(string))
				ok = ok && err == nil && d.Unix()/86400 == got.I
			case schema.Timestamp:
				ts, err := time.Parse(time.RFC3339Nano, v.(string))
				ok = ok && err == nil && ts.UnixMicro() == got.I
			}
			if !ok {
				t.Fatalf("%s: %+v, encoding/json reads %v", fd.Name, got, v)
			}
		}
	})
}
