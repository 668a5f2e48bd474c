package kafkaevent

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestRawLineBreakInBase64Rejected(t *testing.T) {
	for _, v := range []string{"QU\nFQTA==", "QUFQTA==\n", "QUFQ\r\nTA=="} {
		payload := `{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1,"value":"` + v + `"}]}}`
		if json.Valid([]byte(payload)) {
			t.Fatalf("%q: the test expects invalid JSON", v)
		}
		if _, err := Parse([]byte(payload)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse(value %q) = %v, want ErrMalformed", v, err)
		}
	}
}

// sdkView is an event as encoding/json and aws-lambda-go's events.KafkaEvent read it, with keys and
// values decoded by encoding/base64; ok is false when either rejects the payload.
func sdkView(payload []byte) (recs map[string][]Record, ok bool) {
	// encoding/json matches member names without regard to case; keep the exact names only, so
	// that the struct reads what an exact reader reads.
	var generic struct {
		Records map[string][]map[string]json.RawMessage `json:"records"`
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(payload, &top); err != nil {
		return nil, false
	}
	if err := json.Unmarshal([]byte(`{"records":`+string(orNull(top["records"]))+`}`), &generic); err != nil {
		return nil, false
	}
	exact := map[string]bool{"topic": true, "partition": true, "offset": true, "timestamp": true,
		"timestampType": true, "key": true, "value": true, "headers": true}
	for _, list := range generic.Records {
		for _, r := range list {
			for k := range r {
				if !exact[k] {
					delete(r, k)
				}
			}
		}
	}
	exactPayload, err := json.Marshal(generic)
	if err != nil {
		return nil, false
	}
	var ev events.KafkaEvent
	if err := json.Unmarshal(exactPayload, &ev); err != nil {
		return nil, false
	}
	out := map[string][]Record{}
	for k, list := range ev.Records {
		for _, r := range list {
			rec := Record{Topic: r.Topic, Partition: int32(r.Partition), Offset: r.Offset,
				Timestamp: r.Timestamp.UnixMilli(), TimestampType: r.TimestampType}
			if r.Timestamp.IsZero() { // absent
				rec.Timestamp = 0
			}
			var err error
			if rec.Key, err = base64.StdEncoding.Strict().DecodeString(r.Key); err != nil {
				return nil, false
			}
			if rec.Value, err = base64.StdEncoding.Strict().DecodeString(r.Value); err != nil {
				return nil, false
			}
			for _, h := range r.Headers {
				for hk, hv := range h {
					rec.Headers = append(rec.Headers, Header{Key: hk, Value: []byte(hv)})
				}
			}
			out[k] = append(out[k], rec)
		}
	}
	return out, true
}

// orNull is b, or the JSON null when b is absent.
func orNull(b []byte) []byte {
	if b == nil {
		return []byte("null")
	}
	return b
}

// sameRecords compares the non-empty record lists of two views, whatever their keys.
func sameRecords(a, b map[string][]Record) bool {
	canon := func(m map[string][]Record) []string {
		var out []string
		for _, list := range m {
			if len(list) == 0 {
				continue
			}
			var sb strings.Builder
			for _, r := range list {
				fmt.Fprintf(&sb, "%s|%d|%d|%d|%s|%x|%x|%v\n", r.Topic, r.Partition, r.Offset, r.Timestamp, r.TimestampType,
					r.Key, r.Value, len(r.Headers))
				for _, h := range r.Headers {
					fmt.Fprintf(&sb, "  %q=%x\n", h.Key, h.Value)
				}
			}
			out = append(out, sb.String())
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(canon(a), canon(b))
}

// FuzzParse checks Parse against independent readers: whatever it accepts is valid JSON
// (json.Valid), and encoding/json with aws-lambda-go's events.KafkaEvent reads the same records from
// it; what it writes back with Append parses to the same event.
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("../../events/consumer.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte(`{"eventSource":"aws:kafka","records":{}}`))
	f.Add([]byte(`{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1,"timestamp":5,"timestampType":"CREATE_TIME","key":"QQ==","value":"QUFQTA==","headers":[{"h":[1,-2]}]}]}}`))
	f.Add([]byte(`{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1,"value":"QU\nFQTA=="}]}}`))
	f.Add([]byte(`{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1,"value":null,"key":""}]}}`))
	// Records after the first take the fast reader when written as the event-source mapping writes
	// them; each of these second records departs from that in one way.
	first := `{"topic":"t","partition":3,"offset":7,"timestamp":1795617000000,"timestampType":"CREATE_TIME","key":"QQ==","value":"QUFQTA==","headers":[]}`
	for _, second := range []string{
		`{"topic":"t","partition":3,"offset":8,"timestamp":1795617000001,"timestampType":"CREATE_TIME","key":"Qg==","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1795617000001,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1795617000001,"timestampType":"CREATE_TIME","key":null,"value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1795617000001,"timestampType":"CREATE_TIME","key":"Qg==","value":null,"headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":-1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":08,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":1234567890123456789,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":2147483648,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"LOG_APPEND_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[{"h":[1]}]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[],"extra":1}`,
		`{"topic":"\u0074","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t", "partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QU\/=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QR==","headers":[]}`,
		`{"topic":"u","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","headers":[]}`,
		`{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"QUI=","value":"QQ==","headers":[]}`,
	} {
		f.Add([]byte(`{"eventSource":"aws:kafka","records":{"t-3":[` + first + `,` + second + `,` + first + `]}}`))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := Parse(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error %v is not ErrMalformed", err)
			}
			return
		}
		if !json.Valid(payload) {
			t.Fatalf("Parse accepted invalid JSON %q", payload)
		}
		want, ok := sdkView(payload)
		if !ok {
			t.Fatalf("Parse accepted %q, which encoding/json and events.KafkaEvent reject", payload)
		}
		if got := byKey(ev); !sameRecords(got, want) {
			t.Fatalf("Parse(%q) = %+v, events.KafkaEvent reads %+v", payload, got, want)
		}
		again, err := Parse(Append(nil, ev))
		if err != nil || !sameRecords(byKey(again), byKey(ev)) {
			t.Fatalf("Append then Parse: %v", err)
		}
	})
}

// TestEscapedBase64 reads base64 strings written with JSON escapes (\/, \u0051, an escaped line break,
// which encoding/base64 skips) as encoding/json and encoding/base64 read them, on the first record
// and on later ones (which the one-pass reader hands to the general one); what they reject, it
// rejects.
func TestEscapedBase64(t *testing.T) {
	first := `{"topic":"t","partition":3,"offset":7,"timestamp":1,"timestampType":"CREATE_TIME","key":"QQ==","value":"QUFQTA==","headers":[]}`
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{`\/\/\/\/`, true},
		{`\u0051UI=`, true},
		{`QQ\u003d\u003d`, true},
		{`QUFQ\nTA==`, true},
		{`QUFQ\r\nTA==`, true},
		{`QU\"I=`, false},
		{`QR\u003d\u003d`, false}, // padding bits set
		{`QUI\u0000`, false},
		{`QUI\t`, false},
	} {
		for _, payload := range []string{
			`{"eventSource":"aws:kafka","records":{"t-3":[{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","value":"` + tc.value + `","headers":[]}]}}`,
			`{"eventSource":"aws:kafka","records":{"t-3":[` + first + `,{"topic":"t","partition":3,"offset":8,"timestamp":1,"timestampType":"CREATE_TIME","key":"` + tc.value + `","value":"QUI=","headers":[]}]}}`,
		} {
			want, wantOK := sdkView([]byte(payload))
			if wantOK != tc.ok {
				t.Fatalf("%s: the oracle reads it %v, the test expects %v", tc.value, wantOK, tc.ok)
			}
			ev, err := Parse([]byte(payload))
			if (err == nil) != tc.ok {
				t.Errorf("Parse(%s): %v, want ok %v", payload, err, tc.ok)
				continue
			}
			if err == nil && !sameRecords(byKey(ev), want) {
				t.Errorf("Parse(%s) = %+v, encoding/json reads %+v", payload, byKey(ev), want)
			}
		}
	}
}

// TestHeaderBytesSigned: header bytes are written as signed integers (-128 to 127), as
// events.KafkaEvent reads them; what it refuses, Parse refuses.
func TestHeaderBytesSigned(t *testing.T) {
	for _, tc := range []struct {
		bytes string
		ok    bool
	}{{"1,-2,-128,127", true}, {"200", false}, {"128", false}, {"-129", false}} {
		payload := []byte(`{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1,"timestamp":1,"timestampType":"CREATE_TIME","value":"QQ==","headers":[{"h":[` + tc.bytes + `]}]}]}}`)
		if _, ok := sdkView(payload); ok != tc.ok {
			t.Fatalf("%s: the oracle reads it %v, the test expects %v", tc.bytes, ok, tc.ok)
		}
		if _, err := Parse(payload); (err == nil) != tc.ok {
			t.Errorf("header bytes [%s]: Parse error %v, want ok %v", tc.bytes, err, tc.ok)
		}
	}
}

// TestRecordsKeyNamesItsRecords: the records object's key is its records' topic and partition, as
// the event-source mapping writes it; an event whose key names other records is refused, so that
// one topic-partition is not split over two keys.
func TestRecordsKeyNamesItsRecords(t *testing.T) {
	rec := `{"topic":"a-b","partition":1,"offset":1,"timestamp":1,"timestampType":"CREATE_TIME","value":"QQ==","headers":[]}`
	for _, tc := range []struct {
		key string
		ok  bool
	}{{"a-b-1", true}, {"a-b-2", false}, {"ab-1", false}, {"a\\u002db-1", true}, {"x", false}} {
		payload := []byte(`{"eventSource":"aws:kafka","records":{"` + tc.key + `":[` + rec + `]}}`)
		if _, err := Parse(payload); (err == nil) != tc.ok {
			t.Errorf("records key %s: Parse error %v, want ok %v", tc.key, err, tc.ok)
		}
	}
}
