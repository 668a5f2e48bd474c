package sfn

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticklake/ticklake/shared/clock"
)

// taskFunc lets a test say what each Task resource does.
type taskFunc map[string]func(params any) (any, error)

func (f taskFunc) RunTask(_ context.Context, resource string, params any) (any, error) {
	fn, ok := f[resource]
	if !ok {
		return nil, statesErr("States.Runtime", "no task %s", resource)
	}
	return fn(params)
}

func execute(t *testing.T, tasks taskFunc, def string, input string) (Result, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC))
	in := &Interpreter{Tasks: tasks, Clock: clk}
	var v any
	if err := json.Unmarshal([]byte(input), &v); err != nil {
		t.Fatal(err)
	}
	res, err := in.Execute(context.Background(), []byte(def), v, map[string]any{
		"Execution": map[string]any{"Id": "exec-1", "Input": v, "StartTime": "2026-11-25T14:30:00Z"}})
	if err != nil {
		t.Fatal(err)
	}
	return res, clk
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestInputOutputProcessing follows the specification's input and output processing: InputPath,
// Parameters, ResultSelector, ResultPath and OutputPath, in that order.
func TestInputOutputProcessing(t *testing.T) {
	tasks := taskFunc{"arn:task": func(p any) (any, error) {
		return map[string]any{"received": p, "meta": map[string]any{"id": "r-1"}}, nil
	}}
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:task",
		"InputPath":"$.order",
		"Parameters":{"sku.$":"$.sku","qty":2,"when.$":"$$.Execution.StartTime","label.$":"States.Format('{} x{}', $.sku, $.qty)"},
		"ResultSelector":{"sku.$":"$.received.sku","id.$":"$.meta.id","label.$":"$.received.label"},
		"ResultPath":"$.order.result",
		"OutputPath":"$.order",
		"End":true}}}`
	res, _ := execute(t, tasks, def, `{"order":{"sku":"A-1","qty":3},"other":true}`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := `{"qty":3,"result":{"id":"r-1","label":"A-1 x3","sku":"A-1"},"sku":"A-1"}`
	if got := jsonOf(t, res.Output); got != want {
		t.Fatalf("output %s\nwant   %s", got, want)
	}
	// ResultPath null keeps the input; a Pass Result replaces it; InputPath null gives {}.
	def = `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Result":{"x":1},"ResultPath":null,"Next":"B"},
		"B":{"Type":"Pass","Result":{"y":2},"ResultPath":"$.b","Next":"C"},
		"C":{"Type":"Pass","InputPath":null,"ResultPath":"$.c","End":true}}}`
	res, _ = execute(t, nil, def, `{"in":0}`)
	if got := jsonOf(t, res.Output); got != `{"b":{"y":2},"c":{},"in":0}` {
		t.Fatalf("output %s", got)
	}
}

func TestChoiceRules(t *testing.T) {
	def := func(rule string) string {
		return `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + rule + `],"Default":"No"},
			"Yes":{"Type":"Succeed"},"No":{"Type":"Fail","Error":"NoMatch"}}}`
	}
	input := `{"s":"apple","n":5,"b":true,"t":"2026-11-25T14:30:00Z","nul":null,"other":"banana","five":5,"path":"a/b.log"}`
	cases := map[string]bool{
		`{"Variable":"$.s","StringEquals":"apple","Next":"Yes"}`:                                                     true,
		`{"Variable":"$.s","StringLessThan":"banana","Next":"Yes"}`:                                                  true,
		`{"Variable":"$.s","StringGreaterThanEquals":"apple","Next":"Yes"}`:                                          true,
		`{"Variable":"$.s","StringEqualsPath":"$.other","Next":"Yes"}`:                                               false,
		`{"Variable":"$.path","StringMatches":"*.log","Next":"Yes"}`:                                                 true,
		`{"Variable":"$.s","StringMatches":"a*e","Next":"Yes"}`:                                                      true,
		`{"Variable":"$.s","StringMatches":"b*","Next":"Yes"}`:                                                       false,
		`{"Variable":"$.n","NumericEquals":5,"Next":"Yes"}`:                                                          true,
		`{"Variable":"$.n","NumericGreaterThan":5,"Next":"Yes"}`:                                                     false,
		`{"Variable":"$.n","NumericLessThanEqualsPath":"$.five","Next":"Yes"}`:                                       true,
		`{"Variable":"$.s","NumericEquals":5,"Next":"Yes"}`:                                                          false, // wrong type never matches
		`{"Variable":"$.b","BooleanEquals":true,"Next":"Yes"}`:                                                       true,
		`{"Variable":"$.t","TimestampLessThan":"2026-11-26T00:00:00Z","Next":"Yes"}`:                                 true,
		`{"Variable":"$.t","TimestampEquals":"2026-11-25T15:30:00+01:00","Next":"Yes"}`:                              true,
		`{"Variable":"$.nul","IsNull":true,"Next":"Yes"}`:                                                            true,
		`{"Variable":"$.missing","IsPresent":false,"Next":"Yes"}`:                                                    true,
		`{"Variable":"$.n","IsNumeric":true,"Next":"Yes"}`:                                                           true,
		`{"Variable":"$.s","IsString":true,"Next":"Yes"}`:                                                            true,
		`{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}`:                                                         true,
		`{"Variable":"$.b","IsBoolean":false,"Next":"Yes"}`:                                                          false,
		`{"And":[{"Variable":"$.n","NumericGreaterThan":1},{"Variable":"$.s","StringEquals":"apple"}],"Next":"Yes"}`: true,
		`{"Or":[{"Variable":"$.n","NumericGreaterThan":10},{"Variable":"$.s","StringEquals":"pear"}],"Next":"Yes"}`:  false,
		`{"Not":{"Variable":"$.s","StringEquals":"pear"},"Next":"Yes"}`:                                              true,
	}
	for rule, match := range cases {
		res, _ := execute(t, nil, def(rule), input)
		if got := res.Err == nil; got != match {
			t.Errorf("%s: matched %v, want %v (%v)", rule, got, match, res.Err)
		}
	}
	// A missing Variable is a runtime error; no match without a Default is States.NoChoiceMatched.
	res, _ := execute(t, nil, def(`{"Variable":"$.missing","StringEquals":"x","Next":"Yes"}`), input)
	if res.Err == nil || res.Err.Name != "States.Runtime" {
		t.Errorf("missing variable: %v", res.Err)
	}
	res, _ = execute(t, nil, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"Y"}]},"Y":{"Type":"Succeed"}}}`, input)
	if res.Err == nil || res.Err.Name != "States.NoChoiceMatched" {
		t.Errorf("no match: %v", res.Err)
	}
}

// TestRetryThenCatch checks that retriers are tried in order, back off on the injected clock, and
// that when they give up the first matching catcher takes the error.
func TestRetryThenCatch(t *testing.T) {
	var calls atomic.Int32
	tasks := taskFunc{"arn:flaky": func(any) (any, error) {
		calls.Add(1)
		return nil, &Error{Name: "Svc.Throttled", Cause: "slow down"}
	}}
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:flaky",
			"Retry":[{"ErrorEquals":["Other"],"MaxAttempts":5},
			         {"ErrorEquals":["Svc.Throttled"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3,"MaxDelaySeconds":10},
			         {"ErrorEquals":["States.ALL"],"MaxAttempts":9}],
			"Catch":[{"ErrorEquals":["Nope"],"Next":"Bad"},{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Handled"}],
			"Next":"Bad"},
		"Handled":{"Type":"Pass","End":true},
		"Bad":{"Type":"Fail","Error":"Bad"}}}`
	res, clk := execute(t, tasks, def, `{"keep":1}`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	// 1 try + 3 retries by the first matching retrier; States.ALL's retrier is never reached.
	if calls.Load() != 4 {
		t.Fatalf("%d calls, want 4", calls.Load())
	}
	if clk.Slept() != (2+6+10)*time.Second { // 2, 2*3, min(2*9, 10)
		t.Fatalf("slept %v, want 18s", clk.Slept())
	}
	if got := jsonOf(t, res.Output); got != `{"error":{"Cause":"slow down","Error":"Svc.Throttled"},"keep":1}` {
		t.Fatalf("output %s", got)
	}
	// States.ALL neither retries nor catches States.Runtime.
	def = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:none","Retry":[{"ErrorEquals":["States.ALL"]}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},"H":{"Type":"Succeed"}}}`
	res, clk = execute(t, taskFunc{}, def, `{}`)
	if res.Err == nil || res.Err.Name != "States.Runtime" || clk.Slept() != 0 {
		t.Fatalf("runtime error: %v, slept %v", res.Err, clk.Slept())
	}
	// MaxAttempts 0 never retries.
	calls.Store(0)
	def = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:flaky","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],"End":true}}}`
	res, _ = execute(t, tasks, def, `{}`)
	if calls.Load() != 1 || res.Err == nil || res.Err.Name != "Svc.Throttled" {
		t.Fatalf("MaxAttempts 0: %d calls, %v", calls.Load(), res.Err)
	}
}

func TestIntrinsics(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
		"format.$":"States.Format('Hello, {}! You are {} ({}).', $.name, $.age, $.ok)",
		"escaped.$":"States.Format('\\'{}\\' and \\{\\}', $.name)",
		"json.$":"States.StringToJson($.doc)",
		"str.$":"States.JsonToString($.obj)",
		"arr.$":"States.Array($.name, 1, true, States.Array(2))",
		"len.$":"States.ArrayLength($.list)",
		"item.$":"States.ArrayGetItem($.list, 1)",
		"split.$":"States.StringSplit($.csv, ',')",
		"sum.$":"States.MathAdd($.age, -2)",
		"day.$":"States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, 'T'), 0)",
		"id.$":"States.UUID()"},"End":true}}}`
	res, _ := execute(t, nil, def, `{"name":"Ann","age":40,"ok":true,"doc":"{\"a\":[1,2]}","obj":{"k":"v"},"list":["x","y","z"],"csv":"a,b,,c"}`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	out := res.Output.(map[string]any)
	id, _ := out["id"].(string)
	delete(out, "id")
	want := `{"arr":["Ann",1,true,[2]],"day":"2026-11-25","escaped":"'Ann' and {}","format":"Hello, Ann! You are 40 (true).",` +
		`"item":"y","json":{"a":[1,2]},"len":3,"split":["a","b","c"],"str":"{\"k\":\"v\"}","sum":38}`
	if got := jsonOf(t, out); got != want {
		t.Fatalf("intrinsics %s\nwant       %s", got, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("UUID %q", id)
	}
	res, _ = execute(t, nil, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.ArrayGetItem($.l, 5)"},"End":true}}}`, `{"l":[1]}`)
	if res.Err == nil || res.Err.Name != "States.IntrinsicFailure" {
		t.Fatalf("out of range: %v", res.Err)
	}
}

func TestParallelMapWaitFail(t *testing.T) {
	tasks := taskFunc{
		"arn:double": func(p any) (any, error) { return p.(map[string]any)["v"].(float64) * 2, nil },
		"arn:boom":   func(any) (any, error) { return nil, &Error{Name: "Boom", Cause: "branch 2"} },
	}
	def := `{"StartAt":"Par","States":{
		"Par":{"Type":"Parallel","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":30,"Next":"B2"},"B2":{"Type":"Pass","Result":"b","End":true}}}],
			"ResultPath":"$.par","Next":"M"},
		"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
			"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
			"ItemProcessor":{"StartAt":"D","States":{"D":{"Type":"Task","Resource":"arn:double","End":true}}},
			"ResultPath":"$.doubled","End":true}}}`
	res, clk := execute(t, tasks, def, `{"items":[1,2,3]}`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := jsonOf(t, res.Output); got != `{"doubled":[2,4,6],"items":[1,2,3],"par":["a","b"]}` || clk.Slept() != 30*time.Second {
		t.Fatalf("output %s, slept %v", got, clk.Slept())
	}
	// A failing branch fails the Parallel, and its Catch sees the branch's error; Fail reads paths.
	def = `{"StartAt":"Par","States":{
		"Par":{"Type":"Parallel","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:boom","End":true}}}],
			"Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.err","Next":"F"}],"End":true},
		"F":{"Type":"Fail","ErrorPath":"$.err.Error","CausePath":"States.Format('caught: {}', $.err.Cause)"}}}`
	res, _ = execute(t, tasks, def, `{}`)
	if res.Err == nil || res.Err.Name != "Boom" || res.Err.Cause != "caught: branch 2" {
		t.Fatalf("failed branch: %v", res.Err)
	}
}

func TestUnsupportedFailsLoudly(t *testing.T) {
	in := &Interpreter{Tasks: taskFunc{}, Clock: clock.NewFake(time.Now())}
	for def, want := range map[string]string{
		`{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x":1},"End":true}}}`:          "state P: field Assign",
		`{"StartAt":"P","States":{"P":{"Type":"Magic","End":true}}}`:                          `state P: type "Magic"`,
		`{"StartAt":"X","States":{"P":{"Type":"Pass","End":true}}}`:                           `StartAt "X"`,
		`{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"}}}`:                           `Next "Q"`,
		`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`: "JSONata",
	} {
		_, err := in.Execute(context.Background(), []byte(def), map[string]any{}, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %s", def, err, want)
		}
	}
	res, _ := execute(t, nil, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.Hash($.a, 'MD5')"},"End":true}}}`, `{"a":"b"}`)
	if res.Err == nil || !strings.Contains(res.Err.Cause, "States.Hash is not supported") {
		t.Fatalf("unsupported intrinsic: %v", res.Err)
	}
}

// TestMissingPathIsRuntimeError checks that a ResultSelector or Parameters path that the data lacks
// fails the execution with States.Runtime, which neither a States.ALL retrier nor catcher handles,
// as on AWS (a GetCrawler answer without LastCrawl, for one).
func TestMissingPathIsRuntimeError(t *testing.T) {
	tasks := taskFunc{"arn:get": func(any) (any, error) {
		return map[string]any{"Crawler": map[string]any{"State": "RUNNING"}}, nil
	}}
	for name, fields := range map[string]string{
		"ResultSelector": `"ResultSelector":{"State.$":"$.Crawler.State","LastCrawl.$":"$.Crawler.LastCrawl"}`,
		"Parameters":     `"Parameters":{"Name.$":"$.crawler.Name"}`,
	} {
		t.Run(name, func(t *testing.T) {
			def := `{"StartAt":"T","States":{
				"T":{"Type":"Task","Resource":"arn:get",` + fields + `,
					"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":3}],
					"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
				"Caught":{"Type":"Succeed"}}}`
			res, clk := execute(t, tasks, def, `{}`)
			if res.Err == nil || res.Err.Name != "States.Runtime" || clk.Slept() != 0 {
				t.Fatalf("error %v, slept %v; want States.Runtime, uncaught and not retried", res.Err, clk.Slept())
			}
			if !strings.Contains(res.Err.Cause, "could not be found") {
				t.Fatalf("cause %q does not name the missing path", res.Err.Cause)
			}
		})
	}
}
