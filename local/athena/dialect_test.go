package athena

import (
	"errors"
	"strings"
	"testing"
)

// fakeCatalog knows the database ticklake and its partitioned table ticks.
type fakeCatalog struct{}

func (fakeCatalog) database(name string) bool { return name == "ticklake" || name == "default" }
func (fakeCatalog) table(db, name string) (bool, bool) {
	return db == "ticklake" && name == "ticks", db == "ticklake" && name == "ticks"
}

func TestTranslate(t *testing.T) {
	cases := []struct{ name, sql, want string }{
		{"array constructor", "SELECT ARRAY[1, 2] AS a", `SELECT [1 , 2 ] AS a `},
		{"table qualified", "SELECT symbol FROM ticks", `SELECT symbol FROM "ticklake"."ticks" `},
		{"unaliased item named", "SELECT 1", `SELECT 1 AS "_col0"`},
		{"values rows", "SELECT * FROM (VALUES 1, 2) AS t(x)", `SELECT * FROM (VALUES (1 ) , (2 ) ) AS t (x ) `},
		{"cte is not a table", "WITH a AS (SELECT 1 AS x) SELECT x FROM a", `WITH a AS (SELECT 1 AS x ) SELECT x FROM "a" `},
		{"pseudo-columns read the files view", `SELECT "$path" FROM ticks`, `SELECT "$path" FROM "ticklake"."ticks$files" AS "ticks" `},
		{"partitions table", `SELECT * FROM "ticks$partitions"`, `SELECT * FROM "ticklake"."ticks$partitions" `},
		{"lambda passes", "SELECT transform(ARRAY[1], x -> x + 1) AS a", `SELECT list_transform([1 ] , x -> x + 1 ) AS a `},
		{"string escapes", "SELECT 'it''s' AS a", `SELECT 'it''s' AS a `},
		{"quoted function name", `SELECT "abs"(-2) AS a`, `SELECT abs(- 2 ) AS a`},
		{"divisor checked", "SELECT a / b * c AS x FROM ticks", `SELECT a / main.tl_divisor(b ) * c AS x FROM "ticklake"."ticks"`},
		{"divisor is the whole window call", "SELECT p / lag(p) OVER (ORDER BY t) AS x", `SELECT p / main.tl_divisor(lag(p ) OVER (ORDER BY t ) ) AS x`},
		{"zone moved inside a field function", "SELECT hour(ts AT TIME ZONE 'Asia/Tokyo') AS h", `SELECT hour(main.tl_at_timezone(ts , 'Asia/Tokyo' ) ) AS h`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := translate(tc.sql, "ticklake", fakeCatalog{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(tr.sql) != strings.TrimSpace(tc.want) {
				t.Errorf("translate(%q)\n = %q\nwant %q", tc.sql, tr.sql, tc.want)
			}
		})
	}
}

func TestTranslateErrors(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT 'abc", "SYNTAX_ERROR: line 1:8: mismatched input '''. Unterminated string literal"},
		{"SELECT 1::int", "SYNTAX_ERROR: line 1:9: mismatched input '::'"},
		{"SELECT (1", "SYNTAX_ERROR: line 1:10: mismatched input '<EOF>'"},
		{"SELECT 1)", "SYNTAX_ERROR: line 1:9: mismatched input ')'"},
		{"SELECT a,\n  list_value(1)", "FUNCTION_NOT_FOUND: line 2:3: Function 'list_value' not registered"},
		{"SELECT format('%d', 1)", "NOT_SUPPORTED: line 1:8: Function 'format' is not supported"},
		{"SELECT CAST(1 AS foo)", "TYPE_NOT_FOUND: line 1:18: Unknown type: foo"},
		{"SELECT * FROM t", "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.ticklake.t' does not exist"},
		{"SELECT * FROM x.t", "SCHEMA_NOT_FOUND: line 1:15: Schema 'x' does not exist"},
		{"SELECT abs(1, 2)", "FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (2 arguments) for function abs"},
		{"SELECT date_add(u, 1, current_date)", "NOT_SUPPORTED: line 1:8: date_add with a unit that is not a string literal"},
		{"SELECT date_format(current_date, '%D')", "INVALID_FUNCTION_ARGUMENT: line 1:34: %D not supported in date format string"},
		{"SELECT * FROM ticks QUALIFY 1", "SYNTAX_ERROR: line 1:21: mismatched input 'QUALIFY'"},
		// a quoted or qualified name is no way around the allow-list, nor is a file named where a relation goes
		{`SELECT "strftime"(current_date, '%Y')`, "FUNCTION_NOT_FOUND: line 1:8: Function 'strftime' not registered"},
		{`SELECT * FROM "read_text"('/etc/hostname')`, "FUNCTION_NOT_FOUND: line 1:15: Function 'read_text' not registered"},
		{"SELECT main.tl_cbrt(8)", "FUNCTION_NOT_FOUND: line 1:13: Function 'main.tl_cbrt' not registered"},
		{"SELECT system.main.strftime(current_date, '%Y')", "FUNCTION_NOT_FOUND: line 1:20: Function 'system.main.strftime' not registered"},
		{"SELECT * FROM '/etc/hostname.csv'", "SYNTAX_ERROR: line 1:15: mismatched input"},
		{"SELECT * FROM ticks, 'data.parquet'", "SYNTAX_ERROR: line 1:22: mismatched input"},
		// DuckDB keeps no time zone with a timestamp: only a field function may read one moved to a zone
		{"SELECT TIMESTAMP '2026-01-01 12:00:00' AT TIME ZONE 'America/New_York'", "NOT_SUPPORTED: line 1:40: AT TIME ZONE outside a field function"},
		{"SELECT to_unixtime(TIMESTAMP '2026-01-01 12:00:00' AT TIME ZONE 'Asia/Tokyo')", "NOT_SUPPORTED: line 1:52: AT TIME ZONE outside"},
		{"SELECT hour(TIMESTAMP '2026-01-01 12:00:00' AT TIME ZONE 'Asia/Tokyo' + 1)", "NOT_SUPPORTED"},
		{"SELECT at_timezone(TIMESTAMP '2026-01-01 12:00:00', 'Asia/Tokyo')", "NOT_SUPPORTED: line 1:8: at_timezone outside a field function"},
		{"SELECT with_timezone(TIMESTAMP '2026-01-01 12:00:00', 'Asia/Tokyo')", "NOT_SUPPORTED: line 1:8: Function 'with_timezone' is not supported"},
		{"SELECT TIMESTAMP '2026-01-01 12:00 America/New_York'", "NOT_SUPPORTED: line 1:8: a timestamp literal in a time zone other than UTC"},
	}
	for _, tc := range cases {
		_, err := translate(tc.sql, "ticklake", fakeCatalog{})
		var qe *QueryError
		if !errors.As(err, &qe) || !strings.HasPrefix(qe.Error(), tc.want) {
			t.Errorf("translate(%q) = %v, want %s", tc.sql, err, tc.want)
		}
	}
}

// TestCaretOffset maps DuckDB's caret, in an excerpt it may have cut, back to the offset.
func TestCaretOffset(t *testing.T) {
	sql := "SELECT a\nFROM b WHERE c = 1"
	if got := caretOffset(sql, "2", "FROM b WHERE c = 1", 13); got != strings.Index(sql, "c =") {
		t.Errorf("caret at %d", got)
	}
	if got := caretOffset(sql, "2", "...b WHERE c = 1", 11); got != strings.Index(sql, "c =") {
		t.Errorf("caret in a cut excerpt at %d", got)
	}
}

// FuzzTranslate checks the tokenizer against a plain reading of each token: a string token is its
// quotes' content with doubled quotes undone, a token's text re-lexes to itself, nothing but blanks
// and comments lies between tokens; and the translation never panics and maps back inside the query.
func FuzzTranslate(f *testing.F) {
	for _, s := range []string{"SELECT 'a''b', \"c\"\"d\" FROM ticks -- x\n", "SELECT x -> x + 1 /* c */, ARRAY[1][1]",
		"SELECT date_format(ts, '%Y') FROM ticks WHERE dt = '2026-11-25'", "SELECT CAST(x AS ARRAY(ROW(a bigint)))",
		"SELECT ts AT TIME ZONE 'UTC', EXTRACT(DOW FROM ts) FROM ticks", "SELECT 1e3, .5, 1.5e-3", "(", "'", "\"", "/*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		toks, err := lex(sql)
		if err == nil {
			prev := 0
			for _, tk := range toks[:len(toks)-1] {
				gap := sql[prev:tk.pos]
				for len(gap) > 0 {
					switch {
					case strings.HasPrefix(gap, "--"):
						i := strings.IndexByte(gap, '\n')
						if i < 0 {
							i = len(gap) - 1
						}
						gap = gap[i+1:]
					case strings.HasPrefix(gap, "/*"):
						gap = gap[strings.Index(gap, "*/")+2:]
					case strings.ContainsRune(" \t\n\r\f", rune(gap[0])):
						gap = gap[1:]
					default:
						t.Fatalf("%q between tokens", gap)
					}
				}
				raw := sql[tk.pos:tk.end]
				switch tk.kind {
				case tkString:
					if want := strings.ReplaceAll(raw[1:len(raw)-1], "''", "'"); tk.text != want {
						t.Fatalf("string %q read as %q", raw, tk.text)
					}
				case tkQuoted:
					if want := strings.ReplaceAll(raw[1:len(raw)-1], `""`, `"`); tk.text != want {
						t.Fatalf("name %q read as %q", raw, tk.text)
					}
				default:
					if tk.text != raw {
						t.Fatalf("token %q read as %q", raw, tk.text)
					}
				}
				prev = tk.end
			}
		}
		tr, err := translate(sql, "ticklake", fakeCatalog{})
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a QueryError", err)
			}
			return
		}
		for _, s := range tr.segs {
			if s.src < 0 || s.src > len(sql) || s.out > len(tr.sql) {
				t.Fatalf("segment %+v outside the query", s)
			}
		}
	})
}

// TestBind substitutes parameters for the placeholders outside strings, quoted names and comments.
func TestBind(t *testing.T) {
	cases := []struct {
		query  string
		params []string
		want   string
	}{
		{"SELECT ? AS a", []string{"1"}, "SELECT 1 AS a"},
		{"SELECT '?', \"?\" FROM t WHERE x = ?", []string{"2"}, "SELECT '?', \"?\" FROM t WHERE x = 2"},
		{"SELECT 1 -- why?\n, ?", []string{"3"}, "SELECT 1 -- why?\n, 3"},
		{"SELECT /* which? */ ?", []string{"4"}, "SELECT /* which? */ 4"},
		{"SELECT /* a ? b */ ? /* ? */", []string{"5"}, "SELECT /* a ? b */ 5 /* ? */"},
		{"SELECT ? /* unterminated ?", []string{"6"}, "SELECT 6 /* unterminated ?"},
	}
	for _, tc := range cases {
		got, err := bind(tc.query, tc.params)
		if err != nil || got != tc.want {
			t.Errorf("bind(%q, %q) = %q, %v; want %q", tc.query, tc.params, got, err, tc.want)
		}
	}
	if _, err := bind("SELECT /* ? */ 1", []string{"1"}); err == nil {
		t.Error("a parameter for a placeholder in a comment: no error")
	}
}

// TestStatementType reports each statement's type as Athena does.
func TestStatementType(t *testing.T) {
	for query, want := range map[string]string{
		"SELECT 1": "DML", "(SELECT 1)": "DML", "WITH a AS (SELECT 1) SELECT * FROM a": "DML", "VALUES 1": "DML",
		"/* c */ SHOW TABLES": "UTILITY", "DESCRIBE ticks": "UTILITY", "SHOW CREATE TABLE ticks": "UTILITY",
		"-- c\nSHOW PARTITIONS ticks": "UTILITY", "MSCK REPAIR TABLE ticks": "DDL", "CREATE VIEW v AS SELECT 1": "DDL",
		"DROP VIEW v": "DDL", "select 'create'": "DML",
	} {
		if got := statementType(query); got != want {
			t.Errorf("statementType(%q) = %s, want %s", query, got, want)
		}
	}
}
