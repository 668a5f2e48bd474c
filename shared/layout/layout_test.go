package layout

import (
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	us := time.Date(2026, 11, 25, 9, 59, 59, 999999000, time.UTC).UnixMicro()
	p := PartitionOf(us)
	if p != (Partition{DT: "2026-11-25", Hour: "09"}) {
		t.Fatalf("PartitionOf = %+v", p)
	}
	if got := PartitionOf(-1); got != (Partition{DT: "1969-12-31", Hour: "23"}) {
		t.Fatalf("PartitionOf(-1) = %+v", got)
	}
	name := BatchName("ticks", 3, 42, 1041)
	key := DataKey("ticks/", p, name)
	if key != "ticks/dt=2026-11-25/hour=09/ticks-3-00000000000000000042-00000000000000001041.parquet" {
		t.Fatalf("DataKey = %s", key)
	}
	if got, ok := ParseDataKey("ticks/", key); !ok || got != p {
		t.Fatalf("ParseDataKey(%s) = %+v, %v", key, got, ok)
	}
	if got := DLQKey("dlq/", time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC).UnixMilli(), name); got != "dlq/dt=2026-11-25/"+name+".jsonl" {
		t.Fatalf("DLQKey = %s", got)
	}
	if v := p.Values(); len(v) != 2 || v[0] != "2026-11-25" || v[1] != "09" {
		t.Fatalf("Values = %v", v)
	}
}

func TestParseDataKeyRejects(t *testing.T) {
	for _, key := range []string{
		"dlq/dt=2026-11-25/x.jsonl", "ticks/dt=2026-11-25/hour=09/x.json", "ticks/dt=2026-13-01/hour=09/x.parquet",
		"ticks/dt=2026-11-25/hour=24/x.parquet", "ticks/dt=2026-11-25/hour=9/x.parquet", "ticks/dt=2026-11-25/x.parquet",
		"ticks/hour=09/dt=2026-11-25/x.parquet", "ticks/dt=2026-11-25/hour=09/sub/x.parquet", "other/dt=2026-11-25/hour=09/x.parquet",
	} {
		if p, ok := ParseDataKey("ticks/", key); ok {
			t.Errorf("ParseDataKey(%s) = %+v, want no partition", key, p)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	for prefix, ok := range map[string]bool{"ticks/": true, "a/b/": true, "": false, "/ticks/": false, "ticks": false} {
		if err := CheckPrefix(prefix); (err == nil) != ok {
			t.Errorf("CheckPrefix(%q) = %v", prefix, err)
		}
	}
}
