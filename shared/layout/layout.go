// Package layout names ticklake's objects on S3: the Hive-style partitions of the data, the
// deterministic object names that make a retried batch overwrite rather than duplicate, and the
// dead-letter objects.
//
//	DATA_PREFIX dt=YYYY-MM-DD/hour=HH/<topic>-<partition>-<first offset>-<last offset>.parquet
//	DLQ_PREFIX  dt=YYYY-MM-DD/<topic>-<partition>-<first offset>-<last offset>.jsonl
//
// Offsets are zero-padded to 20 digits so that names sort in offset order.
package layout

import (
	"fmt"
	"strings"
	"time"
)

// Environment variables that place the data and the dead letters, shared by the functions.
const (
	EnvDataPrefix = "DATA_PREFIX"
	EnvDLQPrefix  = "DLQ_PREFIX"
)

// Default prefixes.
const (
	DefaultDataPrefix = "ticks/"
	DefaultDLQPrefix  = "dlq/"
)

// Partition keys of the data, as Glue and Athena name them.
const (
	KeyDT   = "dt"
	KeyHour = "hour"
)

// File name suffixes.
const (
	DataSuffix = ".parquet"
	DLQSuffix  = ".jsonl"
)

// Partition is one hour of data.
type Partition struct {
	DT   string // YYYY-MM-DD
	Hour string // HH, 00 to 23
}

// PartitionOf returns the partition of an event time in microseconds since the epoch, in UTC.
func PartitionOf(us int64) Partition {
	t := time.UnixMicro(us).UTC()
	return Partition{DT: t.Format(time.DateOnly), Hour: fmt.Sprintf("%02d", t.Hour())}
}

// Path is the partition's folder, "dt=YYYY-MM-DD/hour=HH/".
func (p Partition) Path() string { return KeyDT + "=" + p.DT + "/" + KeyHour + "=" + p.Hour + "/" }

// Values are the partition's values in key order, as Glue's GetPartition takes them.
func (p Partition) Values() []string { return []string{p.DT, p.Hour} }

// BatchName names the objects of one batch of one topic-partition, from its first and last offset.
func BatchName(topic string, partition int32, first, last int64) string {
	return fmt.Sprintf("%s-%d-%020d-%020d", topic, partition, first, last)
}

// DataKey is the key of a batch's data object in a partition.
func DataKey(prefix string, p Partition, batchName string) string {
	return prefix + p.Path() + batchName + DataSuffix
}

// DLQKey is the key of a batch's dead-letter object, filed under the day of the batch's first Kafka
// timestamp (milliseconds since the epoch), which a retry sees unchanged.
func DLQKey(prefix string, kafkaMillis int64, batchName string) string {
	day := time.UnixMilli(kafkaMillis).UTC().Format(time.DateOnly)
	return prefix + KeyDT + "=" + day + "/" + batchName + DLQSuffix
}

// ParseDataKey returns the partition of a data object's key, and false for any key that is not a
// data object under prefix.
func ParseDataKey(prefix, key string) (Partition, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok || !strings.HasSuffix(rest, DataSuffix) {
		return Partition{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return Partition{}, false
	}
	dt, ok1 := strings.CutPrefix(parts[0], KeyDT+"=")
	hour, ok2 := strings.CutPrefix(parts[1], KeyHour+"=")
	if !ok1 || !ok2 {
		return Partition{}, false
	}
	if _, err := time.Parse(time.DateOnly, dt); err != nil {
		return Partition{}, false
	}
	if len(hour) != 2 || hour < "00" || hour > "23" || hour[0] < '0' || hour[0] > '2' || hour[1] < '0' || hour[1] > '9' {
		return Partition{}, false
	}
	return Partition{DT: dt, Hour: hour}, true
}

// CheckPrefix validates a key prefix: not empty, no leading slash, ending in a slash.
func CheckPrefix(prefix string) error {
	switch {
	case prefix == "":
		return fmt.Errorf("empty prefix")
	case strings.HasPrefix(prefix, "/"):
		return fmt.Errorf("prefix %q starts with '/'", prefix)
	case !strings.HasSuffix(prefix, "/"):
		return fmt.Errorf("prefix %q does not end with '/'", prefix)
	}
	return nil
}
