package athena

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Error types, as Athena reports them in a failed query's state change reason.
const (
	ErrSyntax          = "SYNTAX_ERROR"
	ErrFunctionMissing = "FUNCTION_NOT_FOUND"
	ErrColumnMissing   = "COLUMN_NOT_FOUND"
	ErrTableMissing    = "TABLE_NOT_FOUND"
	ErrSchemaMissing   = "SCHEMA_NOT_FOUND"
	ErrTypeMismatch    = "TYPE_MISMATCH"
	ErrNotSupported    = "NOT_SUPPORTED"
	ErrInvalidCast     = "INVALID_CAST_ARGUMENT"
	ErrInvalidFunction = "INVALID_FUNCTION_ARGUMENT"
	ErrDivisionByZero  = "DIVISION_BY_ZERO"
	ErrAlreadyExists   = "ALREADY_EXISTS"
	ErrInternal        = "GENERIC_INTERNAL_ERROR"
	ErrTypeNotFound    = "TYPE_NOT_FOUND"
)

// QueryError is a failed query, worded as Athena words it: "TYPE: line L:C: message".
type QueryError struct {
	Type         string // one of the Err* constants
	Line, Column int    // 1-based position in the query as submitted; 0 when Athena gives none
	Message      string
}

func (e *QueryError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: line %d:%d: %s", e.Type, e.Line, e.Column, e.Message)
	}
	return e.Type + ": " + e.Message
}

// errorCode is the numeric AthenaError.ErrorType of an error type (Athena's error catalog: 1000s are
// user errors, 1100 not found, 1300s internal).
func (e *QueryError) errorCode() int {
	switch e.Type {
	case ErrSyntax:
		return 1000
	case ErrTableMissing, ErrSchemaMissing:
		return 1101
	case ErrColumnMissing:
		return 1102
	case ErrFunctionMissing:
		return 1103
	case ErrNotSupported:
		return 1200
	case ErrTypeMismatch, ErrInvalidCast, ErrInvalidFunction, ErrDivisionByZero:
		return 1001
	case ErrInternal:
		return 1300
	}
	return 1000
}

// errAt is an error of type typ at byte offset pos of sql.
func errAt(typ, sql string, pos int, format string, args ...any) *QueryError {
	l, c := lineCol(sql, pos)
	return &QueryError{Type: typ, Line: l, Column: c, Message: fmt.Sprintf(format, args...)}
}

func syntaxErrorAt(sql string, pos int, msg string) *QueryError {
	return errAt(ErrSyntax, sql, pos, "%s", msg)
}

var (
	duckColumn   = regexp.MustCompile(`Referenced column "([^"]+)" (?:was )?not found`)
	duckTable    = regexp.MustCompile(`Table with name ([^ ]+) does not exist`)
	duckNear     = regexp.MustCompile(`syntax error at or near "([^"]*)"`)
	duckNoMatch  = regexp.MustCompile(`(?:No function matches the given name and argument types '|Could not choose a best candidate function for the function call ")([^(]+)\(([^'"]*)\)['"]`)
	duckCast     = regexp.MustCompile(`Could not convert string '([^']*)' to ([A-Z0-9]+)`)
	duckCaretPos = regexp.MustCompile(`(?s)LINE (\d+): (.*)\n( *)\^`)
)

// duckError words a DuckDB error on the translated query as Athena words its own, with the position
// mapped back to the user's SQL.
func duckError(err error, user string, tr *translation) *QueryError {
	msg := err.Error()
	var qe *QueryError
	if errors.As(err, &qe) {
		return qe
	}
	pos := -1
	if m := duckCaretPos.FindStringSubmatch(msg); m != nil && tr != nil {
		pos = tr.userPos(caretOffset(tr.sql, m[1], m[2], len(m[3])-len("LINE "+m[1]+": ")))
	}
	at := func(typ string, format string, args ...any) *QueryError {
		if pos < 0 {
			return &QueryError{Type: typ, Message: fmt.Sprintf(format, args...)}
		}
		return errAt(typ, user, pos, format, args...)
	}
	detail := cleanDuck(msg)
	switch {
	case strings.Contains(msg, "Parser Error"):
		if m := duckNear.FindStringSubmatch(msg); m != nil {
			return at(ErrSyntax, "mismatched input '%s'", m[1])
		}
		return at(ErrSyntax, "%s", detail)
	case duckColumn.MatchString(msg):
		name := duckColumn.FindStringSubmatch(msg)[1]
		if p := findName(user, name); p >= 0 {
			pos = p
		}
		return at(ErrColumnMissing, "Column '%s' cannot be resolved or requester is not authorized to access requested resources", name)
	case duckTable.MatchString(msg):
		return at(ErrTableMissing, "Table '%s' does not exist", strings.Trim(duckTable.FindStringSubmatch(msg)[1], `"`))
	case strings.Contains(msg, failMark) && strings.LastIndex(msg, "' to ") > strings.Index(msg, failMark):
		// a macro's failure: 'tl_fail:TYPE:message' cast to INTEGER
		body := msg[strings.Index(msg, failMark)+len(failMark) : strings.LastIndex(msg, "' to ")]
		typ, text, _ := strings.Cut(body, ":")
		return at(typ, "%s", text)
	case strings.Contains(msg, "TRY can not be used in combination with a volatile function"):
		return at(ErrNotSupported, "try of an expression the local engine cannot run inside try: %s", detail)
	case strings.Contains(msg, notSupportedMark):
		return at(ErrNotSupported, "%s", msg[strings.Index(msg, notSupportedMark)+len(notSupportedMark):])
	case strings.Contains(msg, "Division by zero"):
		return at(ErrDivisionByZero, "Division by zero")
	case duckNoMatch.MatchString(msg):
		m := duckNoMatch.FindStringSubmatch(msg)
		args := trinoTypes(m[2])
		if strings.Trim(m[1], " ") != "" && strings.IndexFunc(m[1], func(r rune) bool { return r >= 'a' && r <= 'z' }) < 0 {
			return at(ErrTypeMismatch, "Cannot apply operator: %s", strings.Replace(args, ", ", " "+m[1]+" ", 1))
		}
		return at(ErrFunctionMissing, "Unexpected parameters (%s) for function %s", args, userFunction(m[1]))
	case strings.Contains(msg, "Cannot compare values"),
		strings.Contains(msg, "Cannot mix values of type"), strings.Contains(msg, "Binder Error: Cannot"):
		return at(ErrTypeMismatch, "%s", detail)
	case duckCast.MatchString(msg):
		m := duckCast.FindStringSubmatch(msg)
		return at(ErrInvalidCast, "Cannot cast '%s' to %s", m[1], trinoCastName(m[2]))
	case strings.Contains(msg, "Conversion Error"), strings.Contains(msg, "Invalid Input Error"):
		return at(ErrInvalidFunction, "%s", detail)
	case strings.Contains(msg, "Catalog Error") && strings.Contains(msg, "does not exist"):
		return at(ErrTableMissing, "%s", detail)
	case strings.Contains(msg, "Binder Error"):
		return at(ErrColumnMissing, "%s", detail)
	}
	return &QueryError{Type: ErrInternal, Message: detail}
}

// trinoCastName is how Trino names a type in cast errors.
func trinoCastName(duck string) string {
	switch duck {
	case "INT32", "INTEGER":
		return "INT"
	case "INT64", "BIGINT":
		return "BIGINT"
	case "INT16", "SMALLINT":
		return "SMALLINT"
	case "INT8", "TINYINT":
		return "TINYINT"
	case "FLOAT", "FLOAT32":
		return "REAL"
	case "FLOAT64":
		return "DOUBLE"
	}
	return duck
}

// trinoTypes words DuckDB's argument types as Trino's: "STRING_LITERAL, INTEGER_LITERAL" -> "varchar, integer".
func trinoTypes(duck string) string {
	var out []string
	for _, t := range strings.Split(duck, ",") {
		t = strings.TrimSuffix(strings.TrimSpace(t), "_LITERAL")
		if t == "STRING" {
			t = "VARCHAR"
		}
		out = append(out, athenaType(t))
	}
	return strings.Join(out, ", ")
}

// userFunction is the Trino name of a function the translation called under DuckDB's name.
func userFunction(duck string) string {
	duck = strings.TrimPrefix(duck, "main.")
	return strings.TrimPrefix(duck, macroPrefix)
}

// caretOffset finds the byte offset in sql of DuckDB's caret: line is the 1-based line number,
// shown the excerpt DuckDB printed (possibly cut with "..."), caret the caret's column in it.
func caretOffset(sql, line, shown string, caret int) int {
	n := 1
	fmt.Sscan(line, &n)
	start := 0
	for i := 1; i < n; i++ {
		j := strings.IndexByte(sql[start:], '\n')
		if j < 0 {
			break
		}
		start += j + 1
	}
	lineText := sql[start:]
	if j := strings.IndexByte(lineText, '\n'); j >= 0 {
		lineText = lineText[:j]
	}
	shown = strings.SplitN(shown, "\n", 2)[0]
	skip := 0
	if strings.HasPrefix(shown, "...") {
		shown, skip = shown[3:], 3
	}
	shown = strings.TrimSuffix(shown, "...")
	k := strings.Index(lineText, shown)
	if k < 0 {
		k = 0
	}
	return start + k + caret - skip
}

// findName is the offset of the first use of name as a column in sql, or -1.
func findName(sql, name string) int {
	toks, err := lex(sql)
	if err != nil {
		return -1
	}
	for i, t := range toks {
		if (t.kind == tkIdent || t.kind == tkQuoted) && strings.EqualFold(t.text, name) && !toks[i+1].is("(") {
			return t.pos
		}
	}
	return -1
}

// athenaMessage words any error of a query as Athena words its own: an error type, then the detail.
func athenaMessage(err error) (string, int) {
	var qe *QueryError
	if errors.As(err, &qe) {
		return qe.Error(), qe.errorCode()
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "InvalidRequest") {
		return msg, 1000
	}
	qe = duckError(err, "", nil)
	return qe.Error(), qe.errorCode()
}

func cleanDuck(msg string) string {
	for _, p := range []string{"Parser Error: ", "Catalog Error: ", "Binder Error: ", "Conversion Error: ", "Invalid Input Error: ", "Out of Range Error: "} {
		if i := strings.Index(msg, p); i >= 0 {
			msg = msg[i+len(p):]
		}
	}
	return strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
}
