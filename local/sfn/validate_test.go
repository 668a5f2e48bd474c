package sfn

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/shared/clock"
)

func newService() *Service {
	return NewService(&Interpreter{Clock: clock.NewFake(time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)),
		Tasks: taskFunc{
			"arn:echo":  func(p any) (any, error) { return p, nil },
			"arn:panic": func(any) (any, error) { panic("task blew up") },
		}})
}

func TestCreateChecksFieldTypes(t *testing.T) {
	for _, tc := range []struct {
		name, states string
		want         []string // what the error names
	}{
		{"Seconds as a string", `"W":{"Type":"Wait","Seconds":"5","End":true}`, []string{"state W", "Seconds", `"5"`}},
		{"InputPath as a number", `"W":{"Type":"Pass","InputPath":5,"End":true}`, []string{"state W", "InputPath"}},
		{"ResultPath as an object", `"W":{"Type":"Pass","ResultPath":{},"End":true}`, []string{"state W", "ResultPath"}},
		{"End as a string", `"W":{"Type":"Pass","End":"yes"}`, []string{"state W", "End"}},
		{"neither Next nor End", `"W":{"Type":"Pass"}`, []string{"state W", "Next"}},
		{"negative TimeoutSeconds", `"W":{"Type":"Task","Resource":"arn:echo","TimeoutSeconds":-1,"End":true}`, []string{"state W", "TimeoutSeconds"}},
		{"Task without Resource", `"W":{"Type":"Task","End":true}`, []string{"state W", "Resource"}},
		{"Wait without a duration", `"W":{"Type":"Wait","End":true}`, []string{"state W", "Seconds"}},
		{"Retry not an array", `"W":{"Type":"Task","Resource":"arn:echo","Retry":{},"End":true}`, []string{"state W", "Retry"}},
		{"Retry without ErrorEquals", `"W":{"Type":"Task","Resource":"arn:echo","Retry":[{"MaxAttempts":2}],"End":true}`, []string{"state W", "Retry[0].ErrorEquals"}},
		{"MaxAttempts as a string", `"W":{"Type":"Task","Resource":"arn:echo","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":"2"}],"End":true}`, []string{"Retry[0].MaxAttempts"}},
		{"Catch to nowhere", `"W":{"Type":"Task","Resource":"arn:echo","Catch":[{"ErrorEquals":["States.ALL"],"Next":"X"}],"End":true}`, []string{"state W", "Catch[0].Next", `"X"`}},
		{"Choice to nowhere", `"W":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"X"}]}`, []string{"Choices[0].Next"}},
		{"Default to nowhere", `"W":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"W"}],"Default":"X"}`, []string{"Default"}},
		{"NumericEquals a string", `"W":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"W"}]}`, []string{"Choices[0].NumericEquals"}},
		{"Not a list", `"W":{"Type":"Choice","Choices":[{"Not":[],"Next":"W"}]}`, []string{"Choices[0].Not"}},
		{"And of numbers", `"W":{"Type":"Choice","Choices":[{"And":[1],"Next":"W"}]}`, []string{"Choices[0].And[0]"}},
		{"rule without Variable", `"W":{"Type":"Choice","Choices":[{"StringEquals":"a","Next":"W"}]}`, []string{"Choices[0].Variable"}},
		{"Parallel without branches", `"W":{"Type":"Parallel","Branches":[],"End":true}`, []string{"state W", "Branches"}},
		{"Map without a processor", `"W":{"Type":"Map","End":true}`, []string{"state W", "Iterator"}},
		{"MaxConcurrency a fraction", `"W":{"Type":"Map","MaxConcurrency":1.5,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`, []string{"MaxConcurrency"}},
		{"inside a branch", `"W":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":true,"End":true}}}],"End":true}`, []string{"state W: state B", "Seconds"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newService().Create("m", `{"StartAt":"W","States":{`+tc.states+`}}`, "")
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Create = %v, want ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
}

// TestPanicFailsTheExecution runs tasks that panic, directly and inside a Parallel branch and a Map
// iteration: each execution fails with States.Runtime, and the service goes on.
func TestPanicFailsTheExecution(t *testing.T) {
	s := newService()
	for name, def := range map[string]string{
		"task":     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:panic","End":true}}}`,
		"parallel": `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:panic","End":true}}},{"StartAt":"E","States":{"E":{"Type":"Pass","End":true}}}]}}}`,
		"map":      `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,"Iterator":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:panic","End":true}}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			arn, err := s.Create(name, def, "")
			if err != nil {
				t.Fatal(err)
			}
			exec, err := s.Start(arn, "", `{"items":[1,2,3]}`)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ex, err := s.Wait(ctx, exec)
			if err != nil {
				t.Fatal(err)
			}
			if ex.Status != StatusFailed || ex.Error != "States.Runtime" || !strings.Contains(ex.Cause, "task blew up") {
				t.Fatalf("execution %s %s: %s", ex.Status, ex.Error, ex.Cause)
			}
		})
	}
	// The service still runs executions.
	arn, _ := s.Create("ok", `{"StartAt":"E","States":{"E":{"Type":"Task","Resource":"arn:echo","End":true}}}`, "")
	exec, _ := s.Start(arn, "", `{"a":1}`)
	if ex, err := s.Wait(context.Background(), exec); err != nil || ex.Status != StatusSucceeded || ex.Output != `{"a":1}` {
		t.Fatalf("after the panics: %+v, %v", ex, err)
	}
}

// FuzzDefinition creates and runs arbitrary definitions: whatever passes CreateStateMachine's
// checks must run to an end without anything unexpected (a panic surfaces as States.Runtime
// "internal error", which the checks should have prevented).
func FuzzDefinition(f *testing.F) {
	analytics, err := os.ReadFile("../../shared/analytics/analytics.asl.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(analytics), `{"date":"2026-11-25"}`)
	for _, seed := range []string{
		`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericGreaterThan":1,"Next":"D"},{"And":[{"Variable":"$.b","IsPresent":true},{"Not":{"Variable":"$.b","StringEquals":"x"}}],"Next":"D"}],"Default":"F"},"D":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true},"F":{"Type":"Fail","Error":"E","Cause":"c"}}}`,
		`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:echo","Parameters":{"v.$":"$.a"},"ResultSelector":{"w.$":"$.v"},"End":true}}}],"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":2}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}],"Next":"S"},"S":{"Type":"Succeed"}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemSelector":{"i.$":"$$.Map.Item.Value"},"ItemProcessor":{"StartAt":"E","States":{"E":{"Type":"Pass","OutputPath":"$.i","End":true}}},"End":true}}}`,
		`{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.a","InputPath":"$","End":true}}}`,
	} {
		f.Add(seed, `{"a":2,"b":"y","items":[1,2]}`)
	}
	f.Fuzz(func(t *testing.T, def, input string) {
		s := newService()
		arn, err := s.Create("m", def, "")
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Create = %v, want ErrInvalid", err)
			}
			return
		}
		exec, err := s.Start(arn, "", input)
		if err != nil {
			return // input that is not JSON
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		ex, err := s.Wait(ctx, exec)
		if err != nil { // a loop is legal: stop it, as StopExecution would
			_ = s.Stop(exec, "States.Stopped", "fuzz")
			if ex, err = s.Wait(context.Background(), exec); err != nil || ex.Status != StatusAborted {
				t.Fatalf("stopped execution: %s, %v", ex.Status, err)
			}
			return
		}
		if strings.Contains(ex.Cause, "internal error") {
			t.Fatalf("definition passed the checks but failed inside the interpreter: %s\n%s", ex.Cause, def)
		}
	})
}
