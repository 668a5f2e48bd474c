package kafkax

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestConnectionOptions(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("a", "b", "")
	for name, tc := range map[string]struct {
		c      Connection
		ok     bool
		minLen int
	}{
		"plaintext":       {Connection{Brokers: []string{"b:9092"}, Auth: AuthNone}, true, 1},
		"iam":             {Connection{Brokers: []string{"b:9098"}, Auth: AuthIAM, Credentials: creds}, true, 3},
		"iam without key": {Connection{Brokers: []string{"b:9098"}, Auth: AuthIAM}, false, 0},
		"no brokers":      {Connection{Auth: AuthNone}, false, 0},
		"unknown auth":    {Connection{Brokers: []string{"b"}, Auth: "scram"}, false, 0},
	} {
		t.Run(name, func(t *testing.T) {
			opts, err := tc.c.Options()
			if (err == nil) != tc.ok || len(opts) < tc.minLen {
				t.Fatalf("Options = %d options, %v", len(opts), err)
			}
		})
	}
}

func TestEventOf(t *testing.T) {
	now := time.UnixMilli(1795617000500)
	recs := []*kgo.Record{
		{Topic: "t", Partition: 1, Offset: 5, Timestamp: now, Key: []byte("K"), Value: []byte("v1"), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte{1}}}},
		{Topic: "t", Partition: 0, Offset: 9, Timestamp: now, Value: []byte("v2")},
		{Topic: "t", Partition: 1, Offset: 6, Timestamp: now, Value: []byte("v3")},
	}
	ev := EventOf("arn", "b:9092", recs)
	if len(ev.Batches) != 2 || ev.Batches[0].Partition != 1 || len(ev.Batches[0].Records) != 2 || ev.Batches[1].Records[0].Offset != 9 {
		t.Fatalf("EventOf = %+v", ev)
	}
	r := ev.Batches[0].Records[0]
	if r.Timestamp != 1795617000500 || r.TimestampType != "CREATE_TIME" || string(r.Key) != "K" || r.Headers[0].Key != "h" {
		t.Fatalf("record = %+v", r)
	}
}
