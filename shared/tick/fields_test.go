package tick

import (
	"testing"

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
