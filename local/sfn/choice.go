package sfn

import (
	"path"
	"strings"
	"time"
)

// choose returns the Next of the first Choice rule that matches, else the Default.
func (r *run) choose(name string, st map[string]any, input any, ctxObj map[string]any) (string, error) {
	rules, _ := st["Choices"].([]any)
	for _, rv := range rules {
		rule, _ := rv.(map[string]any)
		ok, err := evalRule(rule, input, ctxObj)
		if err != nil {
			return "", err
		}
		if ok {
			next, _ := rule["Next"].(string)
			return next, nil
		}
	}
	if def, ok := st["Default"].(string); ok {
		return def, nil
	}
	return "", statesErr("States.NoChoiceMatched", "No Choice rule of state %s matched, and it has no Default", name)
}

var comparisons = []string{"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
	"StringMatches", "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
	"BooleanEquals", "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals"}

// evalRule evaluates a Choice rule: And, Or, Not, or a comparison of Variable.
func evalRule(rule map[string]any, input any, ctxObj map[string]any) (bool, error) {
	if list, ok := rule["And"].([]any); ok {
		for _, sub := range list {
			m, _ := sub.(map[string]any)
			if ok, err := evalRule(m, input, ctxObj); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
	if list, ok := rule["Or"].([]any); ok {
		for _, sub := range list {
			m, _ := sub.(map[string]any)
			if ok, err := evalRule(m, input, ctxObj); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	if sub, ok := rule["Not"].(map[string]any); ok {
		v, err := evalRule(sub, input, ctxObj)
		return !v, err
	}
	variable, ok := rule["Variable"].(string)
	if !ok {
		return false, statesErr("States.Runtime", "a Choice rule needs Variable, And, Or or Not")
	}
	if want, ok := rule["IsPresent"].(bool); ok {
		return present(variable, input, ctxObj) == want, nil
	}
	val, err := get(variable, input, ctxObj)
	if err != nil {
		return false, err
	}
	for _, test := range []string{"IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"} {
		want, ok := rule[test].(bool)
		if !ok {
			continue
		}
		var is bool
		switch test {
		case "IsNull":
			is = val == nil
		case "IsNumeric":
			_, is = val.(float64)
		case "IsString":
			_, is = val.(string)
		case "IsBoolean":
			_, is = val.(bool)
		case "IsTimestamp":
			_, is = timestamp(val)
		}
		return is == want, nil
	}
	for _, op := range comparisons {
		operand, direct := rule[op]
		if !direct {
			p, ok := rule[op+"Path"].(string)
			if !ok {
				continue
			}
			if operand, err = get(p, input, ctxObj); err != nil {
				return false, err
			}
		}
		return compare(op, val, operand), nil
	}
	return false, statesErr("States.Runtime", "the Choice rule on %s has no comparison the local interpreter knows", variable)
}

// compare applies a comparison; values of the wrong type never match.
func compare(op string, a, b any) bool {
	switch {
	case strings.HasPrefix(op, "String"):
		x, ok1 := a.(string)
		y, ok2 := b.(string)
		if !ok1 || !ok2 {
			return false
		}
		if op == "StringMatches" {
			return wildcard(y, x)
		}
		return ordered(op[len("String"):], strings.Compare(x, y))
	case strings.HasPrefix(op, "Numeric"):
		x, ok1 := a.(float64)
		y, ok2 := b.(float64)
		if !ok1 || !ok2 {
			return false
		}
		c := 0
		if x < y {
			c = -1
		} else if x > y {
			c = 1
		}
		return ordered(op[len("Numeric"):], c)
	case op == "BooleanEquals":
		x, ok1 := a.(bool)
		y, ok2 := b.(bool)
		return ok1 && ok2 && x == y
	case strings.HasPrefix(op, "Timestamp"):
		x, ok1 := timestamp(a)
		y, ok2 := timestamp(b)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(op[len("Timestamp"):], x.Compare(y))
	}
	return false
}

func ordered(rel string, c int) bool {
	switch rel {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

func timestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// wildcard matches StringMatches patterns: * is any run of characters, \* a literal star.
func wildcard(pattern, s string) bool {
	// path.Match has the same * semantics once other metacharacters are escaped; '/' is not special
	// for StringMatches, so it is swapped out first.
	esc := strings.NewReplacer(`\*`, "\x00", "[", `\[`, "?", `\?`, "/", "\x01").Replace(pattern)
	esc = strings.ReplaceAll(esc, "\x00", `\*`)
	ok, err := path.Match(esc, strings.ReplaceAll(s, "/", "\x01"))
	return err == nil && ok
}
