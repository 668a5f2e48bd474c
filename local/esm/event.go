package esm

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/shared/kafkaevent"
)

// EventRecord converts a fetched record into the form the event-source mapping delivers it in.
func EventRecord(r *kgo.Record) kafkaevent.Record {
	tsType := kafkaevent.TimestampCreate
	if r.Attrs.TimestampType() == 1 {
		tsType = kafkaevent.TimestampLogAppend
	}
	out := kafkaevent.Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
		Timestamp: r.Timestamp.UnixMilli(), TimestampType: tsType, Key: r.Key, Value: r.Value}
	for _, h := range r.Headers {
		out.Headers = append(out.Headers, kafkaevent.Header{Key: h.Key, Value: h.Value})
	}
	return out
}

// EventOf groups fetched records into an aws:kafka event, one batch per topic-partition, keeping
// their order.
func EventOf(eventSourceARN, bootstrap string, records []*kgo.Record) *kafkaevent.Event {
	ev := &kafkaevent.Event{EventSource: kafkaevent.SourceMSK, EventSourceARN: eventSourceARN, BootstrapServers: bootstrap}
	idx := map[string]int{}
	for _, r := range records {
		k := fmt.Sprintf("%s-%d", r.Topic, r.Partition)
		i, ok := idx[k]
		if !ok {
			i = len(ev.Batches)
			idx[k] = i
			ev.Batches = append(ev.Batches, kafkaevent.Batch{Topic: r.Topic, Partition: r.Partition})
		}
		ev.Batches[i].Records = append(ev.Batches[i].Records, EventRecord(r))
	}
	return ev
}
