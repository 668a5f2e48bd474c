package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sfnapi "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ticklake/ticklake/local/sfn"
	"github.com/ticklake/ticklake/local/stack"
)

// queryResult is one analytics query's results.
type queryResult struct {
	Name     string
	Location string
	Scanned  int64
	Columns  []string
	Rows     [][]string
}

// stepPrinter prints the steps of state machine executions as they happen.
func stepPrinter(out io.Writer) func(sfn.Event) {
	var mu sync.Mutex
	return func(ev sfn.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasSuffix(ev.Type, "StateEntered"):
			fmt.Fprintf(out, "  %s  > %s\n", ev.Timestamp.Format("15:04:05.000"), ev.State)
		case ev.Type == "StateRetry":
			fmt.Fprintf(out, "  %s    retry %s after %v: %v\n", ev.Timestamp.Format("15:04:05.000"), ev.State, ev.Details["error"], ev.Details["delaySeconds"])
		case ev.Type == "StateCaught":
			fmt.Fprintf(out, "  %s    %s caught %v, on to %v\n", ev.Timestamp.Format("15:04:05.000"), ev.State, ev.Details["error"], ev.Details["next"])
		case ev.Type == "ExecutionFailed":
			fmt.Fprintf(out, "  %s  execution failed: %v: %v\n", ev.Timestamp.Format("15:04:05.000"), ev.Details["error"], ev.Details["cause"])
		}
	}
}

// runAnalytics starts the analytics state machine for day through the Step Functions API, as one does
// from the console, waits for it, and reads each query's results.
func runAnalytics(ctx context.Context, st *stack.Stack, day string, out io.Writer) ([]queryResult, error) {
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	cl := sfnapi.New(sfnapi.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint), Credentials: creds})
	input := fmt.Sprintf(`{"date": %q}`, day)
	fmt.Fprintf(out, "\nstate machine %s, input %s\n", stack.StateMachine, input)
	began := time.Now()
	started, err := cl.StartExecution(ctx, &sfnapi.StartExecutionInput{StateMachineArn: aws.String(st.AnalyticsARN), Input: aws.String(input)})
	if err != nil {
		return nil, fmt.Errorf("start analytics: %w", err)
	}
	var desc *sfnapi.DescribeExecutionOutput
	for {
		desc, err = cl.DescribeExecution(ctx, &sfnapi.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		if err != nil {
			return nil, err
		}
		if desc.Status != "RUNNING" {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	fmt.Fprintf(out, "execution %s %s in %s\n", aws.ToString(desc.Name), desc.Status, time.Since(began).Round(time.Millisecond))
	if desc.Status != "SUCCEEDED" {
		return nil, fmt.Errorf("analytics execution %s: %s: %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	var output struct {
		Date    string `json:"date"`
		Queries []struct {
			Query          string  `json:"query"`
			QueryExecution string  `json:"query_execution_id"`
			State          string  `json:"state"`
			OutputLocation string  `json:"output_location"`
			Scanned        float64 `json:"data_scanned_bytes"`
		} `json:"queries"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(desc.Output)), &output); err != nil {
		return nil, fmt.Errorf("analytics output: %w", err)
	}
	ath := athenaClient(st.Endpoint)
	var results []queryResult
	for _, q := range output.Queries {
		r := queryResult{Name: q.Query, Location: q.OutputLocation, Scanned: int64(q.Scanned)}
		if r.Columns, r.Rows, err = readResults(ctx, ath, q.QueryExecution); err != nil {
			return nil, fmt.Errorf("%s results: %w", q.Query, err)
		}
		fmt.Fprintf(out, "\n%s: %d rows, %d bytes scanned -> %s\n", r.Name, len(r.Rows), r.Scanned, r.Location)
		printTable(out, r.Columns, r.Rows, 12)
		results = append(results, r)
	}
	return results, nil
}
