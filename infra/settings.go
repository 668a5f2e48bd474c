package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ticklake/ticklake/shared/schema"
)

// Settings are the deployment's knobs, read from CDK context (cdk.json, or -c key=value) with
// defaults. Context keys are the field names' kebab-case forms under "ticklake:".
type Settings struct {
	Kafka              string // KafkaServerless or KafkaProvisioned
	KafkaVersion       string // Kafka version of a provisioned cluster
	BrokerType         string // broker instance type of a provisioned cluster
	BrokerVolumeGB     int    // EBS volume of each broker of a provisioned cluster
	Topic              string // Kafka topic
	Partitions         int    // partitions of the topic
	ScheduleMinutes    int    // the producer runs every this many minutes
	ScheduleEnabled    bool   // false: deploy with the schedule switched off
	TicksPerSecond     int    // producer rate
	RunSeconds         int    // producer run per invocation
	TickSource         string // sim or replay
	ReplayURI          string // s3:// URI of a replay file, with TickSource replay
	BatchSize          int    // event-source mapping batch size (records)
	BatchWindowSeconds int    // event-source mapping batching window
	StartingPosition   string // LATEST or TRIM_HORIZON
	BytesScannedCutoff int    // Athena per-query cutoff, bytes
	AlarmEmail         string // subscribed to the alarm topic when set
	LogRetentionDays   int    // retention of every log group
	DeadLetterDays     int    // dead letters expire after this many days
	ResultDays         int    // Athena results expire after this many days
	CrawlerMaxPolls    int    // the state machine's bound on crawler polls, 30 s apart
	Database           string // Glue database
	DataPrefix         string // S3 prefix of the data
	DLQPrefix          string // S3 prefix of the dead letters

	// Fields are the declared extra fields (context ticklake:fields).
	Fields schema.Schema
	// AssetDir holds the functions' zips (make build).
	AssetDir string
}

// Kafka cluster kinds.
const (
	KafkaServerless  = "serverless"
	KafkaProvisioned = "provisioned"
)

// DefaultSettings are used where the context says nothing.
func DefaultSettings() Settings {
	return Settings{
		Kafka: KafkaServerless, KafkaVersion: "3.6.0", BrokerType: "kafka.m7g.large", BrokerVolumeGB: 100,
		Topic: "ticks", Partitions: 6, ScheduleMinutes: 1, ScheduleEnabled: true, TicksPerSecond: 100, RunSeconds: 50,
		TickSource: "sim", BatchSize: 1000, BatchWindowSeconds: 5, StartingPosition: "TRIM_HORIZON",
		BytesScannedCutoff: 10 << 30, LogRetentionDays: 30, DeadLetterDays: 30, ResultDays: 7, CrawlerMaxPolls: 40,
		Database: "ticklake", DataPrefix: "ticks/", DLQPrefix: "dlq/", Fields: schema.MustDefault(),
	}
}

// ReadSettings reads the settings from the context of scope, naming any bad value.
func ReadSettings(scope constructs.Construct) (Settings, error) {
	s := DefaultSettings()
	var errs []string
	get := func(key string) (string, bool) {
		v := scope.Node().TryGetContext(&[]string{"ticklake:" + key}[0])
		switch x := v.(type) {
		case nil:
			return "", false
		case float64: // JSON numbers
			return strconv.FormatFloat(x, 'f', -1, 64), true
		}
		return strings.TrimSpace(fmt.Sprint(v)), true
	}
	str := func(key string, dst *string) {
		if v, ok := get(key); ok {
			*dst = v
		}
	}
	num := func(key string, dst *int, lo, hi int) {
		if v, ok := get(key); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				errs = append(errs, fmt.Sprintf("ticklake:%s=%q: want an integer from %d to %d", key, v, lo, hi))
				return
			}
			*dst = n
		}
	}
	str("kafka", &s.Kafka)
	str("kafka-version", &s.KafkaVersion)
	str("broker-type", &s.BrokerType)
	num("broker-volume-gb", &s.BrokerVolumeGB, 1, 16384)
	str("topic", &s.Topic)
	num("partitions", &s.Partitions, 1, 1000)
	num("schedule-minutes", &s.ScheduleMinutes, 1, 1440)
	if v, ok := get("schedule-enabled"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("ticklake:schedule-enabled=%q: want true or false", v))
		}
		s.ScheduleEnabled = b
	}
	num("ticks-per-second", &s.TicksPerSecond, 1, 100000)
	num("run-seconds", &s.RunSeconds, 1, 840)
	str("tick-source", &s.TickSource)
	str("replay-uri", &s.ReplayURI)
	num("batch-size", &s.BatchSize, 1, 10000)
	num("batch-window-seconds", &s.BatchWindowSeconds, 0, 300)
	str("starting-position", &s.StartingPosition)
	num("bytes-scanned-cutoff", &s.BytesScannedCutoff, 10<<20, 1<<50)
	str("alarm-email", &s.AlarmEmail)
	num("log-retention-days", &s.LogRetentionDays, 1, 3653)
	num("dead-letter-days", &s.DeadLetterDays, 1, 3653)
	num("result-days", &s.ResultDays, 1, 3653)
	num("crawler-max-polls", &s.CrawlerMaxPolls, 1, 1000)
	str("database", &s.Database)
	str("asset-dir", &s.AssetDir)
	if f, err := readFields(scope.Node().TryGetContext(jsii.String(schema.ContextFields))); err != nil {
		errs = append(errs, err.Error())
	} else {
		s.Fields = f
	}
	switch {
	case s.TickSource != "sim" && s.TickSource != "replay":
		errs = append(errs, fmt.Sprintf("ticklake:tick-source=%q: want sim or replay", s.TickSource))
	case s.TickSource == "replay" && !strings.HasPrefix(s.ReplayURI, "s3://"):
		errs = append(errs, fmt.Sprintf("ticklake:replay-uri=%q: want an s3:// URI with tick-source replay", s.ReplayURI))
	}
	if s.Kafka != KafkaServerless && s.Kafka != KafkaProvisioned {
		errs = append(errs, fmt.Sprintf("ticklake:kafka=%q: want %s or %s", s.Kafka, KafkaServerless, KafkaProvisioned))
	}
	if s.StartingPosition != "LATEST" && s.StartingPosition != "TRIM_HORIZON" {
		errs = append(errs, fmt.Sprintf("ticklake:starting-position=%q: want LATEST or TRIM_HORIZON", s.StartingPosition))
	}
	if s.RunSeconds+10 > s.ScheduleMinutes*60 {
		errs = append(errs, fmt.Sprintf("ticklake:run-seconds=%d: leave at least 10 s of each %d-minute schedule period", s.RunSeconds, s.ScheduleMinutes))
	}
	if s.AssetDir == "" {
		s.AssetDir = defaultAssetDir()
	}
	if len(errs) > 0 {
		return s, fmt.Errorf("bad context: %s", strings.Join(errs, "; "))
	}
	return s, nil
}

// defaultAssetDir is build/ at the module root, found from the working directory.
func defaultAssetDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return "build"
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "build")
		}
		if filepath.Dir(d) == d {
			return "build"
		}
	}
}

// CheckAssets reports the functions' zips that are missing.
func (s Settings) CheckAssets(functions ...string) error {
	var missing []string
	for _, fn := range functions {
		if _, err := os.Stat(filepath.Join(s.AssetDir, fn+".zip")); err != nil {
			missing = append(missing, fn+".zip")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: missing %s: run `make build` first", s.AssetDir, strings.Join(missing, ", "))
	}
	return nil
}
