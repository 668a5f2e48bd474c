package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
	// Stage names the deployment: "" (the default) is the stack Ticklake with today's names;
	// another stage is the stack Ticklake-<stage>, its Glue database ticklake_<stage>.
	Stage string
	// AvailabilityZoneIDs place the two private subnets by zone ID (use1-az1, ...); empty: see
	// DefaultZoneIDs.
	AvailabilityZoneIDs []string
	// StateMachineLogLevel is the analytics state machine's log level: ERROR, FATAL, ALL or OFF.
	StateMachineLogLevel string
	// LogExecutionData logs the executions' input and output (query results) too.
	LogExecutionData bool
	// LakeFormation grants, in Lake Formation, what the crawler, the functions and the state machine
	// need, for accounts where Lake Formation governs the Data Catalog.
	LakeFormation bool
	// Fields are the declared extra fields (context ticklake:fields).
	Fields schema.Schema
	// CompactedPrefix is the S3 prefix of compacted objects: outside DataPrefix (the crawler's target
	// and the S3 notification's prefix) and DLQPrefix.
	CompactedPrefix string
	// CompactionScheduleMinutes runs the compaction every this many minutes; CompactionSchedule, when
	// set, is a Scheduler expression (cron(...) or rate(...)) that overrides it.
	CompactionScheduleMinutes int
	CompactionSchedule        string
	// CompactionEnabled false deploys the compaction's schedule switched off.
	CompactionEnabled bool
	// CompactionLatenessMinutes: an hour is closed this long after its end.
	CompactionLatenessMinutes int
	// CompactionGraceMinutes: superseded objects are kept this long, longer than Athena's longest query.
	CompactionGraceMinutes int
	// CompactionMaxObjectMB caps one compacted object; CompactionRowGroupMB sizes its row groups.
	CompactionMaxObjectMB, CompactionRowGroupMB int
	// CompactionConcurrency bounds the hours compacted at once (the Map state's MaxConcurrency).
	CompactionConcurrency int
	// CompactorMemoryMB is the compactor function's memory.
	CompactorMemoryMB int
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
		TickSource: "sim", BatchSize: 10000, BatchWindowSeconds: 60, StartingPosition: "TRIM_HORIZON",
		BytesScannedCutoff: 10 << 30, LogRetentionDays: 30, DeadLetterDays: 30, ResultDays: 7, CrawlerMaxPolls: 40,
		Database: "ticklake", DataPrefix: "ticks/", DLQPrefix: "dlq/", StateMachineLogLevel: "ERROR", Fields: schema.MustDefault(),
		CompactedPrefix: "compacted/", CompactionScheduleMinutes: 60, CompactionEnabled: true, CompactionLatenessMinutes: 15,
		CompactionGraceMinutes: 120, CompactionMaxObjectMB: 512, CompactionRowGroupMB: 128, CompactionConcurrency: 4,
		CompactorMemoryMB: 3008,
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
	boolean := func(key string, dst *bool) {
		if v, ok := get(key); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("ticklake:%s=%q: want true or false", key, v))
				return
			}
			*dst = b
		}
	}
	boolean("schedule-enabled", &s.ScheduleEnabled)
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
	str("stage", &s.Stage)
	switch {
	case !stagePattern.MatchString(s.Stage):
		errs = append(errs, fmt.Sprintf("ticklake:stage=%q: want 1 to 16 lower-case letters, digits or hyphens, starting with a letter", s.Stage))
	case s.Stage != "":
		s.Database = "ticklake_" + strings.ReplaceAll(s.Stage, "-", "_")
	}
	str("database", &s.Database)
	if v, ok := get("availability-zone-ids"); ok && v != "" {
		for _, id := range strings.Split(v, ",") {
			s.AvailabilityZoneIDs = append(s.AvailabilityZoneIDs, strings.TrimSpace(id))
		}
		if err := checkZoneIDs(s.AvailabilityZoneIDs); err != nil {
			errs = append(errs, fmt.Sprintf("ticklake:availability-zone-ids=%q: %v", v, err))
		}
	}
	str("state-machine-log-level", &s.StateMachineLogLevel)
	switch s.StateMachineLogLevel {
	case "ERROR", "FATAL", "ALL", "OFF":
	default:
		errs = append(errs, fmt.Sprintf("ticklake:state-machine-log-level=%q: want ERROR, FATAL, ALL or OFF", s.StateMachineLogLevel))
	}
	boolean("log-execution-data", &s.LogExecutionData)
	boolean("lake-formation", &s.LakeFormation)
	str("asset-dir", &s.AssetDir)
	str("compacted-prefix", &s.CompactedPrefix)
	num("compaction-schedule-minutes", &s.CompactionScheduleMinutes, 1, 1440)
	str("compaction-schedule", &s.CompactionSchedule)
	boolean("compaction-enabled", &s.CompactionEnabled)
	num("compaction-lateness-minutes", &s.CompactionLatenessMinutes, 0, 1440)
	num("compaction-grace-minutes", &s.CompactionGraceMinutes, 30, 10080)
	num("compaction-max-object-mb", &s.CompactionMaxObjectMB, 16, 5120)
	num("compaction-row-group-mb", &s.CompactionRowGroupMB, 1, 1024)
	num("compaction-concurrency", &s.CompactionConcurrency, 1, 40)
	num("compactor-memory-mb", &s.CompactorMemoryMB, 512, 10240)
	errs = append(errs, s.checkCompaction()...)
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

// schedulePattern is a Scheduler expression the compaction's schedule accepts.
var schedulePattern = regexp.MustCompile(`^(cron\([^()]+\)|rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\))$`)

// checkCompaction checks the compaction's settings together, naming the keys.
func (s Settings) checkCompaction() []string {
	var errs []string
	if s.CompactionSchedule != "" && !schedulePattern.MatchString(s.CompactionSchedule) {
		errs = append(errs, fmt.Sprintf("ticklake:compaction-schedule=%q: want a Scheduler expression such as cron(20 * * * ? *) or rate(1 hour)", s.CompactionSchedule))
	}
	if s.CompactionRowGroupMB > s.CompactionMaxObjectMB {
		errs = append(errs, fmt.Sprintf("ticklake:compaction-row-group-mb=%d: want at most ticklake:compaction-max-object-mb (%d)", s.CompactionRowGroupMB, s.CompactionMaxObjectMB))
	}
	p := s.CompactedPrefix
	switch {
	case p == "" || !strings.HasSuffix(p, "/") || strings.HasPrefix(p, "/"):
		errs = append(errs, fmt.Sprintf("ticklake:compacted-prefix=%q: want a prefix such as compacted/, ending in /", p))
	case strings.HasPrefix(p, s.DataPrefix) || strings.HasPrefix(s.DataPrefix, p):
		errs = append(errs, fmt.Sprintf("ticklake:compacted-prefix=%q overlaps the data prefix %s (the crawler's target and the S3 notification's prefix)", p, s.DataPrefix))
	case strings.HasPrefix(p, s.DLQPrefix) || strings.HasPrefix(s.DLQPrefix, p):
		errs = append(errs, fmt.Sprintf("ticklake:compacted-prefix=%q overlaps the dead-letter prefix %s", p, s.DLQPrefix))
	}
	return errs
}

// CompactionExpression is the compaction schedule's expression: the explicit one, else every
// CompactionScheduleMinutes (hourly: at a fixed minute, just after the previous hour has closed).
func (s Settings) CompactionExpression() string {
	switch {
	case s.CompactionSchedule != "":
		return s.CompactionSchedule
	case s.CompactionScheduleMinutes == 1:
		return "rate(1 minute)"
	case s.CompactionScheduleMinutes == 60:
		// Hourly, 5 minutes after the last hour closes (its end plus the lateness).
		return fmt.Sprintf("cron(%d * * * ? *)", (s.CompactionLatenessMinutes+5)%60)
	case s.CompactionScheduleMinutes%60 == 0:
		return fmt.Sprintf("rate(%d hours)", s.CompactionScheduleMinutes/60)
	}
	return fmt.Sprintf("rate(%d minutes)", s.CompactionScheduleMinutes)
}

// stagePattern is what a stage may be: it becomes part of the stack's name and of resource names.
var stagePattern = regexp.MustCompile(`^([a-z][a-z0-9-]{0,15})?$`)

// zoneIDPattern is an availability zone ID: the region's short form, -az, a number (use1-az1).
var zoneIDPattern = regexp.MustCompile(`^[a-z]{2,}[0-9]+-az[0-9]+$`)

// checkZoneIDs wants two distinct zone IDs of one region, one per private subnet.
func checkZoneIDs(ids []string) error {
	if len(ids) != 2 {
		return fmt.Errorf("want two zone IDs, comma-separated (such as use1-az1,use1-az2)")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !zoneIDPattern.MatchString(id) {
			return fmt.Errorf("%q is not a zone ID (such as use1-az1; see aws ec2 describe-availability-zones)", id)
		}
		if seen[id] {
			return fmt.Errorf("%s is listed twice", id)
		}
		seen[id] = true
		if prefix(id) != prefix(ids[0]) {
			return fmt.Errorf("%s and %s are in different regions", ids[0], id)
		}
	}
	return nil
}

func prefix(zoneID string) string { return zoneID[:strings.Index(zoneID, "-az")] }

// StackID is the stack's name: Ticklake, or Ticklake-<stage>.
func (s Settings) StackID() string {
	if s.Stage == "" {
		return "Ticklake"
	}
	return "Ticklake-" + s.Stage
}

// MetricNamespace is the namespace of the stack's own metrics: ticklake, or ticklake/<stage>.
func (s Settings) MetricNamespace() string {
	if s.Stage == "" {
		return "ticklake"
	}
	return "ticklake/" + s.Stage
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
