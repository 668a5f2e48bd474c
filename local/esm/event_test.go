package esm

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

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
