package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// kind is the JSON type a field must have.
type kind int

const (
	kString kind = iota
	kPath        // a string, or null (ResultPath, InputPath, OutputPath)
	kCount       // a non-negative integer
	kNumber      // a non-negative number
	kBool
	kObject
	kStringList
	kAny
)

func (k kind) String() string {
	return [...]string{"a string", "a string or null", "a non-negative integer", "a non-negative number", "a boolean",
		"an object", "an array of strings", "any value"}[k]
}

// fieldKinds are the types of the fields that the states' field list (fields) admits; Branches,
// Choices, Retry, Catch, Iterator and ItemProcessor are checked by their own rules.
var fieldKinds = map[string]kind{
	"Comment": kString, "Next": kString, "End": kBool, "Resource": kString, "Parameters": kAny, "ResultSelector": kObject,
	"ResultPath": kPath, "InputPath": kPath, "OutputPath": kPath, "TimeoutSeconds": kCount, "HeartbeatSeconds": kCount,
	"Credentials": kObject, "Result": kAny, "Seconds": kCount, "SecondsPath": kString, "Timestamp": kString,
	"TimestampPath": kString, "Default": kString, "ItemsPath": kString, "ItemSelector": kObject, "MaxConcurrency": kCount,
	"Error": kString, "Cause": kString, "ErrorPath": kString, "CausePath": kString,
}

// fits reports whether v is of kind k.
func fits(v any, k kind) bool {
	switch k {
	case kString:
		_, ok := v.(string)
		return ok
	case kPath:
		_, ok := v.(string)
		return ok || v == nil
	case kCount:
		f, ok := v.(float64)
		return ok && f >= 0 && f == math.Trunc(f) && f < 1<<53
	case kNumber:
		f, ok := v.(float64)
		return ok && f >= 0 && !math.IsInf(f, 0)
	case kBool:
		_, ok := v.(bool)
		return ok
	case kObject:
		_, ok := v.(map[string]any)
		return ok
	case kStringList:
		list, ok := v.([]any)
		for _, x := range list {
			if _, isStr := x.(string); !isStr {
				return false
			}
		}
		return ok
	}
	return true
}

// checkState checks the types of one state's fields, and that every state it names exists, as
// CreateStateMachine's validation does: the error names the state and the field.
func (m machine) checkState(where, name string, st map[string]any) error {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("%sstate %s: field %s must be %s, got %s", where, name, field, want, shown(v))
	}
	target := func(field string, v any) error {
		next, ok := v.(string)
		if !ok {
			return bad(field, v, "a string")
		}
		if _, exists := m.States[next]; !exists {
			return fmt.Errorf("%sstate %s: %s %q names no state", where, name, field, next)
		}
		return nil
	}
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if want, ok := fieldKinds[k]; ok && !fits(st[k], want) {
			return bad(k, st[k], want.String())
		}
	}
	typ := st["Type"].(string)
	if end, _ := st["End"].(bool); typ != "Choice" && typ != "Succeed" && typ != "Fail" && !end {
		if _, ok := st["Next"]; !ok {
			return fmt.Errorf("%sstate %s: a %s state needs Next or \"End\": true", where, name, typ)
		}
	}
	if d, ok := st["Default"]; ok {
		if err := target("Default", d); err != nil {
			return err
		}
	}
	switch typ {
	case "Task":
		if _, ok := st["Resource"]; !ok {
			return fmt.Errorf("%sstate %s: a Task needs Resource", where, name)
		}
	case "Wait":
		n := 0
		for _, k := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
			if _, ok := st[k]; ok {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%sstate %s: a Wait needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath", where, name)
		}
	case "Parallel":
		branches, ok := st["Branches"].([]any)
		if !ok || len(branches) == 0 {
			return bad("Branches", st["Branches"], "a non-empty array of state machines")
		}
		for i, b := range branches {
			if _, ok := b.(map[string]any); !ok {
				return bad(fmt.Sprintf("Branches[%d]", i), b, "an object")
			}
		}
	case "Map":
		proc, ok := st["ItemProcessor"]
		field := "ItemProcessor"
		if !ok {
			proc, ok = st["Iterator"]
			field = "Iterator"
		}
		if _, isObj := proc.(map[string]any); !ok || !isObj {
			return bad(field, proc, "an object (a state machine)")
		}
	case "Choice":
		rules, ok := st["Choices"].([]any)
		if !ok || len(rules) == 0 {
			return bad("Choices", st["Choices"], "a non-empty array of rules")
		}
		for i, rv := range rules {
			field := fmt.Sprintf("Choices[%d]", i)
			rule, ok := rv.(map[string]any)
			if !ok {
				return bad(field, rv, "an object")
			}
			if err := target(field+".Next", rule["Next"]); err != nil {
				return err
			}
			if err := checkRule(rule, field, bad); err != nil {
				return err
			}
		}
	}
	for _, list := range []string{"Retry", "Catch"} {
		v, ok := st[list]
		if !ok {
			continue
		}
		items, ok := v.([]any)
		if !ok {
			return bad(list, v, "an array")
		}
		for i, iv := range items {
			field := fmt.Sprintf("%s[%d]", list, i)
			item, ok := iv.(map[string]any)
			if !ok {
				return bad(field, iv, "an object")
			}
			if !fits(item["ErrorEquals"], kStringList) || len(item["ErrorEquals"].([]any)) == 0 {
				return bad(field+".ErrorEquals", item["ErrorEquals"], "a non-empty array of strings")
			}
			for k, want := range map[string]kind{"IntervalSeconds": kNumber, "MaxAttempts": kCount, "BackoffRate": kNumber,
				"MaxDelaySeconds": kNumber, "JitterStrategy": kString, "ResultPath": kPath, "Comment": kString} {
				if x, ok := item[k]; ok && !fits(x, want) {
					return bad(field+"."+k, x, want.String())
				}
			}
			if list == "Catch" {
				if err := target(field+".Next", item["Next"]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// shown writes a field's value for an error message.
func shown(v any) string {
	b, err := json.Marshal(v)
	if err != nil || v == nil && b == nil {
		return fmt.Sprint(v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

// safeStates runs a machine, turning anything unexpected (a panic) into a States.Runtime error, so
// that one execution cannot bring the process down.
func (r *run) safeStates(ctx context.Context, m machine, input any) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, statesErr("States.Runtime", "internal error: %v", p)
		}
	}()
	return r.states(ctx, m, input)
}

// comparisonKinds are the operand types of the Choice comparisons; the ...Path forms take a path.
var comparisonKinds = map[string]kind{
	"StringEquals": kString, "StringLessThan": kString, "StringGreaterThan": kString, "StringLessThanEquals": kString,
	"StringGreaterThanEquals": kString, "StringMatches": kString, "NumericEquals": kAny, "NumericLessThan": kAny,
	"NumericGreaterThan": kAny, "NumericLessThanEquals": kAny, "NumericGreaterThanEquals": kAny, "BooleanEquals": kBool,
	"TimestampEquals": kString, "TimestampLessThan": kString, "TimestampGreaterThan": kString,
	"TimestampLessThanEquals": kString, "TimestampGreaterThanEquals": kString,
	"IsNull": kBool, "IsPresent": kBool, "IsNumeric": kBool, "IsString": kBool, "IsBoolean": kBool, "IsTimestamp": kBool,
}

// checkRule checks the types of a Choice rule and of the rules inside it.
func checkRule(rule map[string]any, field string, bad func(field string, v any, want string) error) error {
	for _, op := range []string{"And", "Or"} {
		v, ok := rule[op]
		if !ok {
			continue
		}
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return bad(field+"."+op, v, "a non-empty array of rules")
		}
		for i, sv := range list {
			sub, ok := sv.(map[string]any)
			if !ok {
				return bad(fmt.Sprintf("%s.%s[%d]", field, op, i), sv, "an object")
			}
			if err := checkRule(sub, fmt.Sprintf("%s.%s[%d]", field, op, i), bad); err != nil {
				return err
			}
		}
		return nil
	}
	if v, ok := rule["Not"]; ok {
		sub, ok := v.(map[string]any)
		if !ok {
			return bad(field+".Not", v, "an object")
		}
		return checkRule(sub, field+".Not", bad)
	}
	if v, ok := rule["Variable"]; !ok || !fits(v, kString) {
		return bad(field+".Variable", v, "a string (a rule needs Variable, And, Or or Not)")
	}
	for k, v := range rule {
		if want, ok := comparisonKinds[k]; ok {
			if strings.HasPrefix(k, "Numeric") {
				if _, isNum := v.(float64); !isNum {
					return bad(field+"."+k, v, "a number")
				}
				continue
			}
			if !fits(v, want) {
				return bad(field+"."+k, v, want.String())
			}
		}
		if base, ok := strings.CutSuffix(k, "Path"); ok {
			if _, isOp := comparisonKinds[base]; isOp && !fits(v, kString) {
				return bad(field+"."+k, v, "a string")
			}
		}
	}
	return nil
}
