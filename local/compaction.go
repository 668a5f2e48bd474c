package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ticklake/ticklake/local/sfn"
	"github.com/ticklake/ticklake/local/stack"
	"github.com/ticklake/ticklake/shared/compactor"
)

// compactionOutput is the compaction state machine's output.
type compactionOutput struct {
	Results []struct {
		Hour   string             `json:"hour"`
		Failed bool               `json:"failed"`
		Error  string             `json:"error"`
		Cause  string             `json:"cause"`
		Result compactor.Response `json:"result"`
	} `json:"results"`
	FailedHours int `json:"failed_hours"`
	// Cleanup is the cleanup's response, or its error.
	Cleanup struct {
		Response *compactor.Response `json:"response"`
		Error    string              `json:"Error"`
		Cause    string              `json:"Cause"`
	} `json:"cleanup"`
}

// compact runs the compaction state machine once (hours empty: every closed hour that needs it) and
// prints what the catalog's partitions held before and after, and each hour's result.
func compact(ctx context.Context, st *stack.Stack, hours []string, out io.Writer) error {
	_, objBefore, bytesBefore, err := st.LakeStats()
	if err != nil {
		return err
	}
	input := "{}"
	if len(hours) > 0 {
		b, _ := json.Marshal(map[string][]string{"hours": hours})
		input = string(b)
	}
	fmt.Fprintf(out, "\nstate machine %s, input %s\n", stack.CompactionMachine, input)
	began := time.Now()
	ex, err := st.Compact(ctx, hours)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "execution %s %s in %s\n", ex.Name, ex.Status, time.Since(began).Round(time.Millisecond))
	printCompaction(out, ex)
	parts, objAfter, bytesAfter, err := st.LakeStats()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "lake (%d partitions, what Athena reads): before %d objects, %s; after %d objects, %s\n",
		parts, objBefore, size(bytesBefore), objAfter, size(bytesAfter))
	if ex.Status != "SUCCEEDED" {
		return fmt.Errorf("compaction execution %s: %s: %s", ex.Status, ex.Error, ex.Cause)
	}
	return nil
}

// printCompaction prints each hour of a compaction execution's output.
func printCompaction(out io.Writer, ex sfn.Execution) {
	var o compactionOutput
	if ex.Output == "" || json.Unmarshal([]byte(ex.Output), &o) != nil {
		return
	}
	if len(o.Results) == 0 {
		fmt.Fprintln(out, "  no hour needs compaction")
	}
	for _, r := range o.Results {
		c := r.Result
		switch {
		case r.Failed:
			fmt.Fprintf(out, "  %s  FAILED %s: %s\n", r.Hour, r.Error, r.Cause)
		case c.Skipped:
			fmt.Fprintf(out, "  %s  skipped: %s\n", r.Hour, c.Reason)
		default:
			fmt.Fprintf(out, "  %s  %d objects, %s, %d rows -> %d object(s), %s, %d rows (%d duplicates dropped) at %s\n",
				r.Hour, c.ObjectsIn, size(c.BytesIn), c.RowsIn, c.ObjectsOut, size(c.BytesOut), c.RowsOut, c.Duplicates, c.Location)
		}
	}
	switch cl := o.Cleanup; {
	case cl.Error != "":
		fmt.Fprintf(out, "  cleanup FAILED %s: %s\n", cl.Error, cl.Cause)
	case cl.Response != nil:
		fmt.Fprintf(out, "  cleanup: %d superseded objects deleted\n", cl.Response.Deleted)
	}
}

// size prints bytes for people.
func size(b int64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// hoursBetween lists the hours ("YYYY-MM-DDTHH", UTC) from the one of first to the one of last, two
// RFC 3339 times; nil when either is not one.
func hoursBetween(first, last string) []string {
	a, err1 := time.Parse(time.RFC3339Nano, first)
	b, err2 := time.Parse(time.RFC3339Nano, last)
	if err1 != nil || err2 != nil || b.Before(a) {
		return nil
	}
	var hours []string
	for h := a.UTC().Truncate(time.Hour); !h.After(b.UTC()); h = h.Add(time.Hour) {
		hours = append(hours, h.Format(compactor.HourFormat))
	}
	return hours
}

func cmdCompact(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("compact")
	var sf stackFlags
	sf.add(fs)
	var hours multi
	fs.Var(&hours, "hour", "an hour to compact, YYYY-MM-DDTHH (repeatable); none: every closed hour that needs it")
	lateness := fs.Duration("lateness", compactor.DefaultLateness, "an hour is closed this long after its end")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := sf.check(); err != nil {
		return err
	}
	for _, h := range hours {
		if _, err := time.Parse(compactor.HourFormat, h); err != nil {
			return userErrorf("--hour=%s: want an hour such as 2026-11-25T14", h)
		}
	}
	if *lateness < 0 {
		return userErrorf("--lateness=%s: want 0 or more", *lateness)
	}
	st, err := stack.Start(stack.Options{DataDir: sf.data, Fields: sf.fields, Partitions: sf.partitions, NoPipeline: true,
		Lateness: max(*lateness, time.Nanosecond), OnStep: stepPrinter(out)})
	if err != nil {
		return startError(err)
	}
	defer st.Close()
	return compact(ctx, st, hours, out)
}

// hourList prints hours briefly.
func hourList(hours []string) string {
	if len(hours) <= 4 {
		return strings.Join(hours, ", ")
	}
	return fmt.Sprintf("%s, ... %s (%d hours)", hours[0], hours[len(hours)-1], len(hours))
}
