package stack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ticklake/ticklake/local/lambdas"
)

// consumeSample stores the sample MSK event's ticks (2026-11-25) through the consumer, and, for each
// extra day, the same ticks moved to that day, at later offsets.
func consumeSample(t *testing.T, st *Stack, days ...string) {
	t.Helper()
	raw, err := os.ReadFile("../../events/consumer.json")
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := st.Functions.Get(lambdas.Consumer)
	if _, err := fn.Invoke(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	for i, day := range days {
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		for _, recs := range ev["records"].(map[string]any) {
			for _, r := range recs.([]any) {
				rec := r.(map[string]any)
				value, _ := base64.StdEncoding.DecodeString(rec["value"].(string))
				rec["value"] = base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(string(value), "2026-11-25", day)))
				rec["offset"] = rec["offset"].(float64) + float64(1000*(i+1))
			}
		}
		moved, _ := json.Marshal(ev)
		if _, err := fn.Invoke(context.Background(), moved); err != nil {
			t.Fatal(err)
		}
	}
}

// firstRunOptions make a stack without the pipeline whose crawls take 90 s, as on AWS, on a clock
// a thousand times fast: the state machine's first poll, 30 s after StartCrawler, finds the first
// crawl still running, so GetCrawler's answer has no LastCrawl.
func firstRunOptions() Options {
	return Options{NoPipeline: true, TimeScale: 0.001, CrawlDuration: 90 * time.Second}
}

// TestAnalyticsOnFreshStack starts analytics on a stack that has never crawled: the first poll sees
// the crawler RUNNING without a LastCrawl, the execution polls on and succeeds.
func TestAnalyticsOnFreshStack(t *testing.T) {
	st := start(t, firstRunOptions())
	consumeSample(t, st)
	if c, _ := st.Crawlers.Get(Crawler); c.LastCrawl != nil {
		t.Fatal("a fresh crawler has a LastCrawl")
	}
	d := execute(t, st, `{"date":"2026-11-25"}`)
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var withoutLastCrawl, polls int
	for _, ev := range history(t, st, d.ExecutionArn) {
		if ev.StateExitedEventDetails != nil && aws.ToString(ev.StateExitedEventDetails.Name) == "GetCrawler" {
			polls++
			if !strings.Contains(aws.ToString(ev.StateExitedEventDetails.Output), `"LastCrawl"`) {
				withoutLastCrawl++
			}
		}
	}
	if withoutLastCrawl == 0 || polls <= withoutLastCrawl {
		t.Fatalf("%d polls, %d without LastCrawl: the first crawl was not seen running", polls, withoutLastCrawl)
	}
	if !strings.Contains(aws.ToString(d.Output), `"Status":"SUCCEEDED"`) {
		t.Fatalf("summary %s lacks the crawl", aws.ToString(d.Output))
	}
}

// TestUnguardedDefinitionFailsOnFreshStack runs the definition as it was before LastCrawl was read
// only once present: its GetCrawler ResultSelector fails with States.Runtime, which its States.ALL
// catcher does not handle, as on AWS.
func TestUnguardedDefinitionFailsOnFreshStack(t *testing.T) {
	st := start(t, firstRunOptions())
	consumeSample(t, st)
	def, err := os.ReadFile("testdata/analytics-before-guard.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	cl := sfnClient(st)
	ctx := context.Background()
	created, err := cl.CreateStateMachine(ctx, &sfnapi.CreateStateMachineInput{Name: aws.String("analytics-before-guard"),
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), Definition: aws.String(string(def))})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := cl.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: created.StateMachineArn, Input: aws.String(`{"date":"2026-11-25"}`)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.SFN.Wait(ctx, aws.ToString(ex.ExecutionArn))
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != "FAILED" || d.Error != "States.Runtime" || !strings.Contains(d.Cause, "$.Crawler.LastCrawl") {
		t.Fatalf("%s %s %s; want FAILED with States.Runtime on $.Crawler.LastCrawl", d.Status, d.Error, d.Cause)
	}
}

// TestAnalyticsTwoDaysInARow runs analytics for two days, one after the other, then the first
// again: each run gets its own day's results, none reused. An older definition that asked Athena
// to reuse results for five minutes gets the first day's results for the second day.
func TestAnalyticsTwoDaysInARow(t *testing.T) {
	st := start(t, Options{NoPipeline: true, TimeScale: 0.001})
	consumeSample(t, st, "2026-11-26")
	type summary struct {
		Date    string `json:"date"`
		Queries []struct {
			Query          string `json:"query"`
			ID             string `json:"query_execution_id"`
			OutputLocation string `json:"output_location"`
			Preview        struct {
				Rows []struct {
					Data []struct{ VarCharValue string }
				}
			} `json:"preview"`
		} `json:"queries"`
	}
	run := func(arn, day string) summary {
		t.Helper()
		ex, err := sfnClient(st).StartExecution(context.Background(), &sfnapi.StartExecutionInput{StateMachineArn: aws.String(arn),
			Input: aws.String(`{"date":"` + day + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.SFN.Wait(context.Background(), aws.ToString(ex.ExecutionArn))
		if err != nil || d.Status != "SUCCEEDED" {
			t.Fatalf("%s: %v %s %s %s", day, err, d.Status, d.Error, d.Cause)
		}
		var s summary
		if err := json.Unmarshal([]byte(d.Output), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// vwapDay is the day column of the first row of vwap_daily's preview (its header is row 0).
	vwapDay := func(s summary) string {
		for _, q := range s.Queries {
			if q.Query == "vwap_daily" && len(q.Preview.Rows) > 1 {
				return q.Preview.Rows[1].Data[1].VarCharValue
			}
		}
		t.Fatalf("no vwap_daily rows in %+v", s)
		return ""
	}
	reused := func(s summary) int {
		n := 0
		for _, q := range s.Queries {
			ex, err := athenaClient(st).GetQueryExecution(context.Background(), &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(q.ID)})
			if err != nil {
				t.Fatal(err)
			}
			if info := ex.QueryExecution.Statistics.ResultReuseInformation; info != nil && info.ReusedPreviousResult {
				n++
			}
		}
		return n
	}
	first, second := run(st.AnalyticsARN, "2026-11-25"), run(st.AnalyticsARN, "2026-11-26")
	if vwapDay(first) != "2026-11-25" || vwapDay(second) != "2026-11-26" || reused(second) != 0 {
		t.Fatalf("days %s then %s, %d results reused; want each day's own", vwapDay(first), vwapDay(second), reused(second))
	}
	// Result reuse is off: the same day again runs its queries again.
	again := run(st.AnalyticsARN, "2026-11-25")
	if vwapDay(again) != "2026-11-25" || reused(again) != 0 || again.Queries[0].OutputLocation == first.Queries[0].OutputLocation {
		t.Fatalf("the same day again: %s, %d of %d reused", vwapDay(again), reused(again), len(again.Queries))
	}
	// A definition that asks for reuse with the same text for every day: the local Athena reuses as
	// Athena does, and the second day gets the first day's results.
	def, err := os.ReadFile("testdata/analytics-before-guard.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	old, err := st.SFN.Create("analytics-same-text", string(def), "")
	if err != nil {
		t.Fatal(err)
	}
	run(old, "2026-11-25")
	if got := run(old, "2026-11-26"); vwapDay(got) != "2026-11-25" || reused(got) != len(got.Queries) {
		t.Fatalf("the same text for two days: second day shows %s with %d reused; the local Athena should reuse as Athena does", vwapDay(got), reused(got))
	}
}

// TestBadDateFails checks that a date that is not a day ends in BadDate, before anything runs.
func TestBadDateFails(t *testing.T) {
	st := start(t, Options{NoPipeline: true, TimeScale: 0.001})
	for _, input := range []string{`{"date":"2026-11-5"}`, `{"date":"2026-13-01"}`, `{"date":"2026-11-25' OR 1=1 --"}`,
		`{"date":20261125}`, `{"date":"25/11/2026"}`, `{"date":"2026-11-25T00:00:00Z"}`} {
		d := execute(t, st, input)
		if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "Input.BadDate" || !strings.Contains(aws.ToString(d.Cause), "YYYY-MM-DD") {
			t.Errorf("%s: %s %s %s", input, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		for _, ev := range history(t, st, d.ExecutionArn) {
			if ev.StateEnteredEventDetails != nil && aws.ToString(ev.StateEnteredEventDetails.Name) == "StartCrawler" {
				t.Errorf("%s: the crawler was started", input)
			}
		}
	}
}

// TestCloseCutsCrawlShort checks that closing the stack does not wait out a crawl's duration (90 s
// in serve, at real time): the crawl under way ends at once.
func TestCloseCutsCrawlShort(t *testing.T) {
	st, err := Start(Options{DataDir: t.TempDir(), NoPipeline: true, CrawlDuration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Crawlers.Start(Crawler); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		st.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close waited for the hour-long crawl to end")
	}
}
