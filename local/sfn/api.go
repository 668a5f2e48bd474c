package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ticklake/ticklake/local/awsproto"
)

// TargetPrefix is the X-Amz-Target prefix of Step Functions operations.
const TargetPrefix = "AWSStepFunctions."

// ARN prefixes of the local account and region.
const (
	machineARNPrefix   = "arn:aws:states:us-east-1:000000000000:stateMachine:"
	executionARNPrefix = "arn:aws:states:us-east-1:000000000000:execution:"
)

// Execution statuses.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusAborted   = "ABORTED"
)

// StateMachine is a created state machine.
type StateMachine struct {
	Name, ARN, Definition, RoleARN string
	Created                        time.Time
}

// Execution is one execution of a state machine.
type Execution struct {
	ARN, Name, MachineARN string
	Input                 string
	Status                string
	Output                string
	Error, Cause          string
	Started, Stopped      time.Time
	History               []Event
	cancel                context.CancelFunc
	done                  chan struct{}
}

// Service is the local Step Functions.
type Service struct {
	Interpreter *Interpreter

	mu         sync.Mutex
	machines   map[string]*StateMachine
	executions map[string]*Execution
	order      []string
}

// NewService returns a service that runs executions with in.
func NewService(in *Interpreter) *Service {
	return &Service{Interpreter: in, machines: map[string]*StateMachine{}, executions: map[string]*Execution{}}
}

// ErrInvalid names bad requests; ErrNotFound missing resources.
var (
	ErrInvalid  = errors.New("InvalidDefinition")
	ErrNotFound = errors.New("StateMachineDoesNotExist")
)

// Create adds a state machine after checking that the interpreter accepts its definition.
func (s *Service) Create(name, definition, role string) (string, error) {
	var m machine
	if err := json.Unmarshal([]byte(definition), &m); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := m.validate(""); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := machineARNPrefix + name
	if old, ok := s.machines[arn]; ok && old.Definition != definition {
		return "", fmt.Errorf("StateMachineAlreadyExists: State Machine Already Exists: '%s'", arn)
	}
	s.machines[arn] = &StateMachine{Name: name, ARN: arn, Definition: definition, RoleARN: role, Created: time.Now().UTC()}
	return arn, nil
}

// Start starts an execution and returns its ARN.
func (s *Service) Start(machineARN, name, input string) (string, error) {
	s.mu.Lock()
	m, ok := s.machines[machineARN]
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%w: State Machine Does Not Exist: '%s'", ErrNotFound, machineARN)
	}
	if input == "" {
		input = "{}"
	}
	var in any
	if err := json.Unmarshal([]byte(input), &in); err != nil {
		return "", fmt.Errorf("InvalidExecutionInput: Invalid State Machine Execution Input: '%v'", err)
	}
	if name == "" {
		name = uuid.NewString()
	}
	ctx, cancel := context.WithCancel(context.Background())
	ex := &Execution{ARN: executionARNPrefix + m.Name + ":" + name, Name: name, MachineARN: machineARN, Input: input,
		Status: StatusRunning, Started: time.Now().UTC(), cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	if _, dup := s.executions[ex.ARN]; dup {
		s.mu.Unlock()
		cancel()
		return "", fmt.Errorf("ExecutionAlreadyExists: Execution Already Exists: '%s'", ex.ARN)
	}
	s.executions[ex.ARN] = ex
	s.order = append(s.order, ex.ARN)
	s.mu.Unlock()
	ctxObj := map[string]any{
		"Execution":    map[string]any{"Id": ex.ARN, "Name": name, "Input": in, "StartTime": ex.Started.Format(time.RFC3339Nano), "RoleArn": m.RoleARN},
		"StateMachine": map[string]any{"Id": m.ARN, "Name": m.Name},
	}
	go func() {
		defer close(ex.done)
		defer func() { // nothing an execution does may bring the service down
			if p := recover(); p != nil {
				s.mu.Lock()
				defer s.mu.Unlock()
				ex.Stopped = time.Now().UTC()
				ex.Status, ex.Error, ex.Cause = StatusFailed, "States.Runtime", fmt.Sprintf("internal error: %v", p)
			}
		}()
		res, err := s.Interpreter.Execute(ctx, []byte(m.Definition), in, ctxObj)
		s.mu.Lock()
		defer s.mu.Unlock()
		ex.Stopped = time.Now().UTC()
		ex.History = res.History
		switch {
		case err != nil:
			ex.Status, ex.Error, ex.Cause = StatusFailed, "States.Runtime", err.Error()
		case ex.Status == StatusAborted:
		case res.Err != nil:
			ex.Status, ex.Error, ex.Cause = StatusFailed, res.Err.Name, res.Err.Cause
		default:
			out, _ := json.Marshal(res.Output)
			ex.Status, ex.Output = StatusSucceeded, string(out)
		}
	}()
	return ex.ARN, nil
}

// Describe returns an execution.
func (s *Service) Describe(arn string) (Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ex, ok := s.executions[arn]
	if !ok {
		return Execution{}, fmt.Errorf("ExecutionDoesNotExist: Execution Does Not Exist: '%s'", arn)
	}
	return *ex, nil
}

// Wait blocks until the execution ends.
func (s *Service) Wait(ctx context.Context, arn string) (Execution, error) {
	s.mu.Lock()
	ex, ok := s.executions[arn]
	s.mu.Unlock()
	if !ok {
		return Execution{}, fmt.Errorf("ExecutionDoesNotExist: Execution Does Not Exist: '%s'", arn)
	}
	select {
	case <-ex.done:
	case <-ctx.Done():
		return Execution{}, ctx.Err()
	}
	return s.Describe(arn)
}

// Stop aborts a running execution.
func (s *Service) Stop(arn, errName, cause string) error {
	s.mu.Lock()
	ex, ok := s.executions[arn]
	if ok && ex.Status == StatusRunning {
		ex.Status, ex.Error, ex.Cause = StatusAborted, errName, cause
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("ExecutionDoesNotExist: Execution Does Not Exist: '%s'", arn)
	}
	ex.cancel()
	return nil
}

func epoch(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return float64(t.UnixMilli()) / 1000
}

// ServeHTTP answers one Step Functions operation (JSON 1.0 protocol).
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	var in struct {
		Name            string `json:"name"`
		Definition      string `json:"definition"`
		RoleArn         string `json:"roleArn"`
		StateMachineArn string `json:"stateMachineArn"`
		ExecutionArn    string `json:"executionArn"`
		Input           string `json:"input"`
		Error           string `json:"error"`
		Cause           string `json:"cause"`
		ReverseOrder    bool   `json:"reverseOrder"`
		StatusFilter    string `json:"statusFilter"`
	}
	if err := awsproto.DecodeJSON(r, &in); err != nil {
		awsproto.JSONError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	var out any
	var err error
	switch op {
	case "CreateStateMachine":
		var arn string
		arn, err = s.Create(in.Name, in.Definition, in.RoleArn)
		out = map[string]any{"stateMachineArn": arn, "creationDate": epoch(time.Now())}
	case "DescribeStateMachine":
		s.mu.Lock()
		m, ok := s.machines[in.StateMachineArn]
		s.mu.Unlock()
		if !ok {
			err = fmt.Errorf("%w: State Machine Does Not Exist: '%s'", ErrNotFound, in.StateMachineArn)
			break
		}
		out = map[string]any{"stateMachineArn": m.ARN, "name": m.Name, "definition": m.Definition, "roleArn": m.RoleARN,
			"status": "ACTIVE", "type": "STANDARD", "creationDate": epoch(m.Created)}
	case "ListStateMachines":
		s.mu.Lock()
		list := []any{}
		for _, m := range s.machines {
			list = append(list, map[string]any{"stateMachineArn": m.ARN, "name": m.Name, "type": "STANDARD", "creationDate": epoch(m.Created)})
		}
		s.mu.Unlock()
		sort.Slice(list, func(i, j int) bool {
			return list[i].(map[string]any)["name"].(string) < list[j].(map[string]any)["name"].(string)
		})
		out = map[string]any{"stateMachines": list}
	case "StartExecution":
		var arn string
		arn, err = s.Start(in.StateMachineArn, in.Name, in.Input)
		out = map[string]any{"executionArn": arn, "startDate": epoch(time.Now())}
	case "DescribeExecution":
		var ex Execution
		ex, err = s.Describe(in.ExecutionArn)
		out = describeJSON(ex)
	case "GetExecutionHistory":
		var ex Execution
		ex, err = s.Describe(in.ExecutionArn)
		out = map[string]any{"events": historyJSON(ex.History, in.ReverseOrder)}
	case "ListExecutions":
		s.mu.Lock()
		list := []any{}
		for i := len(s.order) - 1; i >= 0; i-- {
			ex := s.executions[s.order[i]]
			if (in.StateMachineArn == "" || ex.MachineARN == in.StateMachineArn) && (in.StatusFilter == "" || in.StatusFilter == ex.Status) {
				list = append(list, map[string]any{"executionArn": ex.ARN, "stateMachineArn": ex.MachineARN, "name": ex.Name,
					"status": ex.Status, "startDate": epoch(ex.Started), "stopDate": epoch(ex.Stopped)})
			}
		}
		s.mu.Unlock()
		out = map[string]any{"executions": list}
	case "StopExecution":
		err = s.Stop(in.ExecutionArn, in.Error, in.Cause)
		out = map[string]any{"stopDate": epoch(time.Now())}
	default:
		awsproto.JSONError(w, http.StatusBadRequest, "UnknownOperationException", "ticklake's local Step Functions does not support "+op)
		return
	}
	if err != nil {
		code, msg, _ := strings.Cut(err.Error(), ": ")
		if strings.Contains(code, " ") {
			code, msg = "ValidationException", err.Error()
		}
		awsproto.JSONError(w, http.StatusBadRequest, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

func describeJSON(ex Execution) map[string]any {
	out := map[string]any{"executionArn": ex.ARN, "stateMachineArn": ex.MachineARN, "name": ex.Name, "status": ex.Status,
		"startDate": epoch(ex.Started), "input": ex.Input}
	if !ex.Stopped.IsZero() {
		out["stopDate"] = epoch(ex.Stopped)
	}
	if ex.Output != "" {
		out["output"] = ex.Output
	}
	if ex.Error != "" || ex.Cause != "" {
		out["error"], out["cause"] = ex.Error, ex.Cause
	}
	return out
}

// historyJSON renders events as GetExecutionHistory does, with the details Step Functions gives.
func historyJSON(events []Event, reverse bool) []any {
	out := []any{}
	for _, ev := range events {
		e := map[string]any{"id": ev.ID, "type": ev.Type, "timestamp": epoch(ev.Timestamp), "previousEventId": ev.ID - 1}
		js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
		d := ev.Details
		switch {
		case ev.Type == "ExecutionStarted":
			e["executionStartedEventDetails"] = map[string]any{"input": js(d["input"])}
		case ev.Type == "ExecutionSucceeded":
			e["executionSucceededEventDetails"] = map[string]any{"output": js(d["output"])}
		case ev.Type == "ExecutionFailed":
			e["executionFailedEventDetails"] = map[string]any{"error": d["error"], "cause": d["cause"]}
		case strings.HasSuffix(ev.Type, "StateEntered"):
			e["stateEnteredEventDetails"] = map[string]any{"name": ev.State, "input": js(d["input"])}
		case strings.HasSuffix(ev.Type, "StateExited"):
			e["stateExitedEventDetails"] = map[string]any{"name": ev.State, "output": js(d["output"])}
		case ev.Type == "TaskScheduled":
			res, _ := d["resource"].(string)
			e["taskScheduledEventDetails"] = map[string]any{"resource": res, "resourceType": "states", "region": "us-east-1", "parameters": js(d["parameters"])}
		case ev.Type == "TaskSucceeded":
			e["taskSucceededEventDetails"] = map[string]any{"resource": "", "resourceType": "states", "output": js(d["output"])}
		case ev.Type == "TaskFailed":
			e["taskFailedEventDetails"] = map[string]any{"resource": "", "resourceType": "states", "error": d["error"], "cause": d["cause"]}
		default:
			continue // retries and catches are folded into the events around them
		}
		out = append(out, e)
	}
	if reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}
