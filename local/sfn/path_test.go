package sfn

import (
	"encoding/json"
	"testing"
)

// TestIndefinitePaths checks [*] and filter paths against the results JSONPath gives (Goessner's
// examples' semantics): an array of the matches, empty when none.
func TestIndefinitePaths(t *testing.T) {
	var data any
	_ = json.Unmarshal([]byte(`{"results":[{"hour":"a","failed":false,"n":1},{"hour":"b","failed":true,"n":2},
		{"hour":"c","failed":true,"n":3,"x":{"y":"z"}},{"hour":"d"}]}`), &data)
	for _, tc := range []struct{ path, want string }{
		{"$.results[?(@.failed == true)].hour", `["b","c"]`},
		{"$.results[?(@.failed == false)].hour", `["a"]`},
		{"$.results[?(@.failed)].hour", `["b","c"]`},
		{"$.results[?(@.n > 1)].n", `[2,3]`},
		{"$.results[?(@.n <= 1)].hour", `["a"]`},
		{"$.results[?(@.hour == 'd')].hour", `["d"]`},
		{"$.results[?(@.hour != 'd')].hour", `["a","b","c"]`},
		{"$.results[?(@.x.y == 'z')].hour", `["c"]`},
		{"$.results[*].hour", `["a","b","c","d"]`},
		{"$.results[?(@.failed == 1)]", `[]`},
		{"$.results[?(@.nope == true)]", `[]`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, err := get(tc.path, data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(got); string(b) != tc.want {
				t.Errorf("%s: %s, want %s", tc.path, b, tc.want)
			}
		})
	}
	if _, err := get("$.results[?(failed)]", data, nil); err == nil {
		t.Error("a filter without @ was accepted")
	}
}
