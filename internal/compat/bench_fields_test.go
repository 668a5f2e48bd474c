package compat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/consumer"
	"github.com/ticklake/ticklake/shared/kafkaevent"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
)

// BenchmarkConvertFields compares, as BenchmarkConvert does, the consumer handler (with the default
// declared fields) and DuckDB on ticks that carry extra fields: replayed ticks with the stock-index
// data set's nine columns, and simulated ticks with a venue and a sequence number; and, for the same
// comparison with the same columns, plain simulated ticks (no declared fields); and the feed's ticks
// timed as the producer sends them (feed-timed, see producerTiming), not 2 ms apart. DuckDB reads the same
// NDJSON with every field typed as the declaration types it, twice: the record values alone
// (duckdb/ndjson), and the same records as an S3 sink writes them with their Kafka metadata
// (kafka_partition, kafka_offset, kafka_timestamp in milliseconds, as Kafka Connect's InsertField
// adds them), written as the consumer's columns are (INTEGER, BIGINT, TIMESTAMP WITH TIME ZONE), so
// that both sides store the same rows with the same columns (duckdb/ndjson+kafka).
func BenchmarkConvertFields(b *testing.B) {
	timed, kafkaMillis := producerTiming(fixture.FeedTicks(benchTicks, 1), 1000)
	inputs := []struct {
		name    string
		ticks   []tick.Tick
		kafka   []int64 // the records' Kafka timestamps, when not the fixture's
		columns string
		fields  schema.Schema
	}{
		{"plain", fixture.SimTicks(benchTicks, 1), nil, `symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', size: 'BIGINT',
			bid: 'DOUBLE', ask: 'DOUBLE'`, nil},
		{"replay", fixture.ReplayTicks(benchTicks), nil, `symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', size: 'BIGINT',
			"index": 'VARCHAR', "date": 'DATE', open: 'DOUBLE', high: 'DOUBLE', low: 'DOUBLE', "close": 'DOUBLE',
			adj_close: 'DOUBLE', volume: 'BIGINT', close_usd: 'DOUBLE'`, schema.MustDefault()},
		{"feed", fixture.FeedTicks(benchTicks, 1), nil, `symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', size: 'BIGINT',
			bid: 'DOUBLE', ask: 'DOUBLE', venue: 'VARCHAR', seq: 'BIGINT'`, schema.MustDefault()},
		{"feed-timed", timed, kafkaMillis, `symbol: 'VARCHAR', ts: 'TIMESTAMPTZ', price: 'DOUBLE', size: 'BIGINT',
			bid: 'DOUBLE', ask: 'DOUBLE', venue: 'VARCHAR', seq: 'BIGINT'`, schema.MustDefault()},
	}
	report := func(b *testing.B, stored int64) {
		b.ReportMetric(float64(b.N*benchTicks)/b.Elapsed().Seconds(), "ticks/s")
		b.ReportMetric(float64(stored)/float64(b.N*benchTicks), "stored-bytes/tick")
	}
	for _, in := range inputs {
		values := fixture.Values(in.ticks)
		ev := fixture.Event("ticks", 0, 0, values)
		for i, ms := range in.kafka {
			ev.Batches[0].Records[i].Timestamp = ms
		}
		event := kafkaevent.Append(nil, ev)
		ndjson := bytes.Join(values, []byte("\n"))
		withKafka := sinkNDJSON(ev)
		b.Run(in.name+"/consumer/aws-kafka-event", func(b *testing.B) {
			out := &fixture.Sink{}
			h := consumer.New(consumer.Config{Bucket: "b", DataPrefix: "ticks/", DLQPrefix: "dlq/", Fields: in.fields},
				out, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			b.SetBytes(int64(len(event)))
			for b.Loop() {
				if _, err := h.Invoke(context.Background(), event); err != nil {
					b.Fatal(err)
				}
			}
			report(b, out.Bytes())
		})
		dir := b.TempDir()
		file := filepath.Join(dir, "ticks.ndjson")
		if err := os.WriteFile(file, ndjson, 0o644); err != nil {
			b.Fatal(err)
		}
		kafkaFile := filepath.Join(dir, "ticks-kafka.ndjson")
		if err := os.WriteFile(kafkaFile, withKafka, 0o644); err != nil {
			b.Fatal(err)
		}
		for _, v := range []struct {
			name, file, sql string
			size            int
		}{
			{"ndjson", file, fmt.Sprintf(`SELECT * FROM read_json('%s', format = 'newline_delimited', columns = {%s})`, file, in.columns), len(ndjson)},
			{"ndjson+kafka", kafkaFile, fmt.Sprintf(`SELECT * EXCLUDE (kafka_timestamp), epoch_ms(kafka_timestamp)::TIMESTAMPTZ AS kafka_timestamp
				FROM read_json('%s', format = 'newline_delimited', columns = {%s, kafka_partition: 'INTEGER', kafka_offset: 'BIGINT',
				kafka_timestamp: 'BIGINT'})`, kafkaFile, in.columns), len(withKafka)},
		} {
			b.Run(in.name+"/duckdb/"+v.name+"/threads=1", func(b *testing.B) {
				db := openDuckDB(b)
				if _, err := db.Exec("SET threads = 1"); err != nil {
					b.Fatal(err)
				}
				out := filepath.Join(dir, "out.parquet")
				copySQL := fmt.Sprintf(`COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION zstd)`, v.sql, out)
				var stored int64
				b.SetBytes(int64(v.size))
				for b.Loop() {
					if _, err := db.Exec(copySQL); err != nil {
						b.Fatal(err)
					}
					st, err := os.Stat(out)
					if err != nil {
						b.Fatal(err)
					}
					stored += st.Size()
				}
				report(b, stored)
			})
		}
	}
}

// sinkNDJSON writes ev's records as newline-delimited JSON objects, each record's value with its
// Kafka partition, offset and timestamp (milliseconds) added, as an S3 sink connector writes them.
func sinkNDJSON(ev *kafkaevent.Event) []byte {
	var out []byte
	for _, batch := range ev.Batches {
		for _, r := range batch.Records {
			v := bytes.TrimRight(r.Value, " \n")
			out = append(out, v[:len(v)-1]...)
			out = fmt.Appendf(out, `,"kafka_partition":%d,"kafka_offset":%d,"kafka_timestamp":%d}`+"\n", r.Partition, r.Offset, r.Timestamp)
		}
	}
	return out
}

// producerTiming restamps ticks as the producer sends them at rate ticks a second: it tops up every
// 10 ms, spreading each step's ticks evenly over the step, and sleeps in between (a step starts up to
// 1.3 ms late); each record's Kafka timestamp is when the producer handed it to the client: its
// step's start, in milliseconds. It returns the ticks and the Kafka timestamps.
func producerTiming(ticks []tick.Tick, rate int) ([]tick.Tick, []int64) {
	out := append([]tick.Tick(nil), ticks...)
	kafka := make([]int64, len(out))
	per := rate / 100
	step := fixture.Start.UnixMicro()
	for i := 0; i < len(out); i += per {
		due := min(per, len(out)-i)
		for j := range due {
			out[i+j].TS = step + int64(j)*10000/int64(due)
			kafka[i+j] = (step + 150 + int64(j)*3) / 1000
		}
		step += 10000 + int64((i*7919)%1300) // the step's sleep, and how late the next one starts
	}
	return out, kafka
}
