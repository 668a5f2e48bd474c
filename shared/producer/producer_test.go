package producer

import (
	"context"
	"encoding/json"
	"github.com/ticklake/ticklake/internal/lambdatest"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
)

var start = time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)

func newProducer(t *testing.T, cfg Config, brokers []string, open Opener) *Handler {
	t.Helper()
	cl, err := kgo.NewClient(append(ClientOptions(cfg), kgo.SeedBrokers(brokers...))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	if open == nil {
		open = awsx.URIReader(nil)
	}
	return New(cfg, cl, clock.NewFake(start), open, slog.New(slog.NewJSONHandler(io.Discard, nil)))
}

func run(t *testing.T, h *Handler) Summary {
	t.Helper()
	ev, err := os.ReadFile("../../events/producer.json")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := lambdatest.Invoke[Summary](context.Background(), h.Handle, ev)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// consumeAll reads every record of topic.
func consumeAll(t *testing.T, brokers []string, topic string, n int64) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for int64(len(out)) < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("after %d of %d records: %v", len(out), n, err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

func TestSimulatorToKafka(t *testing.T) {
	brokers := kafkatest.Cluster(t, "ticks", 4)
	cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 2000, Run: 5 * time.Second, Source: SourceSim, Seed: 42, HasSeed: true}
	sum := run(t, newProducer(t, cfg, brokers, nil))
	if sum.Produced != 10000 || sum.Failed != 0 || sum.Symbols < 20 || sum.Source != SourceSim {
		t.Fatalf("summary = %+v", sum)
	}
	if sum.FirstTS != "2026-11-25T14:30:00.000000Z" || !strings.HasPrefix(sum.LastTS, "2026-11-25T14:30:04.99") {
		t.Fatalf("times = %s .. %s", sum.FirstTS, sum.LastTS)
	}
	records := consumeAll(t, brokers, "ticks", sum.Produced)
	dec := tick.NewSchemaDecoder(schema.MustDefault())
	venue, seq := schema.MustDefault().Index("venue"), schema.MustDefault().Index("seq")
	ev, _ := os.ReadFile("../../events/producer.json")
	var evTime struct{ Time time.Time }
	if err := json.Unmarshal(ev, &evTime); err != nil {
		t.Fatal(err)
	}
	base := SequenceBase(evTime.Time, time.Time{})
	lastSeq := map[string]int64{}
	lastTS := map[string]int64{}
	partitionOf := map[string]int32{}
	perSecond := map[int64]int{}
	for _, r := range records {
		var tk tick.Tick
		if err := dec.Decode(r.Value, &tk); err != nil {
			t.Fatalf("record %d/%d: %v: %s", r.Partition, r.Offset, err, r.Value)
		}
		if string(r.Key) != tk.Symbol {
			t.Fatalf("key %q for symbol %s", r.Key, tk.Symbol)
		}
		if p, ok := partitionOf[tk.Symbol]; ok && p != r.Partition {
			t.Fatalf("%s in partitions %d and %d", tk.Symbol, p, r.Partition)
		}
		partitionOf[tk.Symbol] = r.Partition
		if tk.TS < lastTS[tk.Symbol] {
			t.Fatalf("%s went back in time at offset %d", tk.Symbol, r.Offset)
		}
		lastTS[tk.Symbol] = tk.TS
		// The feed fields: a venue, and each symbol's sequence numbers from the schedule's base, one by one.
		v, q := tk.Fields[venue], tk.Fields[seq]
		want := base
		if last, ok := lastSeq[tk.Symbol]; ok {
			want = last + 1
		}
		if !v.Valid || len(v.S) != 4 || !q.Valid || q.I != want {
			t.Fatalf("%s: feed fields %+v %+v, want seq %d (base %d)", tk.Symbol, v, q, want, base)
		}
		lastSeq[tk.Symbol] = q.I
		if !tk.HasBid || !tk.HasAsk || tk.Bid > tk.Price || tk.Price > tk.Ask || tk.Size <= 0 {
			t.Fatalf("implausible tick %+v", tk)
		}
		perSecond[(tk.TS-start.UnixMicro())/1e6]++
	}
	for s := int64(0); s < 5; s++ { // spread over the run, at the rate
		if perSecond[s] != 2000 {
			t.Fatalf("second %d holds %d ticks, want 2000", s, perSecond[s])
		}
	}
}

func TestSameSeedSameTicks(t *testing.T) {
	values := func() []string {
		brokers := kafkatest.Cluster(t, "ticks", 1)
		cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 300, Run: time.Second, Source: SourceSim, Seed: 9, HasSeed: true}
		sum := run(t, newProducer(t, cfg, brokers, nil))
		var out []string
		for _, r := range consumeAll(t, brokers, "ticks", sum.Produced) {
			out = append(out, string(r.Value))
		}
		return out
	}
	a, b := values(), values()
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatal("the same seed gave different ticks")
	}
}

func TestReplayFromFileAndS3(t *testing.T) {
	raw, err := os.ReadFile("../../data/indexData-5.csv")
	if err != nil {
		t.Fatal(err)
	}
	s := awsxtest.NewS3(t, "replay")
	if _, err := s.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("replay"),
		Key: aws.String("data/indexData-5.csv"), Body: strings.NewReader(string(raw))}); err != nil {
		t.Fatal(err)
	}
	for name, uri := range map[string]string{"file": "../../data/indexData-5.csv", "s3": "s3://replay/data/indexData-5.csv"} {
		t.Run(name, func(t *testing.T) {
			brokers := kafkatest.Cluster(t, "ticks", 2)
			cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 500, Run: 2 * time.Second, Source: SourceReplay, ReplayURI: uri}
			sum := run(t, newProducer(t, cfg, brokers, awsx.URIReader(s.Client)))
			if sum.Produced != 1000 || sum.Skipped != 681 || sum.Source != SourceReplay {
				t.Fatalf("summary = %+v", sum)
			}
			records := consumeAll(t, brokers, "ticks", sum.Produced)
			var tk tick.Tick
			if err := tick.NewDecoder().Decode(records[0].Value, &tk); err != nil {
				t.Fatal(err)
			}
			var extra map[string]any
			if err := json.Unmarshal(tk.Extra, &extra); err != nil {
				t.Fatalf("extra %s: %v", tk.Extra, err)
			}
			for _, col := range []string{"index", "date", "open", "high", "low", "close", "adj_close", "volume"} {
				if _, ok := extra[col]; !ok {
					t.Fatalf("extra %s lacks %s", tk.Extra, col)
				}
			}
			if extra["index"] != tk.Symbol || extra["close"] != tk.Price {
				t.Fatalf("tick %+v does not match its row %s", tk, tk.Extra)
			}
		})
	}
}

func TestStopsBeforeDeadline(t *testing.T) {
	brokers := kafkatest.Cluster(t, "ticks", 1)
	cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 1000, Run: 50 * time.Second, Source: SourceSim}
	h := newProducer(t, cfg, brokers, nil)
	ctx, cancel := context.WithTimeout(context.Background(), flushReserve+2*time.Second)
	defer cancel()
	ev, _ := os.ReadFile("../../events/producer.json")
	sum, err := lambdatest.Invoke[Summary](ctx, h.Handle, ev)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Produced == 0 || sum.Produced > 2000 || sum.Failed != 0 {
		t.Fatalf("with 7 s left, summary = %+v; want at most 2 s of ticks", sum)
	}
}

func TestCreatesTopic(t *testing.T) {
	brokers := kafkatest.Cluster(t, "other", 1)
	cfg := Config{Brokers: brokers, Topic: "ticks", Partitions: 6, Rate: 100, Run: time.Second, Source: SourceSim}
	h := newProducer(t, cfg, brokers, nil)
	if sum := run(t, h); sum.Produced != 100 {
		t.Fatalf("summary = %+v", sum)
	}
	if sum := run(t, h); sum.Produced != 100 { // the second run finds the topic there
		t.Fatalf("summary = %+v", sum)
	}
	cl, _ := kgo.NewClient(kgo.SeedBrokers(brokers...))
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(context.Background(), "ticks")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(topics["ticks"].Partitions); n != 6 {
		t.Fatalf("topic has %d partitions, want 6", n)
	}
}

func TestLoadConfig(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr []string
	}{
		{"defaults", map[string]string{EnvBrokers: "b1:9098,b2:9098"}, nil},
		{"missing brokers", map[string]string{}, []string{EnvBrokers}},
		{"bad rate", map[string]string{EnvBrokers: "b", EnvRate: "fast"}, []string{EnvRate + `="fast"`}},
		{"bad auth", map[string]string{EnvBrokers: "b", EnvAuth: "scram"}, []string{EnvAuth + `="scram"`}},
		{"replay without uri", map[string]string{EnvBrokers: "b", EnvSource: "replay"}, []string{EnvReplayURI}},
		{"bad source", map[string]string{EnvBrokers: "b", EnvSource: "random"}, []string{EnvSource}},
		{"bad symbol", map[string]string{EnvBrokers: "b", EnvSymbols: "AAPL,msft"}, []string{EnvSymbols, "msft"}},
		{"bad seed", map[string]string{EnvBrokers: "b", EnvSeed: "-1"}, []string{EnvSeed}},
		{"bad topic", map[string]string{EnvBrokers: "b", EnvTopic: "my topic"}, []string{EnvTopic}},
		{"bad schedule", map[string]string{EnvBrokers: "b", EnvSchedule: "0"}, []string{EnvSchedule + `="0"`}},
		{"run longer than the schedule", map[string]string{EnvBrokers: "b", EnvRunSeconds: "90"}, []string{EnvRunSeconds, EnvSchedule}},
		{"several problems", map[string]string{EnvRate: "0", EnvRunSeconds: "9999"}, []string{EnvBrokers, EnvRate, EnvRunSeconds}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(envconf.FromMap(tc.env))
			if tc.wantErr == nil {
				if err != nil || len(cfg.Brokers) != 2 || cfg.Topic != DefaultTopic || cfg.Auth != "iam" ||
					cfg.Rate != DefaultRate || cfg.Run != DefaultRunSeconds*time.Second || cfg.Source != SourceSim ||
					cfg.Schedule != DefaultScheduleSeconds*time.Second {
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
