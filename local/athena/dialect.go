package athena

import (
	"fmt"
	"regexp"
	"strings"
)

// The local engine speaks Athena engine 3's SQL (Trino's) by translating each query into DuckDB's
// dialect: the query is split into tokens (strings, quoted names, comments and numbers kept intact),
// every function call is looked up in the allow-list (functions.go) and rewritten into the DuckDB
// expression or macro that has Trino's semantics, Trino's own syntax (ARRAY[...], AT TIME ZONE,
// EXTRACT, CAST to Trino types, typed literals) becomes DuckDB's, and DuckDB-only syntax is refused
// as Athena refuses it. Each piece of the output remembers where in the user's SQL it came from, so
// that an error DuckDB reports is given at the user's line and column.

// seg ties an offset of the translated SQL to the offset of the user's SQL it came from.
type seg struct{ out, src int }

// builder accumulates translated SQL with its origins.
type builder struct {
	b    strings.Builder
	segs []seg
}

func (b *builder) emit(s string, src int) {
	b.segs = append(b.segs, seg{b.b.Len(), src})
	b.b.WriteString(s)
}

func (b *builder) add(o *builder) {
	base := b.b.Len()
	for _, s := range o.segs {
		b.segs = append(b.segs, seg{base + s.out, s.src})
	}
	b.b.WriteString(o.b.String())
}

func (b *builder) String() string { return b.b.String() }
func (b *builder) Len() int       { return b.b.Len() }

// cut removes and returns everything from output offset off on.
func (b *builder) cut(off int) *builder {
	s := b.b.String()
	tail := &builder{}
	var keep []seg
	for _, sg := range b.segs {
		if sg.out >= off {
			tail.segs = append(tail.segs, seg{sg.out - off, sg.src})
		} else {
			keep = append(keep, sg)
		}
	}
	tail.b.WriteString(s[off:])
	b.b.Reset()
	b.b.WriteString(s[:off])
	b.segs = keep
	return tail
}

// translation is a query in DuckDB's SQL and the map back to the user's.
type translation struct {
	sql    string
	segs   []seg
	pseudo bool // the query reads the pseudo-columns "$path", "$file_size", "$file_modified_time"
	tables []tableRef
}

// userPos is the offset in the user's SQL that produced offset off of the translation.
func (t *translation) userPos(off int) int {
	best := 0
	for _, s := range t.segs {
		if s.out <= off {
			best = s.src
		} else {
			break
		}
	}
	return best
}

// tableRef is a table the query reads.
type tableRef struct {
	database, name string
	pos            int
}

// Resolver answers what the translation needs to know about the catalog.
type resolver interface {
	// table reports whether database.name exists, and whether it is a view (or has partition keys).
	table(database, name string) (exists, partitioned bool)
	database(name string) bool
}

// translator turns one statement's tokens into DuckDB SQL.
type translator struct {
	src      string
	toks     []token
	match    []int // index of the matching bracket of each ( and [
	database string
	cat      resolver
	ctes     map[string]bool
	aliases  map[int]string // token index -> the name Athena gives the select item that ends before it
	values   map[int]bool   // token indexes of VALUES rows written without parentheses, start -> true
	valEnd   map[int]bool
	out      *translation
	// zoneArg is the token span of the sole argument of a field function (hour, day, date, ...)
	// being translated: only there may a value be moved to another zone (AT TIME ZONE,
	// at_timezone), since DuckDB keeps no zone with a timestamp and only its local fields are right.
	zoneArg [2]int
}

// Pseudo-columns Athena adds to every table read from S3.
const (
	colPath         = "$path"
	colFileSize     = "$file_size"
	colFileModified = "$file_modified_time"
	partitionsSufx  = "$partitions"
	filesSufx       = "$files"
)

// translate turns a Trino query into DuckDB SQL that answers as Athena would, or fails as Athena
// would (the error's position in the user's SQL).
func translate(sql, database string, cat resolver) (*translation, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	if n := len(toks); n > 1 && toks[n-2].is(";") {
		toks = append(toks[:n-2], toks[n-1])
	}
	tr := &translator{src: sql, toks: toks, database: database, cat: cat, ctes: map[string]bool{}, out: &translation{},
		aliases: map[int]string{}, values: map[int]bool{}, valEnd: map[int]bool{}}
	if err := tr.matchBrackets(); err != nil {
		return nil, err
	}
	tr.nameColumns()
	tr.valuesRows()
	for i, t := range toks {
		if t.kind == tkQuoted && (t.text == colPath || t.text == colFileSize || t.text == colFileModified) {
			tr.out.pseudo = true
		}
		// WITH name AS (...), name (cols) AS (...)
		if (t.kind == tkIdent || t.kind == tkQuoted) && i+2 < len(toks) {
			next := toks[i+1]
			if next.is("AS") && toks[i+2].is("(") {
				tr.ctes[t.lower()] = true
			}
			if next.is("(") && tr.match[i+1]+2 < len(toks) && toks[tr.match[i+1]+1].is("AS") && toks[tr.match[i+1]+2].is("(") {
				tr.ctes[t.lower()] = true
			}
		}
	}
	last := len(toks) - 1
	b, err := tr.rng(0, last)
	if err != nil {
		return nil, err
	}
	if name, ok := tr.aliases[last]; ok {
		b.emit("AS "+quoteIdent(name), toks[last].pos)
	}
	if tr.valEnd[last] {
		b.emit(")", toks[last].pos)
	}
	tr.out.sql, tr.out.segs = b.String(), b.segs
	return tr.out, nil
}

func (tr *translator) matchBrackets() error {
	tr.match = make([]int, len(tr.toks))
	var stack []int
	for i, t := range tr.toks {
		tr.match[i] = -1
		switch {
		case t.is("(") || t.is("["):
			stack = append(stack, i)
		case t.is(")") || t.is("]"):
			if len(stack) == 0 {
				return syntaxErrorAt(tr.src, t.pos, fmt.Sprintf("mismatched input '%s'", t.text))
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if (t.text == ")") != (tr.toks[o].text == "(") {
				return syntaxErrorAt(tr.src, t.pos, fmt.Sprintf("mismatched input '%s'", t.text))
			}
			tr.match[o], tr.match[i] = i, o
		}
	}
	if len(stack) > 0 {
		return syntaxErrorAt(tr.src, len(tr.src), "mismatched input '<EOF>'")
	}
	return nil
}

// notFunctions are keywords that may precede "(" without being a function call.
var notFunctions = map[string]bool{
	"select": true, "from": true, "where": true, "and": true, "or": true, "not": true, "in": true, "exists": true,
	"as": true, "on": true, "using": true, "over": true, "filter": true, "values": true, "when": true, "then": true,
	"else": true, "case": true, "by": true, "join": true, "lateral": true, "table": true, "any": true, "some": true,
	"all": true, "with": true, "union": true, "except": true, "intersect": true, "rollup": true, "cube": true,
	"sets": true, "having": true, "limit": true, "is": true, "distinct": true, "window": true, "between": true,
	"like": true, "end": true, "unnest": true, "row": true, "group": true, "order": true, "partition": true,
	"within": true, "recursive": true, "grouping": true, "offset": true, "escape": true, "interval": true,
}

// duckOnlySyntax are DuckDB keywords Trino does not have.
var duckOnlySyntax = map[string]bool{"qualify": true, "pivot": true, "unpivot": true, "asof": true, "positional": true}

// typeLiterals are the types Trino writes literals of: DATE '2026-11-25'.
var typeLiterals = map[string]bool{"date": true, "timestamp": true, "time": true, "decimal": true, "json": true,
	"real": true, "double": true, "bigint": true, "integer": true, "varchar": true, "char": true, "varbinary": true}

// rng translates tokens [a, b).
func (tr *translator) rng(a, b int) (*builder, error) {
	out := &builder{}
	prim := 0 // output offset where the latest primary expression starts
	for i := a; i < b; i++ {
		if name, ok := tr.aliases[i]; ok {
			out.emit("AS "+quoteIdent(name)+" ", tr.toks[i].pos)
		}
		if tr.valEnd[i] {
			out.emit(") ", tr.toks[i].pos)
		}
		if tr.values[i] {
			out.emit("(", tr.toks[i].pos)
		}
		t := tr.toks[i]
		prev := token{}
		if i > 0 {
			prev = tr.toks[i-1]
		}
		next := tr.toks[i+1]
		switch t.kind {
		case tkString:
			if tr.relationPosition(i) {
				return nil, syntaxErrorAt(tr.src, t.pos, fmt.Sprintf("mismatched input '%s'", tr.src[t.pos:t.end]))
			}
			if !(prev.kind == tkIdent && typeLiterals[prev.lower()]) && !prev.is("INTERVAL") {
				prim = out.Len()
			}
			out.emit(quoteLiteral(t.text)+" ", t.pos)
		case tkNumber:
			prim = out.Len()
			out.emit(t.text+" ", t.pos)
		case tkQuoted:
			if next.is("(") && prev.is(".") {
				return nil, errAt(ErrFunctionMissing, tr.src, t.pos, "Function '%s' not registered", qualifiedName(tr.toks, i))
			}
			if next.is("(") && !prev.is("AS") && !prev.is(")") && !tr.ctes[t.lower()] {
				prim = out.Len()
				if err := tr.call(i, out); err != nil {
					return nil, err
				}
				i = tr.match[i+1]
				continue
			}
			if !prev.is(".") {
				prim = out.Len()
			}
			if tr.tableContext(i) {
				n, err := tr.tableRef(i, out)
				if err != nil {
					return nil, err
				}
				i = n
				continue
			}
			out.emit(quoteIdent(t.text)+" ", t.pos)
		case tkOp:
			switch t.text {
			case "::", "//", "**", "{", "}", ":", "$", "`", "->>", "=>", "@", "#", "~", "^", "&", ";":
				return nil, syntaxErrorAt(tr.src, t.pos, fmt.Sprintf("mismatched input '%s'", t.text))
			case "(", "[":
				start := out.Len()
				isSub := t.text == "[" && i > a && !prev.is("ARRAY") && (prev.is(")") || prev.is("]") || prev.kind == tkIdent || prev.kind == tkQuoted)
				inner, err := tr.rng(i+1, tr.match[i])
				if err != nil {
					return nil, err
				}
				if isSub {
					// an array's subscript out of its bounds fails, as Trino's does (DuckDB gives NULL)
					base := out.cut(prim)
					out.emit("main."+macroPrefix+"subscript(", t.pos)
					out.add(base)
					out.emit(", ", t.pos)
					out.add(inner)
					out.emit(") ", tr.toks[tr.match[i]].pos)
					i = tr.match[i]
					continue
				}
				out.emit(t.text, t.pos)
				out.add(inner)
				if name, ok := tr.aliases[tr.match[i]]; ok {
					out.emit("AS "+quoteIdent(name)+" ", tr.toks[tr.match[i]].pos)
				}
				if tr.valEnd[tr.match[i]] {
					out.emit(") ", tr.toks[tr.match[i]].pos)
				}
				out.emit(tr.toks[tr.match[i]].text+" ", tr.toks[tr.match[i]].pos)
				if !isSub {
					prim = start
				}
				i = tr.match[i]
				continue
			case "/", "%":
				end := tr.operandEnd(i+1, b)
				if end == i+1 {
					break
				}
				divisor, err := tr.rng(i+1, end)
				if err != nil {
					return nil, err
				}
				out.emit(t.text+" main."+macroPrefix+"divisor(", t.pos)
				out.add(divisor)
				out.emit(") ", t.pos)
				i = end - 1
				continue
			case ".":
				if s := out.String(); strings.HasSuffix(s, " ") {
					out.cut(len(s) - 1)
				}
				out.emit(".", t.pos)
				continue
			}
			out.emit(t.text+" ", t.pos)
		case tkIdent:
			name := t.lower()
			if duckOnlySyntax[name] || (prev.is("*") && (name == "exclude" || name == "replace" || name == "rename")) ||
				(name == "all" && prev.is("BY")) || (name == "sample" && prev.is("USING")) {
				return nil, syntaxErrorAt(tr.src, t.pos, fmt.Sprintf("mismatched input '%s'", t.text))
			}
			switch {
			case name == "array" && next.is("["):
				prim = out.Len()
				continue
			case (name == "cast" || name == "try_cast") && next.is("("):
				prim = out.Len()
				if err := tr.cast(i, out); err != nil {
					return nil, err
				}
				i = tr.match[i+1]
				continue
			case name == "extract" && next.is("("):
				prim = out.Len()
				if err := tr.extract(i, out); err != nil {
					return nil, err
				}
				i = tr.match[i+1]
				continue
			case name == "at" && next.is("TIME") && i+2 < b && tr.toks[i+2].is("ZONE"):
				if i+3 >= b {
					return nil, syntaxErrorAt(tr.src, tr.toks[i+3].pos, "mismatched input '<EOF>'")
				}
				if tr.zoneArg != [2]int{a, b} || i+4 != b || prim != 0 {
					return nil, errAt(ErrNotSupported, tr.src, t.pos, "AT TIME ZONE outside a field function such as hour(...) or date(...): the local engine keeps no time zone with a timestamp")
				}
				zone, err := tr.rng(i+3, i+4)
				if err != nil {
					return nil, err
				}
				operand := out.cut(prim)
				out.emit("main."+macroPrefix+"at_timezone(", t.pos)
				out.add(operand)
				out.emit(", ", t.pos)
				out.add(zone)
				out.emit(") ", t.pos)
				i += 3
				continue
			case name == "timestamp" && next.kind == tkString:
				prim = out.Len()
				lit := shortTime.ReplaceAllString(next.text, "$1:00$2")
				if hasZone(lit) && !utcZone.MatchString(lit) {
					return nil, errAt(ErrNotSupported, tr.src, t.pos, "a timestamp literal in a time zone other than UTC: the local engine keeps no time zone with a timestamp")
				}
				if hasZone(lit) {
					out.emit("TIMESTAMPTZ "+quoteLiteral(lit)+" ", t.pos)
				} else {
					out.emit("TIMESTAMP "+quoteLiteral(lit)+" ", t.pos)
				}
				i++
				continue
			case next.is("(") && prev.is("."):
				// a qualified function (main.tl_cbrt, system.main.strftime) or DuckDB's x.f() chaining
				return nil, errAt(ErrFunctionMissing, tr.src, t.pos, "Function '%s' not registered", qualifiedName(tr.toks, i))
			case next.is("(") && !notFunctions[name] && !prev.is("AS") && !tr.ctes[name]:
				if prev.is(")") {
					break // a relation's alias and its column names: (VALUES 1) t(x)
				}
				prim = out.Len()
				if err := tr.call(i, out); err != nil {
					return nil, err
				}
				i = tr.match[i+1]
				continue
			case name == "row" && next.is("("):
				prim = out.Len()
				if i >= 2 && tr.toks[i-1].is("(") && (tr.toks[i-2].is("CAST") || tr.toks[i-2].is("TRY_CAST")) {
					out.emit("row", t.pos) // fields named by the cast
					continue
				}
				// an anonymous row: fields field0, field1, ... as Trino names them
				items, _ := tr.items(i+2, func(token) bool { return false })
				var args []*builder
				var tpl []string
				for n, it := range items {
					arg, err := tr.rng(it[0], it[1])
					if err != nil {
						return nil, err
					}
					args = append(args, arg)
					tpl = append(tpl, fmt.Sprintf("field%d := {%d}", n, n))
				}
				if len(args) > 10 {
					return nil, errAt(ErrNotSupported, tr.src, t.pos, "ROW of more than 10 fields")
				}
				out.add(expand("struct_pack("+strings.Join(tpl, ", ")+")", t.pos, args))
				i = tr.match[i+1]
				continue
			case tr.tableContext(i):
				prim = out.Len()
				n, err := tr.tableRef(i, out)
				if err != nil {
					return nil, err
				}
				i = n
				continue
			}
			if !prev.is(".") {
				prim = out.Len()
			}
			out.emit(t.text+" ", t.pos)
		}
	}
	return out, nil
}

// selectEnds are the words that end a select list or a VALUES list.
var selectEnds = map[string]bool{"from": true, "where": true, "group": true, "having": true, "order": true, "limit": true,
	"union": true, "except": true, "intersect": true, "offset": true, "fetch": true, "window": true, "as": false}

// depthZero calls fn with the indexes of tokens outside any bracket nested in [a, b).
func (tr *translator) items(start int, stop func(t token) bool) (items [][2]int, end int) {
	k := start
	s := start
	for ; k < len(tr.toks); k++ {
		t := tr.toks[k]
		if t.kind == tkEOF || t.is(")") || t.is("]") || t.is(";") || stop(t) {
			break
		}
		if t.is("(") || t.is("[") {
			k = tr.match[k]
			continue
		}
		if t.is(",") {
			items = append(items, [2]int{s, k})
			s = k + 1
		}
	}
	if k > s {
		items = append(items, [2]int{s, k})
	}
	return items, k
}

// nameColumns gives every select item that is neither a column nor aliased the name Athena gives
// it: _col0, _col1, ... by position.
func (tr *translator) nameColumns() {
	for i, t := range tr.toks {
		if !t.is("SELECT") {
			continue
		}
		start := i + 1
		if tr.toks[start].is("DISTINCT") || tr.toks[start].is("ALL") {
			start++
		}
		items, _ := tr.items(start, func(t token) bool { return t.kind == tkIdent && selectEnds[t.lower()] })
		for n, it := range items {
			if it[1] <= it[0] {
				continue
			}
			toks := tr.toks[it[0]:it[1]]
			last := toks[len(toks)-1]
			named := last.kind == tkIdent || last.kind == tkQuoted
			switch {
			case len(toks) == 1 && (named || last.is("*")):
				continue // a column, or all of them
			case len(toks) == 3 && toks[1].is(".") && (named || last.is("*")):
				continue // t.column, t.*
			case len(toks) >= 2 && named && (toks[len(toks)-2].is("AS") || isExprEnd(toks[len(toks)-2])) && !isKeyword(last):
				continue // aliased
			}
			tr.aliases[it[1]] = fmt.Sprintf("_col%d", n)
		}
	}
}

func isExprEnd(t token) bool {
	return t.kind == tkQuoted || t.kind == tkString || t.kind == tkNumber || t.is(")") || t.is("]") ||
		(t.kind == tkIdent && !isKeyword(t))
}

// isKeyword reports whether an identifier is a keyword that ends or continues an expression.
func isKeyword(t token) bool {
	switch t.lower() {
	case "end", "and", "or", "not", "is", "null", "true", "false", "in", "like", "between", "then", "else", "when",
		"case", "as", "distinct", "zone", "desc", "asc", "first", "last", "nulls", "escape", "current_date",
		"current_timestamp", "localtimestamp", "current_time", "localtime":
		return true
	}
	return false
}

// valuesRows finds the rows of VALUES lists written without parentheses (VALUES 1, 2): DuckDB needs
// them parenthesized.
func (tr *translator) valuesRows() {
	for i, t := range tr.toks {
		if !t.is("VALUES") {
			continue
		}
		items, _ := tr.items(i+1, func(t token) bool { return t.kind == tkIdent && (selectEnds[t.lower()] || t.is("AS")) })
		for _, it := range items {
			if it[1] <= it[0] {
				continue
			}
			if it[1]-it[0] == 1 || !(tr.toks[it[0]].is("(") && tr.match[it[0]] == it[1]-1) {
				tr.values[it[0]] = true
				tr.valEnd[it[1]] = true
			}
		}
	}
}

// shortTime matches a timestamp literal's time without seconds ('2012-10-31 01:00 UTC'), which Trino
// reads and DuckDB does not.
var shortTime = regexp.MustCompile(`^(\s*\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2})(\s|[+-]|$)`)

// hasZone reports whether a timestamp literal carries a time zone: '2026-11-25 14:30:00 UTC'.
func hasZone(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) <= 10 {
		return false
	}
	rest := s[10:]
	return strings.ContainsAny(rest, "+ZABCDEFGHIJKLMNOPQRSTUVWXYabcdefghijklmnopqrstuvwxyz") ||
		strings.Count(rest, "-") > 0
}

// tableContext reports whether token i names a relation: after FROM or JOIN (or a comma of a FROM
// list), not a function call nor a subquery.
func (tr *translator) tableContext(i int) bool {
	t := tr.toks[i]
	if t.kind != tkIdent && t.kind != tkQuoted {
		return false
	}
	if tr.toks[i+1].is("(") || tr.toks[i+1].kind == tkString || (i > 0 && tr.toks[i-1].is(".")) {
		return false
	}
	return tr.relationPosition(i)
}

// relationPosition reports whether token i stands where a relation goes: after FROM or JOIN, or
// after a comma of a FROM list.
func (tr *translator) relationPosition(i int) bool {
	j := i - 1
	if j < 0 {
		return false
	}
	p := tr.toks[j]
	if p.is("FROM") {
		// EXTRACT(x FROM y), SUBSTRING(s FROM n), TRIM(c FROM s): not a relation
		depth := 0
		for k := j - 1; k >= 0; k-- {
			q := tr.toks[k]
			if q.is(")") {
				depth++
			} else if q.is("(") {
				if depth == 0 {
					if k > 0 && (tr.toks[k-1].is("EXTRACT") || tr.toks[k-1].is("TRIM") || tr.toks[k-1].is("SUBSTRING")) {
						return false
					}
					break
				}
				depth--
			}
		}
	}
	if p.is("FROM") || p.is("JOIN") {
		return true
	}
	if p.is("TABLE") && j > 0 && (tr.toks[j-1].is("DESCRIBE") || tr.toks[j-1].is("SHOW")) {
		return true
	}
	// a comma in a FROM list: walk back to the clause keyword at the same depth
	if p.is(",") {
		depth := 0
		for k := j - 1; k >= 0; k-- {
			q := tr.toks[k]
			switch {
			case q.is(")") || q.is("]"):
				depth++
			case q.is("(") || q.is("["):
				if depth == 0 {
					return false
				}
				depth--
			case depth == 0 && q.kind == tkIdent:
				switch q.lower() {
				case "from":
					return true
				case "select", "where", "by", "on", "having", "values", "with", "set", "using", "as":
					if q.lower() == "as" {
						continue
					}
					return false
				}
			}
		}
	}
	return false
}

// tableRef emits the relation named at token i (name or database.name), checking that it exists;
// it returns the index of its last token.
func (tr *translator) tableRef(i int, out *builder) (int, error) {
	t := tr.toks[i]
	db, name, last := tr.database, t.text, i
	if t.kind == tkIdent {
		name = strings.ToLower(name)
	}
	if tr.toks[i+1].is(".") && (tr.toks[i+2].kind == tkIdent || tr.toks[i+2].kind == tkQuoted) {
		db, name, last = strings.ToLower(t.text), tr.toks[i+2].text, i+2
		if tr.toks[i+2].kind == tkIdent {
			name = strings.ToLower(name)
		}
		if tr.toks[last+1].is(".") && (tr.toks[last+2].kind == tkIdent || tr.toks[last+2].kind == tkQuoted) {
			// catalog.database.table
			if !strings.EqualFold(t.text, "awsdatacatalog") {
				return 0, errAt(ErrNotSupported, tr.src, t.pos, "Catalog '%s' does not exist", t.text)
			}
			db, name, last = strings.ToLower(tr.toks[i+2].text), tr.toks[last+2].text, last+2
		}
	}
	if last == i && tr.ctes[strings.ToLower(name)] {
		out.emit(quoteIdent(name)+" ", t.pos)
		return last, nil
	}
	if db == "information_schema" {
		out.emit("information_schema."+quoteIdent(name)+" ", t.pos)
		return last, nil
	}
	if !tr.cat.database(db) {
		return 0, errAt(ErrSchemaMissing, tr.src, t.pos, "Schema '%s' does not exist", db)
	}
	base := strings.TrimSuffix(name, partitionsSufx)
	exists, partitioned := tr.cat.table(db, base)
	if !exists || (base != name && !partitioned) {
		return 0, errAt(ErrTableMissing, tr.src, t.pos, "Table 'awsdatacatalog.%s.%s' does not exist", db, name)
	}
	tr.out.tables = append(tr.out.tables, tableRef{database: db, name: base, pos: t.pos})
	if tr.out.pseudo && base == name {
		out.emit(quoteIdent(db)+"."+quoteIdent(name+filesSufx), t.pos)
		if n := tr.toks[last+1]; !n.is("AS") && !(n.kind == tkIdent && !clauseWords[n.lower()]) && n.kind != tkQuoted {
			out.emit(" AS "+quoteIdent(name), t.pos)
		}
		out.emit(" ", t.pos)
		return last, nil
	}
	out.emit(quoteIdent(db)+"."+quoteIdent(name)+" ", t.pos)
	return last, nil
}

// clauseWords may follow a relation without being its alias.
var clauseWords = map[string]bool{"where": true, "group": true, "order": true, "limit": true, "join": true, "on": true,
	"inner": true, "left": true, "right": true, "full": true, "cross": true, "natural": true, "union": true,
	"except": true, "intersect": true, "having": true, "window": true, "offset": true, "fetch": true,
	"tablesample": true, "using": true}

// cast translates CAST(x AS type) and TRY_CAST(x AS type) at token i.
func (tr *translator) cast(i int, out *builder) error {
	open, close := i+1, tr.match[i+1]
	as := -1
	depth := 0
	for k := open + 1; k < close; k++ {
		switch {
		case tr.toks[k].is("(") || tr.toks[k].is("["):
			depth++
		case tr.toks[k].is(")") || tr.toks[k].is("]"):
			depth--
		case depth == 0 && tr.toks[k].is("AS"):
			as = k
		}
	}
	if as < 0 {
		return syntaxErrorAt(tr.src, tr.toks[close].pos, "mismatched input ')'. Expecting: 'AS'")
	}
	expr, err := tr.rng(open+1, as)
	if err != nil {
		return err
	}
	typ, err := tr.typeName(as+1, close)
	if err != nil {
		return err
	}
	fn := strings.ToUpper(tr.toks[i].text)
	switch {
	case typ == "JSON":
		// Trino casts a value to JSON as its JSON form: CAST('abc' AS JSON) is "abc"
		out.emit("to_json(", tr.toks[i].pos)
		out.add(expr)
		out.emit(") ", tr.toks[i].pos)
		return nil
	case typ == "VARCHAR" && tr.isJSON(open+1, as):
		// and a JSON string back to VARCHAR as its value, without quotes
		out.emit("json_extract_string(", tr.toks[i].pos)
		out.add(expr)
		out.emit(", '$') ", tr.toks[i].pos)
		return nil
	}
	switch typ {
	case "BIGINT", "INTEGER", "SMALLINT", "TINYINT":
		// Trino rounds a double half away from zero (DuckDB half to even) and reads a string of
		// digits only (DuckDB rounds '1.5')
		bad := "CAST('" + failMark + ErrInvalidCast + ":Cannot cast ''' || CAST({0} AS VARCHAR) || ''' to " + trinoCastName(typ) + "' AS " + typ + ")"
		if fn == "TRY_CAST" {
			bad = "NULL"
		}
		out.add(expand("(CASE WHEN typeof({0}) IN ('DOUBLE', 'FLOAT') THEN "+fn+"(round(TRY_CAST({0} AS DOUBLE)) AS "+typ+")"+
			" WHEN typeof({0}) = 'VARCHAR' AND regexp_matches(CAST({0} AS VARCHAR), '^ *[+-]?[0-9]*[.eE]') THEN "+bad+
			" ELSE "+fn+"({0} AS "+typ+") END)", tr.toks[i].pos, []*builder{expr}))
		return nil
	}
	out.emit(fn+"(", tr.toks[i].pos)
	out.add(expr)
	out.emit(" AS "+typ+") ", tr.toks[as].pos)
	return nil
}

// isJSON reports whether tokens [a, b) are plainly a JSON value: a call of a function that returns
// JSON.
func (tr *translator) isJSON(a, b int) bool {
	t := tr.toks[a]
	if t.kind != tkIdent || !tr.toks[a+1].is("(") || tr.match[a+1] != b-1 {
		return false
	}
	switch t.lower() {
	case "json_extract", "json_parse", "json_array_get":
		return true
	}
	return false
}

// typeName translates a Trino type written in tokens [a, b) into DuckDB's.
func (tr *translator) typeName(a, b int) (string, error) {
	if a >= b {
		return "", syntaxErrorAt(tr.src, tr.toks[a].pos, "mismatched input ')'")
	}
	t := tr.toks[a]
	name := t.lower()
	params := func() (int, []string, error) { // the comma-separated parts inside "(...)" after the name
		if a+1 >= b || !tr.toks[a+1].is("(") {
			return a + 1, nil, nil
		}
		close := tr.match[a+1]
		var parts []string
		start := a + 2
		depth := 0
		for k := a + 2; k <= close; k++ {
			switch {
			case tr.toks[k].is("(") || tr.toks[k].is("["):
				depth++
			case (tr.toks[k].is(")") || tr.toks[k].is("]")) && k != close:
				depth--
			case depth == 0 && (tr.toks[k].is(",") || k == close):
				parts = append(parts, fmt.Sprint(start, ":", k))
				start = k + 1
			}
		}
		return close + 1, parts, nil
	}
	span := func(p string) (int, int) {
		var x, y int
		fmt.Sscanf(p, "%d:%d", &x, &y)
		return x, y
	}
	rest, parts, _ := params()
	var out string
	switch name {
	case "varchar", "char", "string":
		out = "VARCHAR"
	case "bigint":
		out = "BIGINT"
	case "integer", "int":
		out = "INTEGER"
	case "smallint":
		out = "SMALLINT"
	case "tinyint":
		out = "TINYINT"
	case "double":
		out = "DOUBLE"
		if rest < b && tr.toks[rest].is("PRECISION") {
			rest++
		}
	case "real", "float":
		out = "FLOAT"
	case "boolean":
		out = "BOOLEAN"
	case "date":
		out = "DATE"
	case "json":
		out = "JSON"
	case "varbinary":
		out = "BLOB"
	case "uuid":
		out = "UUID"
	case "decimal":
		out = "DECIMAL"
		if len(parts) > 0 {
			var ps []string
			for _, p := range parts {
				x, y := span(p)
				var s []string
				for k := x; k < y; k++ {
					s = append(s, tr.toks[k].text)
				}
				ps = append(ps, strings.Join(s, ""))
			}
			out += "(" + strings.Join(ps, ", ") + ")"
		}
	case "timestamp", "time":
		out = strings.ToUpper(name)
		if rest+2 < b+1 && rest < b && tr.toks[rest].is("WITH") {
			out += "TZ"
			rest += 3
		} else if rest < b && tr.toks[rest].is("WITHOUT") {
			rest += 3
		}
	case "array":
		if len(parts) != 1 {
			return "", syntaxErrorAt(tr.src, t.pos, "Unknown type: array")
		}
		x, y := span(parts[0])
		el, err := tr.typeName(x, y)
		if err != nil {
			return "", err
		}
		out = el + "[]"
	case "map":
		if len(parts) != 2 {
			return "", syntaxErrorAt(tr.src, t.pos, "Unknown type: map")
		}
		var kv []string
		for _, p := range parts {
			x, y := span(p)
			s, err := tr.typeName(x, y)
			if err != nil {
				return "", err
			}
			kv = append(kv, s)
		}
		out = "MAP(" + kv[0] + ", " + kv[1] + ")"
	case "row":
		var fields []string
		for n, p := range parts {
			x, y := span(p)
			field := fmt.Sprintf("field%d", n)
			if y-x >= 2 && (tr.toks[x].kind == tkIdent || tr.toks[x].kind == tkQuoted) {
				field, x = tr.toks[x].text, x+1
			}
			s, err := tr.typeName(x, y)
			if err != nil {
				return "", err
			}
			fields = append(fields, quoteIdent(field)+" "+s)
		}
		out = "STRUCT(" + strings.Join(fields, ", ") + ")"
	default:
		return "", errAt(ErrTypeNotFound, tr.src, t.pos, "Unknown type: %s", t.text)
	}
	if rest != b {
		return "", syntaxErrorAt(tr.src, tr.toks[rest].pos, fmt.Sprintf("mismatched input '%s'", tr.toks[rest].text))
	}
	return out, nil
}

// extractFields maps EXTRACT's fields to the Trino functions they mean.
var extractFields = map[string]string{"year": "year", "quarter": "quarter", "month": "month", "week": "week",
	"day": "day", "day_of_month": "day", "day_of_week": "day_of_week", "dow": "day_of_week", "day_of_year": "day_of_year",
	"doy": "day_of_year", "year_of_week": "year_of_week", "yow": "year_of_week", "hour": "hour", "minute": "minute",
	"second": "second"}

// extract translates EXTRACT(field FROM x) at token i.
func (tr *translator) extract(i int, out *builder) error {
	open, close := i+1, tr.match[i+1]
	if close-open < 4 || !tr.toks[open+2].is("FROM") {
		return syntaxErrorAt(tr.src, tr.toks[open+1].pos, "mismatched input. Expecting: EXTRACT(field FROM value)")
	}
	field := tr.toks[open+1]
	fn, ok := extractFields[field.lower()]
	if !ok {
		return errAt(ErrInvalidFunction, tr.src, field.pos, "Invalid EXTRACT field: %s", field.text)
	}
	zoneArg := tr.zoneArg
	tr.zoneArg = [2]int{open + 3, close}
	arg, err := tr.rng(open+3, close)
	tr.zoneArg = zoneArg
	if err != nil {
		return err
	}
	res, err := functions[fn].rewrite(tr, field.pos, []*builder{arg}, nil)
	if err != nil {
		return err
	}
	out.add(res)
	return nil
}

// call translates the function call whose name is token i.
func (tr *translator) call(i int, out *builder) error {
	t := tr.toks[i]
	name := t.lower()
	open, close := i+1, tr.match[i+1]
	// split the arguments at top-level commas; an ORDER BY inside an aggregate ends the splitting
	var spans [][2]int
	if close > open+1 {
		start, depth, ordered := open+1, 0, false
		for k := open + 1; k < close; k++ {
			switch {
			case tr.toks[k].is("(") || tr.toks[k].is("["):
				depth++
			case tr.toks[k].is(")") || tr.toks[k].is("]"):
				depth--
			case depth == 0 && tr.toks[k].is("ORDER"):
				ordered = true
			case depth == 0 && !ordered && tr.toks[k].is(","):
				spans = append(spans, [2]int{start, k})
				start = k + 1
			}
		}
		spans = append(spans, [2]int{start, close})
	}
	spec, ok := functions[name]
	if !ok {
		if notEmulated[name] {
			return errAt(ErrNotSupported, tr.src, t.pos, "Function '%s' is not supported by ticklake's local Athena (see README: the local Athena's dialect)", name)
		}
		return errAt(ErrFunctionMissing, tr.src, t.pos, "Function '%s' not registered", name)
	}
	if len(spans) < spec.min || (spec.max >= 0 && len(spans) > spec.max) {
		return errAt(ErrFunctionMissing, tr.src, t.pos, "Unexpected parameters (%d arguments) for function %s. Expected: %s", len(spans), name, spec.signature(name))
	}
	if name == "at_timezone" && tr.zoneArg != [2]int{i, close + 1} {
		return errAt(ErrNotSupported, tr.src, t.pos, "at_timezone outside a field function such as hour(...) or date(...): the local engine keeps no time zone with a timestamp")
	}
	zoneArg := tr.zoneArg
	tr.zoneArg = [2]int{}
	var args []*builder
	for n, s := range spans {
		if n == 0 && len(spans) == 1 && fieldFunctions[name] {
			tr.zoneArg = s
		}
		b, err := tr.rng(s[0], s[1])
		tr.zoneArg = [2]int{}
		if err != nil {
			return err
		}
		args = append(args, b)
	}
	tr.zoneArg = zoneArg
	res, err := spec.rewrite(tr, t.pos, args, spans)
	if err != nil {
		return err
	}
	out.add(res)
	return nil
}

// literalArg is the value of argument n when it is a string literal.
func (tr *translator) literalArg(spans [][2]int, n int) (string, bool) {
	if n >= len(spans) || spans[n][1]-spans[n][0] != 1 {
		return "", false
	}
	t := tr.toks[spans[n][0]]
	return t.text, t.kind == tkString
}

// qualifiedName is the dotted name that ends at token i: main.tl_cbrt.
func qualifiedName(toks []token, i int) string {
	name := toks[i].text
	for i >= 2 && toks[i-1].is(".") && (toks[i-2].kind == tkIdent || toks[i-2].kind == tkQuoted) {
		i -= 2
		name = toks[i].text + "." + name
	}
	return name
}

// operandEnd is the index just past the operand of a multiplicative operator that starts at token k
// (before b): signs, then a primary expression (literal, name, call, parenthesized or bracketed
// expression, CASE ... END, typed literal), then subscripts, field references and AT TIME ZONE.
func (tr *translator) operandEnd(k, b int) int {
	for k < b && (tr.toks[k].is("-") || tr.toks[k].is("+")) {
		k++
	}
	if k >= b {
		return k
	}
	t := tr.toks[k]
	switch {
	case t.is("(") || t.is("["):
		k = tr.match[k] + 1
	case t.is("CASE"):
		depth := 0
		for ; k < b; k++ {
			if tr.toks[k].is("CASE") {
				depth++
			} else if tr.toks[k].is("END") {
				if depth--; depth == 0 {
					break
				}
			}
		}
		k++
	case (t.kind == tkIdent || t.kind == tkQuoted) && k+1 < b && (tr.toks[k+1].is("(") || (t.is("ARRAY") && tr.toks[k+1].is("["))):
		k = tr.match[k+1] + 1
		// an aggregate's FILTER, a window function's NULLS treatment and OVER belong to the call
		if k+1 < b && tr.toks[k].is("FILTER") && tr.toks[k+1].is("(") {
			k = tr.match[k+1] + 1
		}
		if k+1 < b && (tr.toks[k].is("IGNORE") || tr.toks[k].is("RESPECT")) && tr.toks[k+1].is("NULLS") {
			k += 2
		}
		if k+1 < b && tr.toks[k].is("OVER") {
			if tr.toks[k+1].is("(") {
				k = tr.match[k+1] + 1
			} else {
				k += 2
			}
		}
	case t.kind == tkIdent && typeLiterals[t.lower()] && k+1 < b && tr.toks[k+1].kind == tkString:
		k += 2
	default:
		k++
	}
	for k < b {
		switch {
		case tr.toks[k].is("["):
			k = tr.match[k] + 1
		case tr.toks[k].is(".") && k+1 < b:
			k += 2
			if k < b && tr.toks[k].is("(") {
				k = tr.match[k] + 1
			}
		case tr.toks[k].is("AT") && k+3 < b && tr.toks[k+1].is("TIME") && tr.toks[k+2].is("ZONE"):
			k += 4
		default:
			return min(k, b)
		}
	}
	return min(k, b)
}

// fieldFunctions read a timestamp's local fields; only their sole argument may be moved to another
// time zone.
var fieldFunctions = map[string]bool{"year": true, "quarter": true, "month": true, "week": true, "week_of_year": true,
	"day": true, "day_of_month": true, "day_of_week": true, "dow": true, "day_of_year": true, "doy": true,
	"year_of_week": true, "yow": true, "hour": true, "minute": true, "second": true, "millisecond": true,
	"date": true, "last_day_of_month": true}

// utcZone matches a timestamp literal whose zone is UTC: 'Z', 'UTC', '+00:00'.
var utcZone = regexp.MustCompile(`(?i)(\dZ|\sUTC|\sZ|[+-]00(:?00)?)\s*$`)
