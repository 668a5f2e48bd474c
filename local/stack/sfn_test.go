package stack

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func sfnClient(st *Stack) *sfnapi.Client {
	return sfnapi.New(sfnapi.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// execute runs the checked-in analytics definition through the Step Functions API and waits for it.
func execute(t *testing.T, st *Stack, input string) *sfnapi.DescribeExecutionOutput {
	t.Helper()
	cl := sfnClient(st)
	ctx := context.Background()
	started, err := cl.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: aws.String(st.AnalyticsARN), Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		d, err := cl.DescribeExecution(ctx, &sfnapi.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("execution did not end")
	return nil
}

func history(t *testing.T, st *Stack, arn *string) []sfntypes.HistoryEvent {
	t.Helper()
	h, err := sfnClient(st).GetExecutionHistory(context.Background(), &sfnapi.GetExecutionHistoryInput{ExecutionArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	return h.Events
}

func fastOptions() Options {
	return Options{Rate: 1000, RunSeconds: 1, Partitions: 2, BatchSize: 300, Window: 20 * time.Millisecond, TimeScale: 0.001}
}

func TestAnalyticsSucceeds(t *testing.T) {
	st := start(t, fastOptions())
	sum := produce(t, st)
	d := execute(t, st, `{"date":"`+sum.FirstTS[:10]+`"}`)
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var out struct {
		Date    string
		Queries []struct {
			Query          string               `json:"query"`
			State          string               `json:"state"`
			OutputLocation string               `json:"output_location"`
			Preview        struct{ Rows []any } `json:"preview"`
		} `json:"queries"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil {
		t.Fatal(err)
	}
	if out.Date != sum.FirstTS[:10] || len(out.Queries) != 5 {
		t.Fatalf("output %s", aws.ToString(d.Output))
	}
	for _, q := range out.Queries {
		if q.State != "SUCCEEDED" || !strings.HasPrefix(q.OutputLocation, "s3://"+ResultsBucket+"/results/") || len(q.Preview.Rows) == 0 {
			t.Fatalf("query %+v", q)
		}
	}
	// Without a date, the execution's own day is used.
	if d := execute(t, st, `{}`); d.Status != sfntypes.ExecutionStatusSucceeded || !strings.Contains(aws.ToString(d.Output), time.Now().UTC().Format(time.DateOnly)) {
		t.Fatalf("default date: %s %s", d.Status, aws.ToString(d.Output))
	}
	list, err := sfnClient(st).ListExecutions(context.Background(), &sfnapi.ListExecutionsInput{StateMachineArn: aws.String(st.AnalyticsARN)})
	if err != nil || len(list.Executions) != 2 {
		t.Fatalf("ListExecutions = %v, %v", list, err)
	}
}

func TestAnalyticsWaitsForRunningCrawler(t *testing.T) {
	opts := fastOptions()
	st := start(t, opts)
	sum := produce(t, st)
	st.Crawlers.Duration = 200 * time.Millisecond
	if err := st.Crawlers.Start(Crawler); err != nil {
		t.Fatal(err)
	}
	d := execute(t, st, `{"date":"`+sum.FirstTS[:10]+`"}`)
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	found := false
	for _, ev := range history(t, st, d.ExecutionArn) {
		if ev.TaskFailedEventDetails != nil && aws.ToString(ev.TaskFailedEventDetails.Error) == "Glue.CrawlerRunningException" {
			found = true
		}
	}
	if !found {
		t.Fatal("the history shows no CrawlerRunningException: the crawler was not found running")
	}
}

func TestAnalyticsCrawlFails(t *testing.T) {
	st := start(t, fastOptions())
	sum := produce(t, st)
	st.Crawlers.FailNext(Crawler, "Internal Service Exception")
	d := execute(t, st, `{"date":"`+sum.FirstTS[:10]+`"}`)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "Crawler.CrawlFailed" ||
		!strings.Contains(aws.ToString(d.Cause), "Internal Service Exception") {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

func TestAnalyticsQueryFails(t *testing.T) {
	st := start(t, Options{NoPipeline: true, TimeScale: 0.001})
	// The table is gone (dropped by hand): the crawl finds no data to make one, and every query fails.
	if err := st.Catalog.DeleteTable(Database, "ticks"); err != nil {
		t.Fatal(err)
	}
	d := execute(t, st, `{"date":"2026-11-25"}`)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "States.TaskFailed" ||
		!strings.Contains(aws.ToString(d.Cause), "TABLE_NOT_FOUND") {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var sawFailState bool
	for _, ev := range history(t, st, d.ExecutionArn) {
		if ev.StateEnteredEventDetails != nil && aws.ToString(ev.StateEnteredEventDetails.Name) == "Failed" {
			sawFailState = true
		}
	}
	if !sawFailState {
		t.Fatal("the error did not go through the Failed state")
	}
}

func TestStepFunctionsAPI(t *testing.T) {
	st := start(t, Options{NoPipeline: true})
	cl := sfnClient(st)
	ctx := context.Background()
	created, err := cl.CreateStateMachine(ctx, &sfnapi.CreateStateMachineInput{Name: aws.String("wait"), RoleArn: aws.String("arn:aws:iam::000000000000:role/r"),
		Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateStateMachine(ctx, &sfnapi.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: aws.String("r"),
		Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Nope","End":true}}}`)}); err == nil {
		t.Fatal("an invalid definition was accepted")
	}
	ex, err := cl.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: created.StateMachineArn, Name: aws.String("one")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.StopExecution(ctx, &sfnapi.StopExecutionInput{ExecutionArn: ex.ExecutionArn, Error: aws.String("Stopped"), Cause: aws.String("by the test")}); err != nil {
		t.Fatal(err)
	}
	d, err := cl.DescribeExecution(ctx, &sfnapi.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil || d.Status != sfntypes.ExecutionStatusAborted {
		t.Fatalf("DescribeExecution after stop = %v, %v", d, err)
	}
	machines, err := cl.ListStateMachines(ctx, &sfnapi.ListStateMachinesInput{})
	if err != nil || len(machines.StateMachines) != 3 { // analytics, compaction and the one created here
		t.Fatalf("ListStateMachines = %v, %v", machines, err)
	}
}

// TestLambdaInvokeIntegration runs a state machine whose tasks invoke the in-process functions, by
// the lambda:invoke integration and by function ARN.
func TestLambdaInvokeIntegration(t *testing.T) {
	st := start(t, Options{NoPipeline: true})
	cl := sfnClient(st)
	ctx := context.Background()
	def := `{"StartAt":"Consume","States":{
		"Consume":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:consumer","Payload.$":"$.event"},
			"ResultSelector":{"records.$":"$.Payload.records","status.$":"$.StatusCode"},"ResultPath":"$.consumed","Next":"Trigger"},
		"Trigger":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:crawlertrigger",
			"InputPath":"$.s3","ResultPath":"$.triggered","End":true}}}`
	created, err := cl.CreateStateMachine(ctx, &sfnapi.CreateStateMachineInput{Name: aws.String("lambdas"), RoleArn: aws.String("r"), Definition: aws.String(def)})
	if err != nil {
		t.Fatal(err)
	}
	event, err := os.ReadFile("../../events/consumer.json")
	if err != nil {
		t.Fatal(err)
	}
	input := `{"event":` + string(event) + `,"s3":{"Records":[]}}`
	ex, err := cl.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: created.StateMachineArn, Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.SFN.Wait(ctx, aws.ToString(ex.ExecutionArn))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Consumed  struct{ Records, Status float64 }
		Triggered struct {
			Reason string `json:"reason"`
		}
	}
	if err := json.Unmarshal([]byte(d.Output), &out); err != nil || d.Status != "SUCCEEDED" {
		t.Fatalf("%s %s %s: %v", d.Status, d.Error, d.Cause, err)
	}
	if out.Consumed.Records != 8 || out.Consumed.Status != 200 || !strings.HasPrefix(out.Triggered.Reason, "no new data object") {
		t.Fatalf("output %s", d.Output)
	}
}
