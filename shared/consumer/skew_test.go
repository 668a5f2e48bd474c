package consumer

import (
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/kafkaevent"
	"github.com/ticklake/ticklake/shared/tick"
)

// TestEventTimeSkew stores ticks whose event time lies within the bounds of their Kafka timestamp
// and dead-letters the others (invalid_value, field ts), with the default bounds and configured ones.
func TestEventTimeSkew(t *testing.T) {
	kafka := fixture.Start // the fixture's Kafka timestamps start here, 2 ms apart
	value := func(ts time.Time) []byte {
		return []byte(`{"symbol":"X","ts":"` + ts.Format(time.RFC3339Nano) + `","price":1}`)
	}
	for _, tc := range []struct {
		name    string
		cfg     Config
		offsets []time.Duration // event time minus Kafka time
		stored  []bool
	}{
		{"defaults", testConfig,
			[]time.Duration{0, 23 * time.Hour, 25 * time.Hour, -6 * 24 * time.Hour, -8 * 24 * time.Hour},
			[]bool{true, true, false, true, false}},
		{"configured", Config{Bucket: bucket, DataPrefix: DefaultDataPrefix, DLQPrefix: DefaultDLQPrefix, MaxAhead: time.Hour, MaxBehind: 2 * time.Hour},
			[]time.Duration{59 * time.Minute, 61 * time.Minute, -119 * time.Minute, -121 * time.Minute},
			[]bool{true, false, true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var values [][]byte
			for i, off := range tc.offsets {
				values = append(values, value(kafka.Add(time.Duration(2*i)*time.Millisecond+off)))
			}
			// The contract admits years 0001 and 9999; no Kafka timestamp is that far.
			values = append(values, []byte(`{"symbol":"X","ts":"0001-01-01T00:00:00Z","price":1}`),
				[]byte(`{"symbol":"X","ts":"9999-12-31T23:59:59Z","price":1}`))
			stored := append(append([]bool{}, tc.stored...), false, false)
			s := awsxtest.NewS3(t, bucket)
			h := New(tc.cfg, &awsx.S3Store{Client: s.Client, Bucket: bucket}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			res, err := invoke(t, h, kafkaevent.Append(nil, fixture.Event("ticks", 0, 0, values)))
			if err != nil {
				t.Fatal(err)
			}
			var wantRejected []int64
			for i, ok := range stored {
				if !ok {
					wantRejected = append(wantRejected, int64(i))
				}
			}
			if res.Rejected != len(wantRejected) || res.Written != len(stored)-len(wantRejected) {
				t.Fatalf("result = %+v, want %d rejected", res, len(wantRejected))
			}
			var got []int64
			for _, body := range s.Objects(t, bucket, DefaultDLQPrefix) {
				for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
					var dl struct {
						Offset int64  `json:"offset"`
						Code   string `json:"code"`
						Field  string `json:"field"`
						Reason string `json:"reason"`
					}
					if err := json.Unmarshal([]byte(line), &dl); err != nil {
						t.Fatal(err)
					}
					if dl.Code != string(tick.CodeInvalidValue) || dl.Field != tick.FieldTS || !strings.Contains(dl.Reason, "Kafka timestamp") {
						t.Errorf("dead letter %+v", dl)
					}
					got = append(got, dl.Offset)
				}
			}
			if len(got) != len(wantRejected) {
				t.Fatalf("dead letters at offsets %v, want %v", got, wantRejected)
			}
			for i := range got {
				if got[i] != wantRejected[i] {
					t.Fatalf("dead letters at offsets %v, want %v", got, wantRejected)
				}
			}
		})
	}
}

func TestSkewConfig(t *testing.T) {
	cfg, err := LoadConfig(envconf.FromMap(map[string]string{EnvBucket: "b", EnvMaxAhead: "2h", EnvMaxBehind: "720h"}))
	if err != nil || cfg.MaxAhead != 2*time.Hour || cfg.MaxBehind != 720*time.Hour {
		t.Fatalf("LoadConfig = %+v, %v", cfg, err)
	}
	cfg, err = LoadConfig(envconf.FromMap(map[string]string{EnvBucket: "b"}))
	if err != nil || cfg.MaxAhead != DefaultMaxAhead || cfg.MaxBehind != DefaultMaxBehind {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
	for name, v := range map[string]string{EnvMaxAhead: "a day", EnvMaxBehind: "-1h"} {
		_, err := LoadConfig(envconf.FromMap(map[string]string{EnvBucket: "b", name: v}))
		if err == nil || !strings.Contains(err.Error(), name+"=") {
			t.Fatalf("%s=%s: %v, want an error naming it", name, v, err)
		}
	}
}

// TestSkewFarKafkaTimestamp checks a Kafka timestamp so far in the future that it overflows once in
// microseconds, chosen to wrap around to the event time itself: the tick is still far behind it.
func TestSkewFarKafkaTimestamp(t *testing.T) {
	ts := fixture.Start.UnixMicro()
	ts += (384 - ts%1000 + 1000) % 1000 // 2^64 = 616 (mod 1000), so ts + 2^64 is a whole number of ms
	kafka := new(big.Int).Add(big.NewInt(ts), new(big.Int).Lsh(big.NewInt(1), 64))
	kafka.Quo(kafka, big.NewInt(1000))
	if err := checkSkew(Config{MaxAhead: DefaultMaxAhead, MaxBehind: DefaultMaxBehind}, ts, kafka.Int64()); err == nil {
		t.Fatalf("event time %d accepted with the Kafka timestamp %s ms", ts, kafka)
	}
}
