package consumer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/ticklake/ticklake/internal/lambdatest"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/internal/pqread"
	"github.com/ticklake/ticklake/local/esm"
	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/kafkaevent"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

const bucket = "ticklake-data"

var testConfig = Config{Bucket: bucket, DataPrefix: DefaultDataPrefix, DLQPrefix: DefaultDLQPrefix}

func newHandler(t *testing.T) (*Handler, *awsxtest.S3) {
	t.Helper()
	s := awsxtest.NewS3(t, bucket)
	return New(testConfig, &awsx.S3Store{Client: s.Client, Bucket: bucket}, slog.New(slog.NewJSONHandler(io.Discard, nil))), s
}

func invoke(t *testing.T, h *Handler, payload []byte) (Result, error) {
	t.Helper()
	return lambdatest.Invoke[Result](context.Background(), h, payload)
}

func readRows(t *testing.T, objects map[string][]byte) []tickparquet.Row {
	t.Helper()
	var rows []tickparquet.Row
	for key, body := range objects {
		if !strings.HasSuffix(key, ".parquet") {
			continue
		}
		got, err := pqread.Read(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		rows = append(rows, got...)
	}
	slices.SortFunc(rows, func(a, b tickparquet.Row) int {
		if a.KafkaPartition != b.KafkaPartition {
			return int(a.KafkaPartition - b.KafkaPartition)
		}
		return int(a.KafkaOffset - b.KafkaOffset)
	})
	return rows
}

func TestSampleEvent(t *testing.T) {
	h, s := newHandler(t)
	payload, err := os.ReadFile("../../events/consumer.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := invoke(t, h, payload)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Records: 8, Written: 6, Rejected: 2, Objects: []string{
		"ticks/dt=2026-11-25/hour=14/ticks-0-00000000000000004211-00000000000000004214.parquet",
		"dlq/dt=2026-11-25/ticks-0-00000000000000004211-00000000000000004214.jsonl",
		"ticks/dt=2026-11-25/hour=14/ticks-1-00000000000000003980-00000000000000003983.parquet",
		"ticks/dt=2026-11-25/hour=15/ticks-1-00000000000000003980-00000000000000003983.parquet",
		"dlq/dt=2026-11-25/ticks-1-00000000000000003980-00000000000000003983.jsonl",
	}}
	if !slices.Equal(res.Objects, want.Objects) || res.Records != want.Records || res.Written != want.Written || res.Rejected != want.Rejected {
		t.Fatalf("result = %+v\nwant %+v", res, want)
	}
	objects := s.Objects(t, bucket, "")
	if len(objects) != len(want.Objects) {
		t.Fatalf("bucket holds %d objects, want %d", len(objects), len(want.Objects))
	}
	rows := readRows(t, objects)
	var syms []string
	for _, r := range rows {
		syms = append(syms, r.Symbol)
	}
	if got := strings.Join(syms, " "); got != "AAPL AAPL MSFT HSI NVDA NVDA" {
		t.Fatalf("symbols = %s", got)
	}
	hsi := rows[3]
	if hsi.Extra == nil || !strings.Contains(*hsi.Extra, `"close_usd":333.87900637`) || hsi.Bid != nil {
		t.Fatalf("HSI row = %+v", hsi)
	}
	if rows[0].Bid == nil || *rows[0].Bid != 189.24 || rows[0].TS != time.Date(2026, 11, 25, 14, 30, 0, 125e6, time.UTC).UnixMicro() {
		t.Fatalf("AAPL row = %+v", rows[0])
	}
}

// TestKafkaBatchRowByRow sends simulated ticks through kfake, builds the event from the records
// fetched back, and checks every stored row against the tick that was sent.
func TestKafkaBatchRowByRow(t *testing.T) {
	const topic, n = "ticks", 3000
	brokers := kafkatest.Cluster(t, topic, 3)
	ticks := fixture.SimTicks(n, 7)
	// Push event times across an hour boundary, so some batches split.
	for i := range ticks {
		ticks[i].TS += (29*60 + 57) * 1e6
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sent := map[string]tick.Tick{}
	for i := range ticks {
		v := tick.AppendJSON(nil, &ticks[i])
		cl.Produce(ctx, &kgo.Record{Key: []byte(ticks[i].Symbol), Value: v}, nil)
		sent[string(v)] = ticks[i]
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var fetched []*kgo.Record
	for len(fetched) < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fetched = append(fetched, fs.Records()...)
	}
	h, s := newHandler(t)
	payload := kafkaevent.Append(nil, esm.EventOf("arn:aws:kafka:us-east-1:1:cluster/c/u", brokers[0], fetched))
	res, err := invoke(t, h, payload)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != n || res.Written != n || res.Rejected != 0 {
		t.Fatalf("result = %+v", res)
	}
	rows := readRows(t, s.Objects(t, bucket, DefaultDataPrefix))
	if len(rows) != n {
		t.Fatalf("stored %d rows, want %d", len(rows), n)
	}
	byCoord := map[[2]int64]*kgo.Record{}
	for _, r := range fetched {
		byCoord[[2]int64{int64(r.Partition), r.Offset}] = r
	}
	for _, row := range rows {
		rec := byCoord[[2]int64{int64(row.KafkaPartition), row.KafkaOffset}]
		if rec == nil {
			t.Fatalf("row %+v has no record", row)
		}
		want := sent[string(rec.Value)]
		if row.Symbol != want.Symbol || row.TS != want.TS || row.Price != want.Price || row.Size != want.Size ||
			row.Bid == nil || *row.Bid != want.Bid || row.Ask == nil || *row.Ask != want.Ask || row.Extra != nil ||
			row.KafkaTimestamp != rec.Timestamp.UnixMilli()*1000 || string(rec.Key) != row.Symbol {
			t.Fatalf("row %+v\nwant tick %+v of record %d/%d", row, want, rec.Partition, rec.Offset)
		}
	}
	hours := map[string]bool{}
	for _, k := range res.Objects {
		hours[strings.Split(k, "/")[2]] = true
	}
	if !hours["hour=14"] || !hours["hour=15"] {
		t.Fatalf("objects %v do not span hours 14 and 15", res.Objects)
	}
}

func TestRetryIsExactlyOnce(t *testing.T) {
	values := fixture.Values(fixture.SimTicks(500, 3))
	values[10] = []byte(`{"symbol":"AAPL"}`)
	payload := kafkaevent.Append(nil, fixture.Event("ticks", 2, 1000, values))
	h, s := newHandler(t)

	s.FailPuts(1, ".parquet")
	if _, err := invoke(t, h, payload); err == nil || !strings.Contains(err.Error(), "SlowDown") {
		t.Fatalf("with S3 failing, Invoke = %v, want the storage error", err)
	}
	first, err := invoke(t, h, payload)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Objects(t, bucket, "")
	second, err := invoke(t, h, payload)
	if err != nil {
		t.Fatal(err)
	}
	after := s.Objects(t, bucket, "")
	if !slices.Equal(first.Objects, second.Objects) || len(before) != len(after) {
		t.Fatalf("retry wrote %v then %v", first.Objects, second.Objects)
	}
	for k, v := range before {
		if !bytes.Equal(after[k], v) {
			t.Fatalf("retry changed %s", k)
		}
	}
	rows := readRows(t, after)
	if len(rows) != 499 {
		t.Fatalf("stored %d rows, want 499", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].KafkaOffset == rows[i-1].KafkaOffset {
			t.Fatalf("offset %d stored twice", rows[i].KafkaOffset)
		}
	}
}

func TestEveryBadRecordIsDeadLettered(t *testing.T) {
	const ok = `"ts":"2026-11-25T14:30:05Z","price":1`
	bad := []struct {
		value []byte
		code  tick.Code
	}{
		{nil, tick.CodeEmpty},
		{[]byte(`{"symbol":"X",` + ok + `,"pad":"` + strings.Repeat("x", tick.MaxValueBytes) + `"}`), tick.CodeOversize},
		{[]byte("{\"symbol\":\"X\"," + ok + ",\"n\":\"\xff\"}"), tick.CodeInvalidUTF8},
		{[]byte(`{"symbol":"X",` + ok), tick.CodeMalformedJSON},
		{[]byte(`{"symbol":"X","ts":"2026-11-25T14:30:05Z"}`), tick.CodeMissingField},
		{[]byte(`{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":"1"}`), tick.CodeWrongType},
		{[]byte(`{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":-1}`), tick.CodeInvalidValue},
		{[]byte(`{"symbol":"X","ts":"2026-11-25T14:30:05Z","price":1e999}`), tick.CodeInvalidValue},
		{[]byte(`{"symbol":"X",` + ok + `,"bid":2,"ask":1}`), tick.CodeInvalidValue},
		{[]byte(`{"symbol":"x",` + ok + `}`), tick.CodeInvalidValue},
		{[]byte(`{"symbol":"X","ts":"yesterday","price":1}`), tick.CodeInvalidValue},
		{[]byte(`{"symbol":"X",` + ok + `,"size":-5}`), tick.CodeInvalidValue},
		{[]byte(`{"symbol":"X",` + ok + `,"price":2}`), tick.CodeDuplicateKey},
	}
	good := fixture.Values(fixture.SimTicks(3, 1))
	values := append([][]byte{}, good...)
	for _, b := range bad {
		values = append(values, b.value)
	}
	ev := fixture.Event("ticks", 0, 50, values)
	ev.Batches[0].Records[3].Key = []byte("K\x00")
	h, s := newHandler(t)
	res, err := invoke(t, h, kafkaevent.Append(nil, ev))
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != len(good) || res.Rejected != len(bad) {
		t.Fatalf("result = %+v", res)
	}
	dlq := s.Objects(t, bucket, DefaultDLQPrefix)
	if len(dlq) != 1 {
		t.Fatalf("dead-letter objects = %d, want 1", len(dlq))
	}
	for _, body := range dlq {
		lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
		if len(lines) != len(bad) {
			t.Fatalf("%d dead letters, want %d", len(lines), len(bad))
		}
		for i, line := range lines {
			var dl struct {
				Topic       string  `json:"topic"`
				Partition   int32   `json:"partition"`
				Offset      int64   `json:"offset"`
				Timestamp   int64   `json:"timestamp"`
				Code        string  `json:"code"`
				Reason      string  `json:"reason"`
				Key         []byte  `json:"key_base64"`
				Value       *string `json:"value"`
				ValueBase64 []byte  `json:"value_base64"`
			}
			if err := json.Unmarshal([]byte(line), &dl); err != nil {
				t.Fatalf("dead letter %d is not JSON: %v\n%s", i, err, line)
			}
			want := bad[i]
			if dl.Topic != "ticks" || dl.Offset != int64(50+len(good)+i) || dl.Code != string(want.code) || dl.Reason == "" ||
				!bytes.Equal(dl.ValueBase64, want.value) || dl.Timestamp == 0 {
				t.Errorf("dead letter %d = %+v, want code %s for %.40q", i, dl, want.code, want.value)
			}
			if (dl.Value != nil) != (want.code != tick.CodeInvalidUTF8 && want.value != nil) {
				t.Errorf("dead letter %d: value present = %v", i, dl.Value != nil)
			}
			if i == 0 && string(dl.Key) != "K\x00" {
				t.Errorf("dead letter key = %q", dl.Key)
			}
		}
	}
}

func TestMalformedEventFails(t *testing.T) {
	h, s := newHandler(t)
	_, err := invoke(t, h, []byte(`{"eventSource":"aws:sqs","Records":[]}`))
	if !errors.Is(err, kafkaevent.ErrMalformed) && (err == nil || !strings.Contains(err.Error(), "eventSource")) {
		t.Fatalf("Invoke = %v, want a malformed-event error", err)
	}
	if len(s.Objects(t, bucket, "")) != 0 {
		t.Fatal("a malformed event wrote objects")
	}
}

func TestLoadConfig(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr []string
	}{
		{"defaults", map[string]string{EnvBucket: "b"}, nil},
		{"missing bucket", map[string]string{}, []string{EnvBucket}},
		{"prefix without slash", map[string]string{EnvBucket: "b", EnvDataPrefix: "ticks"}, []string{EnvDataPrefix + `="ticks"`}},
		{"dead letters inside data", map[string]string{EnvBucket: "b", EnvDLQPrefix: "ticks/dlq/"}, []string{EnvDLQPrefix, "overlap"}},
		{"bad field name", map[string]string{EnvBucket: "b", EnvFields: "venue:string,Seq:bigint"}, []string{EnvFields, `"Seq"`}},
		{"bad field type", map[string]string{EnvBucket: "b", EnvFields: "venue:text"}, []string{EnvFields, `"text"`}},
		{"contract column", map[string]string{EnvBucket: "b", EnvFields: "price:double"}, []string{EnvFields, `"price"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(envconf.FromMap(tc.env))
			if tc.wantErr == nil {
				if err != nil || cfg.DataPrefix != DefaultDataPrefix || cfg.DLQPrefix != DefaultDLQPrefix ||
					cfg.Fields.String() != schema.MustDefault().String() {
					t.Fatalf("LoadConfig = %+v, %v", cfg, err)
				}
				return
			}
			if missing := envconf.Unnamed(err, tc.wantErr...); err == nil || len(missing) > 0 {
				t.Fatalf("LoadConfig error %v does not name %v", err, missing)
			}
		})
	}
}

func TestDeadLetterIsValidJSONForAnyBytes(t *testing.T) {
	r := kafkaevent.Record{Topic: "t\"q", Partition: 1, Offset: 2, Timestamp: 3, Key: []byte{0xff}, Value: []byte("\x00\"\\\n\u2028")}
	line := appendDeadLetter(nil, &r, errors.New("bad \"thing\"\n"))
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(m["value_base64"].(string))
	if m["value"] != string(r.Value) || !bytes.Equal(raw, r.Value) || m["topic"] != r.Topic {
		t.Fatalf("dead letter = %v", m)
	}
}
