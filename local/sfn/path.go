// Package sfn is the local twin's Step Functions: a small, strict interpreter of the Amazon States
// Language for what ticklake's state machine uses and the common rest, the service integrations
// bound to the local endpoint and functions, and the Step Functions API over it.
package sfn

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Error is a States Language error: a name such as States.TaskFailed and a cause.
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

func statesErr(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// segment is one step of a path: a field name or an array index.
type segment struct {
	field string
	index int
	isIdx bool
}

// parsePath parses a reference path: $ or $$, then .field, ['field'] and [index] steps.
func parsePath(p string) (context bool, segs []segment, err error) {
	switch {
	case strings.HasPrefix(p, "$$"):
		context, p = true, p[2:]
	case strings.HasPrefix(p, "$"):
		p = p[1:]
	default:
		return false, nil, fmt.Errorf("path %q does not start with $", p)
	}
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			if end == 0 {
				return false, nil, fmt.Errorf("empty field in path")
			}
			segs = append(segs, segment{field: p[:end]})
			p = p[end:]
		case '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return false, nil, fmt.Errorf("unclosed [ in path")
			}
			inner := p[1:end]
			if strings.HasPrefix(inner, "'") && strings.HasSuffix(inner, "'") && len(inner) >= 2 {
				segs = append(segs, segment{field: inner[1 : len(inner)-1]})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return false, nil, fmt.Errorf("path step [%s] is not supported (only indexes and quoted names)", inner)
				}
				segs = append(segs, segment{index: n, isIdx: true})
			}
			p = p[end+1:]
		default:
			return false, nil, fmt.Errorf("unexpected %q in path", p)
		}
	}
	return context, segs, nil
}

// get reads path from data (or from ctx, for $$ paths). A missing field is States.Runtime.
func get(path string, data, ctx any) (any, error) {
	isCtx, segs, err := parsePath(path)
	if err != nil {
		return nil, statesErr("States.Runtime", "%v", err)
	}
	cur := data
	if isCtx {
		cur = ctx
	}
	for _, s := range segs {
		if s.isIdx {
			arr, ok := cur.([]any)
			if !ok || s.index < 0 || s.index >= len(arr) {
				return nil, statesErr("States.Runtime", "The JSONPath '%s' could not be found in the input", path)
			}
			cur = arr[s.index]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, statesErr("States.Runtime", "The JSONPath '%s' could not be found in the input", path)
		}
		v, ok := obj[s.field]
		if !ok {
			return nil, statesErr("States.Runtime", "The JSONPath '%s' could not be found in the input '%s'", path, compact(data))
		}
		cur = v
	}
	return cur, nil
}

// present reports whether path resolves in data.
func present(path string, data, ctx any) bool {
	_, err := get(path, data, ctx)
	return err == nil
}

// set returns data with value placed at the reference path (ResultPath semantics): $ replaces
// everything; missing objects on the way are created.
func set(data any, path string, value any) (any, error) {
	isCtx, segs, err := parsePath(path)
	if err != nil || isCtx {
		return nil, statesErr("States.Runtime", "ResultPath %q is not a reference path", path)
	}
	if len(segs) == 0 {
		return value, nil
	}
	root, ok := deepCopy(data).(map[string]any)
	if !ok {
		return nil, statesErr("States.Runtime", "Unable to apply ResultPath %s: the input is not an object", path)
	}
	cur := root
	for i, s := range segs {
		if s.isIdx {
			return nil, statesErr("States.Runtime", "ResultPath %s: array steps are not supported", path)
		}
		if i == len(segs)-1 {
			cur[s.field] = value
			break
		}
		next, ok := cur[s.field].(map[string]any)
		if !ok {
			if _, exists := cur[s.field]; exists {
				return nil, statesErr("States.Runtime", "Unable to apply ResultPath %s: %s is not an object", path, s.field)
			}
			next = map[string]any{}
			cur[s.field] = next
		}
		cur = next
	}
	return root, nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[k] = deepCopy(val)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, val := range x {
			a[i] = deepCopy(val)
		}
		return a
	}
	return v
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}
