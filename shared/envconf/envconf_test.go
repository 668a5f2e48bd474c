package envconf

import (
	"strings"
	"testing"
)

func TestReader(t *testing.T) {
	r := FromMap(map[string]string{"S": " v ", "N": "7", "BAD_N": "x", "L": "a, b,,c", "O": "two", "U": "18446744073709551615", "E": ""})
	if r.String("S", "d") != "v" || r.String("E", "d") != "d" || r.String("MISSING", "d") != "d" {
		t.Fatal("String")
	}
	if r.Int("N", 1, 0, 10) != 7 || r.Int("MISSING", 3, 0, 10) != 3 {
		t.Fatal("Int")
	}
	if got := r.List("L"); strings.Join(got, "|") != "a|b|c" {
		t.Fatalf("List = %v", got)
	}
	if r.Uint("U", 0) != 18446744073709551615 {
		t.Fatal("Uint")
	}
	if r.Err() != nil {
		t.Fatalf("Err = %v", r.Err())
	}
	r.Int("BAD_N", 1, 0, 10)
	r.Int("N", 1, 8, 10)
	r.OneOf("O", "one", "one", "three")
	r.Required("MISSING")
	err := r.Err()
	for _, want := range []string{`BAD_N="x"`, `N="7": want an integer from 8 to 10`, `O="two": want one of one, three`, "MISSING is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Err = %v, want it to say %s", err, want)
		}
	}
}
