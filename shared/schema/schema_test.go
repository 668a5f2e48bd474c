package schema

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, def string
		want      string // the schema rendered, or the error's mention
		bad       bool
	}{
		{name: "default", def: Default, want: Default},
		{name: "empty", def: " ", want: ""},
		{name: "spaces", def: " a : string , b_2:bigint", want: "a:string,b_2:bigint"},
		{name: "retired", def: "a:string,-b:double", want: "a:string,-b:double"},
		{name: "json", def: `[{"name":"venue","type":"string"},{"name":"seq","type":"bigint"}]`, want: "venue:string,seq:bigint"},
		{name: "upper case", def: "Venue:string", want: `"Venue"`, bad: true},
		{name: "leading digit", def: "1x:string", want: `"1x"`, bad: true},
		{name: "hyphen", def: "a-b:string", want: `"a-b"`, bad: true},
		{name: "contract column", def: "price:double", want: `"price"`, bad: true},
		{name: "partition key", def: "dt:string", want: `"dt"`, bad: true},
		{name: "extra", def: "extra:string", want: `"extra"`, bad: true},
		{name: "bad type", def: "a:int", want: `type "int"`, bad: true},
		{name: "no type", def: "a", want: `"a" is not name:type`, bad: true},
		{name: "twice", def: "a:string,a:double", want: `"a" is declared twice`, bad: true},
		{name: "bad json", def: `[{"name":1}]`, want: "JSON", bad: true},
		{name: "two problems", def: "A:string,b:float", want: `"A"`, bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.def)
			if tc.bad {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one mentioning %s", err, tc.want)
				}
				return
			}
			if err != nil || s.String() != tc.want {
				t.Fatalf("got %q, %v; want %q", s.String(), err, tc.want)
			}
		})
	}
	if s, _ := Parse("a:string,-b:double,c:date"); s.Written().String() != "a:string,c:date" {
		t.Fatalf("written %s", s.Written())
	}
	if s := MustDefault(); s.Index("seq") != len(s)-1 || s.Index("nope") != -1 {
		t.Fatal("Index")
	}
}
