package kafkaevent

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// fromSDK converts the aws-lambda-go view of an event, decoded by encoding/json, into ours: the
// reference that Parse must agree with.
func fromSDK(t *testing.T, payload []byte) map[string][]Record {
	t.Helper()
	var ev events.KafkaEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	out := map[string][]Record{}
	for k, recs := range ev.Records {
		for _, r := range recs {
			rec := Record{Topic: r.Topic, Partition: int32(r.Partition), Offset: r.Offset,
				Timestamp: r.Timestamp.UnixMilli(), TimestampType: r.TimestampType}
			if r.Key != "" {
				rec.Key, _ = base64.StdEncoding.DecodeString(r.Key)
			}
			if r.Value != "" {
				rec.Value, _ = base64.StdEncoding.DecodeString(r.Value)
			}
			for _, h := range r.Headers {
				for hk, hv := range h {
					rec.Headers = append(rec.Headers, Header{Key: hk, Value: []byte(hv)})
				}
			}
			out[k] = append(out[k], rec)
		}
	}
	return out
}

func byKey(ev *Event) map[string][]Record {
	out := map[string][]Record{}
	for _, b := range ev.Batches {
		k := b.Topic + "-" + strconv.Itoa(int(b.Partition))
		out[k] = append(out[k], b.Records...)
	}
	return out
}

func TestParseSampleEventAgreesWithSDK(t *testing.T) {
	payload, err := os.ReadFile("../../events/consumer.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Parse(payload)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventSource != SourceMSK || !strings.HasPrefix(ev.EventSourceARN, "arn:aws:kafka:") || ev.BootstrapServers == "" {
		t.Fatalf("event header = %+v", ev)
	}
	want := fromSDK(t, payload)
	if got := byKey(ev); !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse disagrees with encoding/json:\n got %+v\nwant %+v", got, want)
	}
}

func TestAppendRoundTrip(t *testing.T) {
	in := &Event{EventSource: SourceMSK, EventSourceARN: "arn:aws:kafka:eu-west-1:1:cluster/c/u", BootstrapServers: "b:9098",
		Batches: []Batch{
			{Topic: "ticks", Partition: 0, Records: []Record{
				{Topic: "ticks", Partition: 0, Offset: 7, Timestamp: 1764081000500, TimestampType: "CREATE_TIME",
					Key: []byte("AAPL"), Value: []byte(`{"symbol":"AAPL"}`), Headers: []Header{{Key: "h\"", Value: []byte{0, 200, 255}}}},
				{Topic: "ticks", Partition: 0, Offset: 8, Timestamp: 1764081000501, TimestampType: "LOG_APPEND_TIME"},
			}},
			{Topic: "ticks", Partition: 11, Records: []Record{
				{Topic: "ticks", Partition: 11, Offset: 0, Timestamp: 1, TimestampType: "CREATE_TIME", Value: []byte{0xff, 0, '\n'}},
			}},
		}}
	payload := Append(nil, in)
	if !json.Valid(payload) {
		t.Fatalf("not JSON: %s", payload)
	}
	out, err := Parse(payload)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
	if got, want := byKey(out), fromSDK(t, payload); !reflect.DeepEqual(got, want) {
		t.Fatalf("Append output read by encoding/json:\n got %+v\nwant %+v", want, got)
	}
}

func TestParseRejects(t *testing.T) {
	for name, payload := range map[string]string{
		"not JSON":           `{"eventSource":"aws:kafka",`,
		"wrong source":       `{"eventSource":"aws:sqs","records":{}}`,
		"no source":          `{"records":{}}`,
		"bad base64":         `{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1,"value":"!!"}]}}`,
		"negative offset":    `{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":-1}]}}`,
		"missing topic":      `{"eventSource":"aws:kafka","records":{"t-0":[{"partition":0,"offset":1}]}}`,
		"mixed partitions":   `{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1},{"topic":"t","partition":1,"offset":2}]}}`,
		"trailing garbage":   `{"eventSource":"aws:kafka","records":{}} x`,
		"records not object": `{"eventSource":"aws:kafka","records":[]}`,
		"repeated key":       `{"eventSource":"aws:kafka","records":{"t-0":[],"t-0":[{"topic":"t","partition":0,"offset":1}]}}`,
		"empty topic":        `{"eventSource":"aws:kafka","records":{"-0":[{"topic":"","partition":0,"offset":1}]}}`,
		"padding bits":       `{"eventSource":"aws:kafka","records":{"t-0":[{"topic":"t","partition":0,"offset":1,"value":"QR=="}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(payload))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = %v, want ErrMalformed", err)
			}
		})
	}
}
