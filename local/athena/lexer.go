package athena

import (
	"strings"
)

// tokKind is the kind of a token of Athena (Trino) SQL.
type tokKind int

const (
	tkEOF    tokKind = iota
	tkIdent          // an unquoted name or keyword
	tkQuoted         // a "quoted" name; text holds the name, unquoted
	tkString         // a 'string' literal; text holds the value, unquoted
	tkNumber         // 12, 1.5, 1e3, .5
	tkOp             // operators and punctuation: ( ) [ ] , . + - * / % || = <> != < <= > >= -> ; and anything unknown
)

// token is one token of the user's SQL, with its byte offset there.
type token struct {
	kind tokKind
	text string
	pos  int
	end  int
}

// is reports whether the token is the (case-insensitive) keyword or the operator s.
func (t token) is(s string) bool {
	switch t.kind {
	case tkIdent:
		return strings.EqualFold(t.text, s)
	case tkOp:
		return t.text == s
	}
	return false
}

// lower is the name of an identifier, as Trino folds it.
func (t token) lower() string { return strings.ToLower(t.text) }

// lex splits Trino SQL into tokens; comments and white space are dropped. It fails on an unterminated
// string, quoted name or comment, with the offset where it starts.
func lex(sql string) ([]token, error) {
	var out []token
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return nil, syntaxErrorAt(sql, i, "unterminated comment")
			}
			i += j + 4
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					closed = true
					break
				}
				b.WriteByte(sql[j])
				j++
			}
			if !closed {
				if c == '\'' {
					return nil, syntaxErrorAt(sql, i, "mismatched input '''. Unterminated string literal")
				}
				return nil, syntaxErrorAt(sql, i, `mismatched input '"'. Unterminated quoted identifier`)
			}
			kind := tkString
			if c == '"' {
				kind = tkQuoted
			}
			out = append(out, token{kind: kind, text: b.String(), pos: i, end: j + 1})
			i = j + 1
		case isDigit(c) || (c == '.' && i+1 < len(sql) && isDigit(sql[i+1])):
			j := i
			for j < len(sql) && (isDigit(sql[j]) || sql[j] == '.') {
				j++
			}
			if j < len(sql) && (sql[j] == 'e' || sql[j] == 'E') {
				k := j + 1
				if k < len(sql) && (sql[k] == '+' || sql[k] == '-') {
					k++
				}
				if k < len(sql) && isDigit(sql[k]) {
					for k < len(sql) && isDigit(sql[k]) {
						k++
					}
					j = k
				}
			}
			out = append(out, token{kind: tkNumber, text: sql[i:j], pos: i, end: j})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(sql) && isIdentPart(sql[j]) {
				j++
			}
			out = append(out, token{kind: tkIdent, text: sql[i:j], pos: i, end: j})
			i = j
		default:
			n := 1
			for _, op := range []string{"||", "<>", "!=", "<=", ">=", "->", "::", "//", "**", "=>", "->>"} {
				if strings.HasPrefix(sql[i:], op) && len(op) > n {
					n = len(op)
				}
			}
			out = append(out, token{kind: tkOp, text: sql[i : i+n], pos: i, end: i + n})
			i += n
		}
	}
	out = append(out, token{kind: tkEOF, pos: len(sql), end: len(sql)})
	return out, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '@' || c == '$' }

// lineCol is the 1-based line and column of a byte offset, as Athena reports positions.
func lineCol(sql string, pos int) (int, int) {
	if pos > len(sql) {
		pos = len(sql)
	}
	line := 1 + strings.Count(sql[:pos], "\n")
	col := pos - strings.LastIndexByte(sql[:pos], '\n')
	return line, col
}
