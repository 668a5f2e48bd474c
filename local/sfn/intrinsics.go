package sfn

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// evalIntrinsic evaluates an intrinsic function call such as States.Format('{}', $.x).
func evalIntrinsic(expr string, data, ctx any) (any, error) {
	p := &intrinsicParser{s: strings.TrimSpace(expr), data: data, ctx: ctx}
	v, err := p.call()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.i != len(p.s) {
		return nil, statesErr("States.Runtime", "unexpected %q after %s", p.s[p.i:], expr)
	}
	return v, nil
}

type intrinsicParser struct {
	s         string
	i         int
	data, ctx any
}

func (p *intrinsicParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *intrinsicParser) call() (any, error) {
	p.skipSpace()
	open := strings.IndexByte(p.s[p.i:], '(')
	if open < 0 {
		return nil, statesErr("States.Runtime", "%q is not an intrinsic function call", p.s)
	}
	name := strings.TrimSpace(p.s[p.i : p.i+open])
	p.i += open + 1
	var args []any
	for {
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			break
		}
		arg, err := p.arg()
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ')' {
			p.i++
			break
		}
		return nil, statesErr("States.Runtime", "malformed arguments to %s", name)
	}
	return apply(name, args)
}

func (p *intrinsicParser) arg() (any, error) {
	switch c := p.s[p.i]; {
	case c == '\'':
		var b strings.Builder
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == '\\' && p.i+1 < len(p.s) {
				switch p.s[p.i+1] {
				case '{': // an escaped brace is never a placeholder
					b.WriteString(openBrace)
				case '}':
					b.WriteString(closeBrace)
				default:
					b.WriteByte(p.s[p.i+1])
				}
				p.i += 2
				continue
			}
			if c == '\'' {
				p.i++
				return b.String(), nil
			}
			b.WriteByte(c)
			p.i++
		}
		return nil, statesErr("States.Runtime", "unterminated string in %s", p.s)
	case c == '$':
		end := p.i
		depth := 0
		for end < len(p.s) {
			ch := p.s[end]
			if ch == '[' {
				depth++
			} else if ch == ']' {
				depth--
			} else if depth == 0 && (ch == ',' || ch == ')' || ch == ' ') {
				break
			}
			end++
		}
		path := p.s[p.i:end]
		p.i = end
		return get(path, p.data, p.ctx)
	case strings.HasPrefix(p.s[p.i:], "States."):
		return p.call()
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return nil, nil
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, nil
	default:
		end := p.i
		for end < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[end]) >= 0 {
			end++
		}
		f, err := strconv.ParseFloat(p.s[p.i:end], 64)
		if err != nil {
			return nil, statesErr("States.Runtime", "bad argument %q", p.s[p.i:])
		}
		p.i = end
		return f, nil
	}
}

func argErr(name string, format string, args ...any) error {
	return statesErr("States.IntrinsicFailure", "%s: %s", name, fmt.Sprintf(format, args...))
}

// Escaped braces stand in string literals as private-use characters until a function uses them.
const (
	openBrace  = "\uE000"
	closeBrace = "\uE001"
)

var unmarker = strings.NewReplacer(openBrace, "{", closeBrace, "}")

// apply runs one intrinsic function.
func apply(name string, args []any) (any, error) {
	template, isTemplate := "", false
	if name == "States.Format" && len(args) > 0 {
		template, isTemplate = args[0].(string)
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = unmarker.Replace(s)
		}
	}
	if isTemplate {
		args[0] = template
	}
	need := func(n int) error {
		if len(args) != n {
			return argErr(name, "takes %d arguments, got %d", n, len(args))
		}
		return nil
	}
	switch name {
	case "States.Format":
		if len(args) == 0 {
			return nil, argErr(name, "needs a template")
		}
		tmpl, ok := args[0].(string)
		if !ok {
			return nil, argErr(name, "the template must be a string")
		}
		var b strings.Builder
		n := 1
		for i := 0; i < len(tmpl); i++ {
			if tmpl[i] == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
				if n >= len(args) {
					return nil, argErr(name, "more {} than arguments")
				}
				b.WriteString(formatArg(args[n]))
				n++
				i++
				continue
			}
			b.WriteByte(tmpl[i])
		}
		if n != len(args) {
			return nil, argErr(name, "%d arguments for %d placeholders", len(args)-1, n-1)
		}
		return unmarker.Replace(b.String()), nil
	case "States.StringToJson":
		if err := need(1); err != nil {
			return nil, err
		}
		s, ok := args[0].(string)
		if !ok {
			return nil, argErr(name, "the argument must be a string")
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, argErr(name, "%v", err)
		}
		return v, nil
	case "States.JsonToString":
		if err := need(1); err != nil {
			return nil, err
		}
		b, err := json.Marshal(args[0])
		if err != nil {
			return nil, argErr(name, "%v", err)
		}
		return string(b), nil
	case "States.Array":
		return append([]any{}, args...), nil
	case "States.ArrayLength":
		if err := need(1); err != nil {
			return nil, err
		}
		arr, ok := args[0].([]any)
		if !ok {
			return nil, argErr(name, "the argument must be an array")
		}
		return float64(len(arr)), nil
	case "States.ArrayGetItem":
		if err := need(2); err != nil {
			return nil, err
		}
		arr, ok := args[0].([]any)
		idx, ok2 := args[1].(float64)
		if !ok || !ok2 || idx != math.Trunc(idx) || idx < 0 || int(idx) >= len(arr) {
			return nil, argErr(name, "index %v out of the array's range", args[1])
		}
		return arr[int(idx)], nil
	case "States.StringSplit":
		if err := need(2); err != nil {
			return nil, err
		}
		s, ok := args[0].(string)
		sep, ok2 := args[1].(string)
		if !ok || !ok2 {
			return nil, argErr(name, "both arguments must be strings")
		}
		var out []any
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(sep, r) }) {
			out = append(out, part)
		}
		return out, nil
	case "States.MathAdd":
		if err := need(2); err != nil {
			return nil, err
		}
		a, ok := args[0].(float64)
		b, ok2 := args[1].(float64)
		if !ok || !ok2 {
			return nil, argErr(name, "both arguments must be numbers")
		}
		return a + b, nil
	case "States.UUID":
		if err := need(0); err != nil {
			return nil, err
		}
		return uuid.NewString(), nil
	}
	return nil, statesErr("States.Runtime", "intrinsic function %s is not supported by the local interpreter", name)
}

func formatArg(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
