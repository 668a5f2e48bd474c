// Package sfn is the local twin's Step Functions: a small, strict interpreter of the Amazon States
// Language for what ticklake's state machine uses and the common rest, the service integrations
// bound to the local endpoint and functions, and the Step Functions API over it.
package sfn

import (
	"encoding/json"
	"fmt"
	"sort"
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

// segment is one step of a path: a field name, an array index, every element ([*]) or the
// elements a filter keeps ([?(@.field OP literal)]).
type segment struct {
	field  string
	index  int
	isIdx  bool
	all    bool
	filter *filter
}

// filter is a JSONPath filter expression: the elements whose path (relative to @) compares with a
// literal by op, or, with no op, whose path exists and is neither false nor null.
type filter struct {
	path  []segment
	op    string
	value any
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
			if strings.HasPrefix(inner, "?(") {
				// a filter may hold ] in a string literal: its end is the ) before a ]
				close := strings.Index(p, ")]")
				if close < 0 {
					return false, nil, fmt.Errorf("unclosed filter in path")
				}
				f, err := parseFilter(p[3:close])
				if err != nil {
					return false, nil, err
				}
				segs = append(segs, segment{filter: f})
				p = p[close+2:]
				continue
			}
			if inner == "*" {
				segs = append(segs, segment{all: true})
				p = p[end+1:]
				continue
			}
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

// parseFilter parses the inside of [?( )]: @.path, optionally an operator and a literal (a
// number, a quoted string, true, false or null).
func parseFilter(expr string) (*filter, error) {
	expr = strings.TrimSpace(expr)
	if !strings.HasPrefix(expr, "@") {
		return nil, fmt.Errorf("filter %q does not start with @", expr)
	}
	f := &filter{}
	lhs := expr
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if i := strings.Index(expr, op); i > 0 {
			lhs, f.op = strings.TrimSpace(expr[:i]), op
			lit := strings.TrimSpace(expr[i+len(op):])
			if len(lit) >= 2 && lit[0] == '\'' && lit[len(lit)-1] == '\'' {
				f.value = lit[1 : len(lit)-1]
			} else if err := json.Unmarshal([]byte(lit), &f.value); err != nil {
				return nil, fmt.Errorf("filter %q: bad literal %s", expr, lit)
			}
			break
		}
	}
	_, segs, err := parsePath("$" + lhs[1:])
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", expr, err)
	}
	f.path = segs
	return f, nil
}

// keeps reports whether the filter keeps element v.
func (f *filter) keeps(v any) bool {
	x, err := walk(f.path, v)
	if err != nil {
		return false
	}
	if f.op == "" {
		return x != nil && x != false
	}
	xn, xok := x.(float64)
	vn, vok := f.value.(float64)
	switch f.op {
	case "==":
		return fmt.Sprint(x) == fmt.Sprint(f.value) && (xok == vok)
	case "!=":
		return fmt.Sprint(x) != fmt.Sprint(f.value) || xok != vok
	}
	if !xok || !vok {
		return false
	}
	switch f.op {
	case "<":
		return xn < vn
	case "<=":
		return xn <= vn
	case ">":
		return xn > vn
	}
	return xn >= vn
}

// walk follows definite segments from v.
func walk(segs []segment, v any) (any, error) {
	cur := v
	for _, s := range segs {
		switch {
		case s.isIdx:
			arr, ok := cur.([]any)
			if !ok || s.index < 0 || s.index >= len(arr) {
				return nil, fmt.Errorf("no index %d", s.index)
			}
			cur = arr[s.index]
		case s.all || s.filter != nil:
			return nil, fmt.Errorf("nested wildcard")
		default:
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("not an object")
			}
			x, ok := obj[s.field]
			if !ok {
				return nil, fmt.Errorf("no field %s", s.field)
			}
			cur = x
		}
	}
	return cur, nil
}

// getMany evaluates an indefinite path (one with [*] or a filter): an array of every match, empty
// when nothing matches, as Step Functions gives for such a path.
func getMany(segs []segment, root any) []any {
	cur := []any{root}
	for _, s := range segs {
		var next []any
		for _, v := range cur {
			switch {
			case s.all || s.filter != nil:
				var elems []any
				switch x := v.(type) {
				case []any:
					elems = x
				case map[string]any:
					for _, k := range sortedKeys(x) {
						elems = append(elems, x[k])
					}
				}
				for _, e := range elems {
					if s.all || s.filter.keeps(e) {
						next = append(next, e)
					}
				}
			default:
				if x, err := walk([]segment{s}, v); err == nil {
					next = append(next, x)
				}
			}
		}
		cur = next
	}
	if cur == nil {
		cur = []any{}
	}
	return cur
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// get reads path from data (or from ctx, for $$ paths). A missing field is States.Runtime; a path
// with [*] or a filter gives the array of its matches.
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
		if s.all || s.filter != nil {
			return getMany(segs, cur), nil
		}
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
		if s.isIdx || s.all || s.filter != nil {
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
