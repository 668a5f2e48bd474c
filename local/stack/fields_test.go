package stack

import (
	"context"
	"fmt"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/local/lambdas"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/kafkaevent"
)

// consume invokes the consumer on ticks of one hour carrying a venue and a sequence number, then
// crawls.
func consume(t *testing.T, st *Stack, hour string, first int64) {
	t.Helper()
	var values [][]byte
	for i := range 4 {
		values = append(values, []byte(fmt.Sprintf(`{"symbol":"AAPL","ts":"2026-11-25T%s:00:0%dZ","price":1.5,"venue":"XNAS","seq":%d}`,
			hour, i, first+int64(i))))
	}
	payload := kafkaevent.Append(nil, fixture.Event(Topic, 0, first, values))
	fn, _ := st.Functions.Get(lambdas.Consumer)
	if _, err := fn.Invoke(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Crawl(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestAddAndRetireField declares a field on a twin that holds two partitions (as a deploy does),
// then retires it; every partition stays queryable, old ones reading NULL.
func TestAddAndRetireField(t *testing.T) {
	dir := t.TempDir()
	opts := Options{DataDir: dir, NoPipeline: true, Fields: "venue:string"}
	st := start(t, opts)
	consume(t, st, "14", 0)
	consume(t, st, "15", 100)
	st.Close()

	opts.Fields = "venue:string,seq:bigint" // the deploy that declares seq
	st = start(t, opts)
	consume(t, st, "16", 200)
	rows := query(t, st, "SELECT hour, count(*) AS n, count(seq) AS seqs, max(seq) AS top, count(extra) AS extras FROM ticks GROUP BY hour ORDER BY hour")
	want := []string{"14 4 0  4", "15 4 0  4", "16 4 4 203 0"}
	check := func(rows []map[string]string, want []string) {
		t.Helper()
		if len(rows) != len(want) {
			t.Fatalf("%d hours, want %d: %v", len(rows), len(want), rows)
		}
		for i, r := range rows {
			if got := fmt.Sprintf("%s %s %s %s %s", r["hour"], r["n"], r["seqs"], r["top"], r["extras"]); got != want[i] {
				t.Errorf("hour %d: %q, want %q", i, got, want[i])
			}
		}
	}
	check(rows, want)
	parts, err := st.Catalog.Partitions(Database, analytics.Table)
	if err != nil || len(parts) != 3 {
		t.Fatalf("partitions %v, %v", parts, err)
	}
	hasSeq := func(i int) bool {
		for _, c := range parts[i].StorageDescriptor.Columns {
			if c.Name == "seq" {
				return true
			}
		}
		return false
	}
	if hasSeq(0) || hasSeq(1) || !hasSeq(2) {
		t.Error("partitions do not keep the column lists of the table when they were added")
	}
	st.Close()

	opts.Fields = "venue:string,-seq:bigint" // the deploy that retires seq
	st = start(t, opts)
	consume(t, st, "17", 300)
	rows = query(t, st, "SELECT hour, count(*) AS n, count(seq) AS seqs, max(seq) AS top, count(extra) AS extras FROM ticks GROUP BY hour ORDER BY hour")
	check(rows, append(want, "17 4 0  4"))
	if r := query(t, st, "SELECT venue FROM ticks WHERE hour = '14' LIMIT 1"); len(r) != 1 || r[0]["venue"] != "XNAS" {
		t.Errorf("venue of an old partition: %v", r)
	}
}
