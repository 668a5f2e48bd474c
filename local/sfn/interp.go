package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ticklake/ticklake/shared/clock"
)

// TaskRunner runs a Task state's resource with its parameters. A failure it reports as *Error keeps
// its name (Glue.CrawlerRunningException, States.TaskFailed, ...); any other error is
// States.TaskFailed.
type TaskRunner interface {
	RunTask(ctx context.Context, resource string, params any) (any, error)
}

// Event is one entry of an execution's history.
type Event struct {
	ID        int            `json:"id"`
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	State     string         `json:"state,omitempty"`
	Details   map[string]any `json:"details,omitempty"`
}

// Interpreter runs state machine definitions.
type Interpreter struct {
	Tasks TaskRunner
	Clock clock.Clock
	// OnEvent, when set, sees each history event as it happens.
	OnEvent func(Event)
}

// run is one execution in progress.
type run struct {
	in      *Interpreter
	ctxObj  map[string]any
	mu      sync.Mutex
	history []Event
}

func (r *run) event(typ, state string, details map[string]any) {
	r.mu.Lock()
	ev := Event{ID: len(r.history) + 1, Type: typ, Timestamp: r.in.Clock.Now().UTC(), State: state, Details: details}
	r.history = append(r.history, ev)
	r.mu.Unlock()
	if r.in.OnEvent != nil {
		r.in.OnEvent(ev)
	}
}

// Result is the outcome of an execution.
type Result struct {
	Output  any
	Err     *Error // nil when the execution succeeded
	History []Event
}

// Execute runs definition (Amazon States Language JSON) on input. ctxObj is the context object ($$)
// less State and Map, which the interpreter fills in.
func (in *Interpreter) Execute(ctx context.Context, definition []byte, input any, ctxObj map[string]any) (Result, error) {
	var def machine
	if err := json.Unmarshal(definition, &def); err != nil {
		return Result{}, fmt.Errorf("definition: %w", err)
	}
	if err := def.validate(""); err != nil {
		return Result{}, err
	}
	r := &run{in: in, ctxObj: ctxObj}
	r.event("ExecutionStarted", "", map[string]any{"input": input})
	if def.TimeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(def.TimeoutSeconds)*time.Second)
		defer cancel()
	}
	out, err := r.safeStates(ctx, def, input)
	res := Result{Output: out}
	if err != nil {
		var se *Error
		if !errors.As(err, &se) {
			se = statesErr("States.Runtime", "%v", err)
		}
		if ctx.Err() != nil && se.Name != "States.Timeout" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			se = statesErr("States.Timeout", "The execution timed out")
		}
		res.Err = se
		r.event("ExecutionFailed", "", map[string]any{"error": se.Name, "cause": se.Cause})
	} else {
		r.event("ExecutionSucceeded", "", map[string]any{"output": out})
	}
	res.History = r.history
	return res, nil
}

// machine is a state machine, or a branch or an iterator of one.
type machine struct {
	Comment         string                    `json:"Comment"`
	StartAt         string                    `json:"StartAt"`
	States          map[string]map[string]any `json:"States"`
	TimeoutSeconds  float64                   `json:"TimeoutSeconds"`
	Version         string                    `json:"Version"`
	QueryLanguage   string                    `json:"QueryLanguage"`
	ProcessorConfig map[string]any            `json:"ProcessorConfig"`
}

// fields each state type may have; anything else is refused, loudly.
var fields = map[string][]string{
	"Task":     {"Resource", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds", "Credentials"},
	"Pass":     {"Result", "Parameters", "ResultPath", "InputPath", "OutputPath"},
	"Wait":     {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath"},
	"Choice":   {"Choices", "Default", "InputPath", "OutputPath"},
	"Parallel": {"Branches", "Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch"},
	"Map":      {"Iterator", "ItemProcessor", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency", "ResultSelector", "ResultPath", "InputPath", "OutputPath", "Retry", "Catch"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "Cause", "ErrorPath", "CausePath"},
}

func (m machine) validate(where string) error {
	if m.QueryLanguage != "" && m.QueryLanguage != "JSONPath" {
		return fmt.Errorf("%sQueryLanguage %s is not supported by the local interpreter", where, m.QueryLanguage)
	}
	if _, ok := m.States[m.StartAt]; !ok {
		return fmt.Errorf("%sStartAt %q names no state", where, m.StartAt)
	}
	names := make([]string, 0, len(m.States))
	for n := range m.States {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		st := m.States[name]
		typ, _ := st["Type"].(string)
		allowed, ok := fields[typ]
		if !ok {
			return fmt.Errorf("%sstate %s: type %q is not supported", where, name, typ)
		}
		for k := range st {
			if k == "Type" || k == "Comment" || k == "Next" || k == "End" {
				continue
			}
			found := false
			for _, a := range allowed {
				found = found || a == k
			}
			if !found {
				return fmt.Errorf("%sstate %s: field %s is not supported by the local interpreter", where, name, k)
			}
		}
		if err := m.checkState(where, name, st); err != nil {
			return err
		}
		if next, ok := st["Next"].(string); ok {
			if _, exists := m.States[next]; !exists {
				return fmt.Errorf("%sstate %s: Next %q names no state", where, name, next)
			}
		}
		for _, sub := range subMachines(st) {
			if err := sub.validate(where + "state " + name + ": "); err != nil {
				return err
			}
		}
	}
	return nil
}

func subMachines(st map[string]any) []machine {
	var out []machine
	decode := func(v any) {
		b, _ := json.Marshal(v)
		var m machine
		if json.Unmarshal(b, &m) == nil {
			out = append(out, m)
		}
	}
	if branches, ok := st["Branches"].([]any); ok {
		for _, b := range branches {
			decode(b)
		}
	}
	for _, k := range []string{"Iterator", "ItemProcessor"} {
		if v, ok := st[k]; ok {
			decode(v)
		}
	}
	return out
}

// states runs a machine from its StartAt to a terminal state.
func (r *run) states(ctx context.Context, m machine, input any) (any, error) {
	name := m.StartAt
	data := input
	for {
		if err := ctx.Err(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, statesErr("States.Timeout", "The execution timed out")
			}
			return nil, statesErr("States.Runtime", "execution stopped")
		}
		st := m.States[name]
		typ := st["Type"].(string)
		r.event(typ+"StateEntered", name, map[string]any{"input": data})
		out, next, err := r.state(ctx, name, st, data)
		if err != nil {
			return nil, err
		}
		r.event(typ+"StateExited", name, map[string]any{"output": out})
		data = out
		if next == "" {
			return data, nil
		}
		name = next
	}
}

func str(st map[string]any, k string) (string, bool) {
	s, ok := st[k].(string)
	return s, ok
}

// state runs one state and returns its output and the next state's name ("" when it ends).
func (r *run) state(ctx context.Context, name string, st map[string]any, raw any) (any, string, error) {
	typ := st["Type"].(string)
	next, _ := str(st, "Next")
	if end, _ := st["End"].(bool); end {
		next = ""
	}
	ctxObj := r.context(name, 0)
	input, err := r.inputPath(st, raw, ctxObj)
	if err != nil {
		return nil, "", err
	}
	switch typ {
	case "Succeed":
		out, err := r.outputPath(st, input, ctxObj)
		return out, "", err
	case "Fail":
		e := &Error{}
		e.Name, _ = str(st, "Error")
		e.Cause, _ = str(st, "Cause")
		for _, f := range []struct {
			key string
			dst *string
		}{{"ErrorPath", &e.Name}, {"CausePath", &e.Cause}} {
			if p, ok := str(st, f.key); ok {
				v, err := pathOrIntrinsic(p, input, ctxObj)
				if err != nil {
					return nil, "", err
				}
				s, ok := v.(string)
				if !ok {
					return nil, "", statesErr("States.Runtime", "state %s: %s must give a string", name, f.key)
				}
				*f.dst = s
			}
		}
		return nil, "", e
	case "Choice":
		target, err := r.choose(name, st, input, ctxObj)
		if err != nil {
			return nil, "", err
		}
		out, err := r.outputPath(st, input, ctxObj)
		return out, target, err
	case "Wait":
		if err := r.wait(ctx, name, st, input, ctxObj); err != nil {
			return nil, "", err
		}
		out, err := r.outputPath(st, input, ctxObj)
		return out, next, err
	}

	// Pass, Task, Parallel, Map: an effective input, a result, then ResultSelector, ResultPath and
	// OutputPath; Task, Parallel and Map retry and catch.
	attempts := map[int]int{}
	for {
		ctxObj = r.context(name, sum(attempts))
		result, err := r.work(ctx, name, typ, st, input, ctxObj)
		if err == nil {
			if sel, ok := st["ResultSelector"]; ok {
				if result, err = template(sel, result, ctxObj); err != nil {
					return nil, "", err
				}
			}
			out, err := r.resultPath(st, raw, result)
			if err != nil {
				return nil, "", err
			}
			out, err = r.outputPath(st, out, ctxObj)
			return out, next, err
		}
		se := asStatesError(err)
		if se.Name == "States.Runtime" || typ == "Pass" {
			return nil, "", se
		}
		if delay, ok := retryDelay(st, se.Name, attempts); ok {
			r.event("StateRetry", name, map[string]any{"error": se.Name, "cause": se.Cause, "delaySeconds": delay.Seconds()})
			if err := r.in.Clock.Sleep(ctx, delay); err != nil {
				return nil, "", statesErr("States.Timeout", "The execution timed out")
			}
			continue
		}
		if target, path, ok := catcher(st, se.Name); ok {
			out, err := setResult(raw, path, map[string]any{"Error": se.Name, "Cause": se.Cause})
			if err != nil {
				return nil, "", err
			}
			r.event("StateCaught", name, map[string]any{"error": se.Name, "cause": se.Cause, "next": target})
			return out, target, nil
		}
		return nil, "", se
	}
}

func sum(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func asStatesError(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return statesErr("States.TaskFailed", "%v", err)
}

// work runs a state's own work and returns its result.
func (r *run) work(ctx context.Context, name, typ string, st map[string]any, input any, ctxObj map[string]any) (any, error) {
	effective := input
	if p, ok := st["Parameters"]; ok && typ != "Map" {
		var err error
		if effective, err = template(p, input, ctxObj); err != nil {
			return nil, err
		}
	}
	switch typ {
	case "Pass":
		if res, ok := st["Result"]; ok {
			return deepCopy(res), nil
		}
		return effective, nil
	case "Task":
		resource, _ := str(st, "Resource")
		tctx := ctx
		if secs, ok := st["TimeoutSeconds"].(float64); ok && secs > 0 {
			var cancel context.CancelFunc
			tctx, cancel = context.WithTimeout(ctx, time.Duration(secs*float64(time.Second)))
			defer cancel()
		}
		r.event("TaskScheduled", name, map[string]any{"resource": resource, "parameters": effective})
		out, err := r.in.Tasks.RunTask(tctx, resource, effective)
		if err != nil {
			if tctx.Err() != nil && ctx.Err() == nil {
				err = statesErr("States.Timeout", "Task timed out")
			}
			se := asStatesError(err)
			r.event("TaskFailed", name, map[string]any{"error": se.Name, "cause": se.Cause})
			return nil, se
		}
		r.event("TaskSucceeded", name, map[string]any{"output": out})
		return out, nil
	case "Parallel":
		branches, _ := st["Branches"].([]any)
		results := make([]any, len(branches))
		bctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var first error // the failure that stopped the other branches
		var once sync.Once
		var wg sync.WaitGroup
		for i, b := range branches {
			var m machine
			bb, _ := json.Marshal(b)
			_ = json.Unmarshal(bb, &m)
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				results[i], err = r.safeStates(bctx, m, deepCopy(effective))
				if err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}()
		}
		wg.Wait()
		if first != nil {
			return nil, first
		}
		return results, nil
	case "Map":
		return r.mapState(ctx, name, st, input, ctxObj)
	}
	return nil, statesErr("States.Runtime", "state %s: type %s", name, typ)
}

func (r *run) mapState(ctx context.Context, name string, st map[string]any, input any, ctxObj map[string]any) (any, error) {
	itemsPath, ok := str(st, "ItemsPath")
	if !ok {
		itemsPath = "$"
	}
	v, err := get(itemsPath, input, ctxObj)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, statesErr("States.Runtime", "state %s: ItemsPath %s is not an array", name, itemsPath)
	}
	proc := st["ItemProcessor"]
	if proc == nil {
		proc = st["Iterator"]
	}
	var m machine
	b, _ := json.Marshal(proc)
	_ = json.Unmarshal(b, &m)
	selector := st["ItemSelector"]
	if selector == nil {
		selector = st["Parameters"]
	}
	limit := len(items)
	if mc, ok := st["MaxConcurrency"].(float64); ok && mc > 0 {
		limit = int(mc)
	}
	results := make([]any, len(items))
	errs := make([]error, len(items))
	sem := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	for i, item := range items {
		itemInput := item
		if selector != nil {
			ictx := r.context(name, 0)
			ictx["Map"] = map[string]any{"Item": map[string]any{"Index": float64(i), "Value": item}}
			if itemInput, err = template(selector, input, ictx); err != nil {
				return nil, err
			}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = r.safeStates(ctx, m, itemInput)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// context builds the context object for a state.
func (r *run) context(state string, retries int) map[string]any {
	c := map[string]any{}
	for k, v := range r.ctxObj {
		c[k] = v
	}
	c["State"] = map[string]any{"Name": state, "EnteredTime": r.in.Clock.Now().UTC().Format(time.RFC3339Nano), "RetryCount": float64(retries)}
	return c
}

func (r *run) inputPath(st map[string]any, data any, ctxObj map[string]any) (any, error) {
	p, ok := st["InputPath"]
	if !ok {
		return data, nil
	}
	if p == nil {
		return map[string]any{}, nil
	}
	return get(p.(string), data, ctxObj)
}

func (r *run) outputPath(st map[string]any, data any, ctxObj map[string]any) (any, error) {
	p, ok := st["OutputPath"]
	if !ok {
		return data, nil
	}
	if p == nil {
		return map[string]any{}, nil
	}
	return get(p.(string), data, ctxObj)
}

func (r *run) resultPath(st map[string]any, raw, result any) (any, error) {
	p, ok := st["ResultPath"]
	if !ok {
		return result, nil
	}
	if p == nil {
		return raw, nil
	}
	return set(raw, p.(string), result)
}

func setResult(raw any, path any, value any) (any, error) {
	if path == nil {
		return raw, nil
	}
	return set(raw, path.(string), value)
}

// retryDelay finds the first retrier that matches name and has attempts left, counts the attempt
// and returns how long to wait.
func retryDelay(st map[string]any, name string, attempts map[int]int) (time.Duration, bool) {
	retriers, _ := st["Retry"].([]any)
	for i, rv := range retriers {
		ret, _ := rv.(map[string]any)
		if !matches(ret["ErrorEquals"], name) {
			continue
		}
		maxAttempts := 3.0
		if v, ok := ret["MaxAttempts"].(float64); ok {
			maxAttempts = v
		}
		if float64(attempts[i]) >= maxAttempts {
			return 0, false
		}
		interval, backoff := 1.0, 2.0
		if v, ok := ret["IntervalSeconds"].(float64); ok {
			interval = v
		}
		if v, ok := ret["BackoffRate"].(float64); ok {
			backoff = v
		}
		delay := interval * math.Pow(backoff, float64(attempts[i]))
		if v, ok := ret["MaxDelaySeconds"].(float64); ok && delay > v {
			delay = v
		}
		attempts[i]++
		return time.Duration(delay * float64(time.Second)), true
	}
	return 0, false
}

func catcher(st map[string]any, name string) (next string, resultPath any, ok bool) {
	catchers, _ := st["Catch"].([]any)
	for _, cv := range catchers {
		c, _ := cv.(map[string]any)
		if !matches(c["ErrorEquals"], name) {
			continue
		}
		next, _ = c["Next"].(string)
		resultPath, has := c["ResultPath"]
		if !has {
			resultPath = "$"
		}
		return next, resultPath, true
	}
	return "", nil, false
}

// matches reports whether an ErrorEquals list matches an error name. States.ALL matches everything
// but States.Runtime; States.TaskFailed matches every task error but States.Timeout.
func matches(list any, name string) bool {
	names, _ := list.([]any)
	for _, n := range names {
		switch n {
		case name:
			return true
		case "States.ALL":
			if name != "States.Runtime" {
				return true
			}
		case "States.TaskFailed":
			if name != "States.Timeout" && name != "States.Runtime" && !strings.HasPrefix(name, "States.") {
				return true
			}
		}
	}
	return false
}

// wait sleeps as a Wait state says, on the interpreter's clock.
func (r *run) wait(ctx context.Context, name string, st map[string]any, input any, ctxObj map[string]any) error {
	var d time.Duration
	switch {
	case st["Seconds"] != nil:
		d = time.Duration(st["Seconds"].(float64) * float64(time.Second))
	case st["SecondsPath"] != nil:
		v, err := get(st["SecondsPath"].(string), input, ctxObj)
		if err != nil {
			return err
		}
		f, ok := v.(float64)
		if !ok || f < 0 {
			return statesErr("States.Runtime", "state %s: SecondsPath must give a non-negative number", name)
		}
		d = time.Duration(f * float64(time.Second))
	case st["Timestamp"] != nil || st["TimestampPath"] != nil:
		ts, _ := st["Timestamp"].(string)
		if p, ok := st["TimestampPath"].(string); ok {
			v, err := get(p, input, ctxObj)
			if err != nil {
				return err
			}
			ts, _ = v.(string)
		}
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return statesErr("States.Runtime", "state %s: %q is not an RFC 3339 timestamp", name, ts)
		}
		d = t.Sub(r.in.Clock.Now())
	default:
		return statesErr("States.Runtime", "state %s: a Wait needs Seconds, SecondsPath, Timestamp or TimestampPath", name)
	}
	if d <= 0 {
		return nil
	}
	if err := r.in.Clock.Sleep(ctx, d); err != nil {
		return statesErr("States.Timeout", "The execution timed out")
	}
	return nil
}

// template evaluates a payload template: keys ending in .$ take a path's or an intrinsic's value.
func template(t any, input any, ctxObj map[string]any) (any, error) {
	switch x := t.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			if strings.HasSuffix(k, ".$") {
				expr, ok := v.(string)
				if !ok {
					return nil, statesErr("States.Runtime", "the value of %s must be a path or an intrinsic function", k)
				}
				val, err := pathOrIntrinsic(expr, input, ctxObj)
				if err != nil {
					return nil, err
				}
				out[strings.TrimSuffix(k, ".$")] = val
				continue
			}
			val, err := template(v, input, ctxObj)
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			val, err := template(v, input, ctxObj)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	}
	return t, nil
}

func pathOrIntrinsic(expr string, input any, ctxObj map[string]any) (any, error) {
	if strings.HasPrefix(expr, "States.") {
		return evalIntrinsic(expr, input, ctxObj)
	}
	return get(expr, input, ctxObj)
}
