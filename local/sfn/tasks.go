package sfn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// Invoker runs a Lambda function in process.
type Invoker func(ctx context.Context, function string, payload []byte) ([]byte, error)

// LocalTasks binds Task resources, by their full resource string, to the local endpoint and
// functions:
//
//	arn:aws:states:::aws-sdk:SERVICE:ACTION          the API call, its parameters as the request
//	arn:aws:states:::athena:startQueryExecution.sync the query, waited for until it ends
//	arn:aws:states:::athena:startQueryExecution      the query, started
//	arn:aws:states:::athena:getQueryResults          the results
//	arn:aws:states:::lambda:invoke                   a function, {"Payload", "StatusCode"} back
//	arn:aws:lambda:REGION:ACCOUNT:function:NAME      a function, its response back
type LocalTasks struct {
	Endpoint string
	HTTP     *http.Client
	Invoke   Invoker
	// Poll is how often a .sync integration checks its job.
	Poll time.Duration
}

// jsonTargets are the JSON-protocol services the local endpoint serves: X-Amz-Target prefix and
// the service's name in error names.
var jsonTargets = map[string]struct{ prefix, errName, contentType string }{
	"glue":   {"AWSGlue.", "Glue", "application/x-amz-json-1.1"},
	"athena": {"AmazonAthena.", "Athena", "application/x-amz-json-1.1"},
}

// RunTask runs one resource.
func (lt *LocalTasks) RunTask(ctx context.Context, resource string, params any) (any, error) {
	rest, ok := strings.CutPrefix(resource, "arn:aws:states:::")
	if !ok {
		if fn, ok := lambdaName(resource); ok {
			return lt.invoke(ctx, fn, params, false)
		}
		return nil, statesErr("States.Runtime", "Task resource %s is not supported by the local interpreter", resource)
	}
	switch {
	case strings.HasPrefix(rest, "aws-sdk:"):
		parts := strings.Split(strings.TrimPrefix(rest, "aws-sdk:"), ":")
		if len(parts) != 2 {
			return nil, statesErr("States.Runtime", "bad aws-sdk resource %s", resource)
		}
		return lt.call(ctx, parts[0], parts[1], params)
	case rest == "athena:startQueryExecution.sync":
		started, err := lt.call(ctx, "athena", "startQueryExecution", params)
		if err != nil {
			return nil, err
		}
		id := started.(map[string]any)["QueryExecutionId"]
		for {
			out, err := lt.call(ctx, "athena", "getQueryExecution", map[string]any{"QueryExecutionId": id})
			if err != nil {
				return nil, err
			}
			q, _ := out.(map[string]any)["QueryExecution"].(map[string]any)
			status, _ := q["Status"].(map[string]any)
			switch status["State"] {
			case "SUCCEEDED":
				return out, nil
			case "FAILED", "CANCELLED":
				cause, _ := json.Marshal(out)
				return nil, &Error{Name: "States.TaskFailed", Cause: string(cause)}
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(lt.poll()):
			}
		}
	case rest == "athena:startQueryExecution", rest == "athena:getQueryResults", rest == "athena:getQueryExecution",
		rest == "athena:stopQueryExecution", rest == "glue:startCrawler":
		service, action, _ := strings.Cut(rest, ":")
		return lt.call(ctx, service, action, params)
	case rest == "lambda:invoke":
		p, _ := params.(map[string]any)
		name, _ := p["FunctionName"].(string)
		if fn, ok := lambdaName(name); ok {
			name = fn
		}
		return lt.invoke(ctx, name, p["Payload"], true)
	}
	return nil, statesErr("States.Runtime", "Task resource %s is not supported by the local interpreter", resource)
}

func (lt *LocalTasks) poll() time.Duration {
	if lt.Poll > 0 {
		return lt.Poll
	}
	return 50 * time.Millisecond
}

func lambdaName(arn string) (string, bool) {
	if i := strings.Index(arn, ":function:"); i >= 0 {
		name := arn[i+len(":function:"):]
		name, _, _ = strings.Cut(name, ":")
		return name, true
	}
	return arn, arn != "" && !strings.Contains(arn, ":")
}

// functionErrorName is the error a function's failure raises in Step Functions: the error type that
// Lambda's Go runtime reports for it, the name of the error's Go type (its element's for a pointer),
// as aws-lambda-go names it; Lambda.Unknown when the type has no name.
func functionErrorName(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return "Lambda.Unknown"
	}
	return t.Name()
}

func (lt *LocalTasks) invoke(ctx context.Context, fn string, payload any, wrap bool) (any, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, statesErr("States.Runtime", "payload: %v", err)
	}
	out, err := lt.Invoke(ctx, fn, body)
	if err != nil {
		return nil, &Error{Name: functionErrorName(err), Cause: err.Error()}
	}
	var v any
	if len(out) > 0 {
		if err := json.Unmarshal(out, &v); err != nil {
			return nil, statesErr("States.Runtime", "function %s returned no JSON: %v", fn, err)
		}
	}
	if wrap {
		return map[string]any{"Payload": v, "StatusCode": float64(200), "ExecutedVersion": "$LATEST"}, nil
	}
	return v, nil
}

// call makes one JSON-protocol API call on the local endpoint. An error response becomes the error
// Step Functions raises for it: Glue.CrawlerRunningException and the like.
func (lt *LocalTasks) call(ctx context.Context, service, action string, params any) (any, error) {
	t, ok := jsonTargets[service]
	if !ok {
		return nil, statesErr("States.Runtime", "service %s is not served by the local endpoint", service)
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, statesErr("States.Runtime", "parameters: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, lt.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, statesErr("States.Runtime", "%v", err)
	}
	req.Header.Set("Content-Type", t.contentType)
	req.Header.Set("X-Amz-Target", t.prefix+strings.ToUpper(action[:1])+action[1:])
	cl := lt.HTTP
	if cl == nil {
		cl = http.DefaultClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, &Error{Name: "States.TaskFailed", Cause: err.Error()}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out any
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, &Error{Name: "States.TaskFailed", Cause: fmt.Sprintf("%s %s: %s", service, action, data)}
		}
	}
	if resp.StatusCode/100 != 2 {
		m, _ := out.(map[string]any)
		code, _ := m["__type"].(string)
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		msg, _ := m["message"].(string)
		return nil, &Error{Name: t.errName + "." + code, Cause: msg}
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}
