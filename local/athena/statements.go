package athena

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/ticklake/ticklake/local/glue"
)

// Athena's statements beyond queries, answered from the Glue catalog as Athena answers them: SHOW
// TABLES, SHOW DATABASES (SCHEMAS), SHOW PARTITIONS, SHOW COLUMNS, DESCRIBE, SHOW CREATE TABLE and
// VIEW, MSCK REPAIR TABLE (which catalogs the partition folders it finds), CREATE [OR REPLACE] VIEW and
// DROP VIEW (views kept in the catalog as Athena keeps them: VIRTUAL_VIEW tables whose
// ViewOriginalText holds the Presto view).

// Table types and markers Athena uses for views in the Glue catalog.
const (
	tableTypeView     = "VIRTUAL_VIEW"
	prestoViewPrefix  = "/* Presto View: "
	prestoViewSuffix  = " */"
	prestoViewExpands = "/* Presto View */"
)

// prestoView is the definition Athena encodes in a view's ViewOriginalText.
type prestoView struct {
	OriginalSQL  string      `json:"originalSql"`
	Catalog      string      `json:"catalog"`
	Schema       string      `json:"schema"`
	Columns      []prestoCol `json:"columns"`
	Owner        string      `json:"owner,omitempty"`
	RunAsInvoker bool        `json:"runAsInvoker"`
}

type prestoCol struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// decodeView reads a view's SQL from the catalog.
func decodeView(t glue.Table) (prestoView, error) {
	s := strings.TrimSpace(t.ViewOriginalText)
	if !strings.HasPrefix(s, prestoViewPrefix) || !strings.HasSuffix(s, prestoViewSuffix) {
		return prestoView{}, fmt.Errorf("view %s.%s: ViewOriginalText is not a Presto view", t.DatabaseName, t.Name)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(s, prestoViewPrefix), prestoViewSuffix))
	if err != nil {
		return prestoView{}, fmt.Errorf("view %s.%s: %w", t.DatabaseName, t.Name, err)
	}
	var v prestoView
	if err := json.Unmarshal(raw, &v); err != nil {
		return prestoView{}, fmt.Errorf("view %s.%s: %w", t.DatabaseName, t.Name, err)
	}
	return v, nil
}

// result is a statement's answer.
type result struct {
	cols []Column
	rows [][]*string
}

func oneColumn(name string, values []string) *result {
	r := &result{cols: []Column{{Name: name, Type: "varchar"}}}
	for _, v := range values {
		r.rows = append(r.rows, []*string{ptr(v)})
	}
	return r
}

func ptr(s string) *string { return &s }

// statement answers the statements that are not queries; it returns nil, nil for a query.
func (e *Engine) statement(ctx context.Context, database, sql string) (*result, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	if n := len(toks); n > 1 && toks[n-2].is(";") {
		toks = append(toks[:n-2], toks[n-1])
	}
	at := func(i int) token {
		if i < len(toks) {
			return toks[i]
		}
		return toks[len(toks)-1]
	}
	kw := func(words ...string) bool {
		for i, w := range words {
			if !at(i).is(w) {
				return false
			}
		}
		return true
	}
	// name reads [db.]name at token i; it returns the database, the name and the next index.
	name := func(i int) (string, string, int, error) {
		t := at(i)
		if t.kind != tkIdent && t.kind != tkQuoted && t.kind != tkString {
			return "", "", 0, syntaxErrorAt(sql, t.pos, fmt.Sprintf("mismatched input '%s'. Expecting: <identifier>", tokenText(t)))
		}
		if at(i + 1).is(".") {
			return strings.ToLower(t.text), strings.ToLower(strings.Trim(at(i+2).text, "`")), i + 3, nil
		}
		return database, strings.ToLower(strings.Trim(t.text, "`")), i + 1, nil
	}
	end := func(i int) error {
		if t := at(i); t.kind != tkEOF {
			return syntaxErrorAt(sql, t.pos, fmt.Sprintf("mismatched input '%s'. Expecting: <EOF>", tokenText(t)))
		}
		return nil
	}
	// table reads a statement that ends with the name of a table at token i, and returns it.
	table := func(i int) (string, string, glue.Table, error) {
		db, tn, next, err := name(i)
		if err == nil {
			err = end(next)
		}
		if err != nil {
			return "", "", glue.Table{}, err
		}
		t, err := e.tableAt(sql, at(i).pos, db, tn)
		return db, tn, t, err
	}
	like := func(i int) (*regexp.Regexp, int, error) {
		if at(i).is("LIKE") {
			i++
		}
		if at(i).kind != tkString {
			return nil, i, nil
		}
		// Hive patterns: * any characters, | alternatives
		alts := strings.Split(at(i).text, "|")
		for k, a := range alts {
			alts[k] = strings.ReplaceAll(regexp.QuoteMeta(strings.TrimSpace(a)), `\*`, ".*")
		}
		re, err := regexp.Compile("(?i)^(" + strings.Join(alts, "|") + ")$")
		if err != nil {
			return nil, i, errAt(ErrInvalidFunction, sql, at(i).pos, "bad pattern: %v", err)
		}
		return re, i + 1, nil
	}
	switch {
	case kw("SHOW", "TABLES"):
		i := 2
		db := database
		if at(i).is("IN") || at(i).is("FROM") {
			db, i = strings.ToLower(at(i+1).text), i+2
		}
		re, i, err := like(i)
		if err != nil {
			return nil, err
		}
		if err := end(i); err != nil {
			return nil, err
		}
		tables, err := e.tablesOf(db)
		if err != nil {
			return nil, errAt(ErrSchemaMissing, sql, at(2).pos, "Schema '%s' does not exist", db)
		}
		var names []string
		for _, t := range tables {
			if re == nil || re.MatchString(t.Name) {
				names = append(names, t.Name)
			}
		}
		sort.Strings(names)
		return oneColumn("tab_name", names), nil
	case kw("SHOW", "DATABASES") || kw("SHOW", "SCHEMAS"):
		re, i, err := like(2)
		if err != nil {
			return nil, err
		}
		if err := end(i); err != nil {
			return nil, err
		}
		names := []string{}
		seen := map[string]bool{}
		for _, d := range append(e.catalog.Databases(), glue.Database{Name: "default"}) {
			if !seen[d.Name] && (re == nil || re.MatchString(d.Name)) {
				seen[d.Name] = true
				names = append(names, d.Name)
			}
		}
		sort.Strings(names)
		return oneColumn("database_name", names), nil
	case kw("SHOW", "PARTITIONS"):
		db, tn, t, err := table(2)
		if err != nil {
			return nil, err
		}
		if len(t.PartitionKeys) == 0 {
			return nil, errAt(ErrNotSupported, sql, at(2).pos, "Table %s is not partitioned", tn)
		}
		parts, err := e.catalog.Partitions(db, tn)
		if err != nil {
			return nil, err
		}
		var values []string
		for _, p := range parts {
			var kv []string
			for k, v := range p.Values {
				if k < len(t.PartitionKeys) {
					kv = append(kv, t.PartitionKeys[k].Name+"="+v)
				}
			}
			values = append(values, strings.Join(kv, "/"))
		}
		sort.Strings(values)
		return oneColumn("partition", values), nil
	case kw("SHOW", "COLUMNS"):
		if !at(2).is("FROM") && !at(2).is("IN") {
			return nil, syntaxErrorAt(sql, at(2).pos, fmt.Sprintf("mismatched input '%s'. Expecting: 'FROM', 'IN'", tokenText(at(2))))
		}
		db, tn, i, err := name(3)
		if err != nil {
			return nil, err
		}
		if at(i).is("FROM") || at(i).is("IN") {
			db, i = strings.ToLower(at(i+1).text), i+2
		}
		if err := end(i); err != nil {
			return nil, err
		}
		t, err := e.tableAt(sql, at(3).pos, db, tn)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, c := range append(append([]glue.Column{}, t.StorageDescriptor.Columns...), t.PartitionKeys...) {
			names = append(names, c.Name)
		}
		return oneColumn("field", names), nil
	case kw("DESCRIBE") || kw("DESC"):
		i := 1
		if at(i).is("EXTENDED") || at(i).is("FORMATTED") {
			i++
		}
		_, _, t, err := table(i)
		if err != nil {
			return nil, err
		}
		r := &result{cols: []Column{{Name: "col_name", Type: "varchar"}, {Name: "data_type", Type: "varchar"}, {Name: "comment", Type: "varchar"}}}
		add := func(a, b, c string) { r.rows = append(r.rows, []*string{ptr(a), ptr(b), ptr(c)}) }
		for _, c := range append(append([]glue.Column{}, t.StorageDescriptor.Columns...), t.PartitionKeys...) {
			add(c.Name, c.Type, c.Comment)
		}
		if len(t.PartitionKeys) > 0 {
			add("", "", "")
			add("# Partition Information", "", "")
			add("# col_name", "data_type", "comment")
			add("", "", "")
			for _, c := range t.PartitionKeys {
				add(c.Name, c.Type, c.Comment)
			}
		}
		return r, nil
	case kw("SHOW", "CREATE", "TABLE") || kw("SHOW", "CREATE", "VIEW"):
		db, tn, t, err := table(3)
		if err != nil {
			return nil, err
		}
		if t.TableType == tableTypeView {
			v, err := decodeView(t)
			if err != nil {
				return nil, err
			}
			return oneColumn("Create View", []string{fmt.Sprintf("CREATE VIEW %s.%s AS\n%s", db, tn, v.OriginalSQL)}), nil
		}
		if at(2).is("VIEW") {
			return nil, errAt(ErrNotSupported, sql, at(3).pos, "Relation '%s.%s' is a table, not a view", db, tn)
		}
		return oneColumn("createtab_stmt", strings.Split(createTable(t), "\n")), nil
	case kw("MSCK", "REPAIR", "TABLE"):
		_, _, t, err := table(3)
		if err != nil {
			return nil, err
		}
		return e.repair(t)
	case kw("CREATE", "VIEW") || kw("CREATE", "OR", "REPLACE", "VIEW"):
		i := 2
		replace := at(1).is("OR")
		if replace {
			i = 4
		}
		db, vn, i, err := name(i)
		if err != nil {
			return nil, err
		}
		if !at(i).is("AS") {
			return nil, syntaxErrorAt(sql, at(i).pos, fmt.Sprintf("mismatched input '%s'. Expecting: 'AS'", tokenText(at(i))))
		}
		return e.createView(ctx, db, vn, sql, sql[at(i+1).pos:], at(i+1).pos, replace)
	case kw("DROP", "VIEW"):
		i := 2
		ifExists := kw("DROP", "VIEW", "IF", "EXISTS")
		if ifExists {
			i = 4
		}
		db, vn, i, err := name(i)
		if err != nil {
			return nil, err
		}
		if err := end(i); err != nil {
			return nil, err
		}
		t, err := e.catalog.Table(db, vn)
		switch {
		case err != nil && ifExists:
			return &result{}, nil
		case err != nil:
			return nil, errAt(ErrTableMissing, sql, at(2).pos, "View 'awsdatacatalog.%s.%s' does not exist", db, vn)
		case t.TableType != tableTypeView:
			return nil, errAt(ErrNotSupported, sql, at(2).pos, "Relation 'awsdatacatalog.%s.%s' is a table, not a view: Athena drops tables with DROP TABLE", db, vn)
		}
		if err := e.catalog.DeleteTable(db, vn); err != nil {
			return nil, err
		}
		e.viewMu.Lock()
		_, _ = e.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+quoteIdent(db)+"."+quoteIdent(vn))
		e.viewMu.Unlock()
		return &result{}, nil
	case kw("SHOW", "FUNCTIONS"):
		re, i, err := like(2)
		if err != nil {
			return nil, err
		}
		if err := end(i); err != nil {
			return nil, err
		}
		r := &result{cols: []Column{{Name: "Function", Type: "varchar"}, {Name: "Function Type", Type: "varchar"}}}
		for _, fn := range AllowList() {
			if re == nil || re.MatchString(fn) {
				r.rows = append(r.rows, []*string{ptr(fn), ptr(functionKind(fn))})
			}
		}
		return r, nil
	case kw("SHOW"):
		return nil, errAt(ErrNotSupported, sql, at(1).pos, "SHOW %s is not supported by ticklake's local Athena", strings.ToUpper(at(1).text))
	}
	return nil, nil
}

func tokenText(t token) string {
	if t.kind == tkEOF {
		return "<EOF>"
	}
	return t.text
}

// tablesOf lists a database's tables; "default" always exists, as in Athena.
func (e *Engine) tablesOf(db string) ([]glue.Table, error) {
	if _, err := e.catalog.Database(db); err != nil {
		if db == "default" {
			return nil, nil
		}
		return nil, err
	}
	return e.catalog.Tables(db)
}

func (e *Engine) tableAt(sql string, pos int, db, name string) (glue.Table, error) {
	t, err := e.catalog.Table(db, name)
	if err != nil {
		return glue.Table{}, errAt(ErrTableMissing, sql, pos, "Table 'awsdatacatalog.%s.%s' does not exist", db, name)
	}
	return t, nil
}

// createTable is SHOW CREATE TABLE's DDL, as Athena prints it.
func createTable(t glue.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE `%s`(\n", t.Name)
	for i, c := range t.StorageDescriptor.Columns {
		sep := ","
		if i == len(t.StorageDescriptor.Columns)-1 {
			sep = ")"
		}
		fmt.Fprintf(&b, "  `%s` %s%s\n", c.Name, c.Type, sep)
	}
	if len(t.PartitionKeys) > 0 {
		b.WriteString("PARTITIONED BY ( \n")
		for i, c := range t.PartitionKeys {
			sep := ", "
			if i == len(t.PartitionKeys)-1 {
				sep = ")"
			}
			fmt.Fprintf(&b, "  `%s` %s%s\n", c.Name, c.Type, sep)
		}
	}
	sd := t.StorageDescriptor
	if sd.SerdeInfo != nil {
		fmt.Fprintf(&b, "ROW FORMAT SERDE \n  '%s' \n", sd.SerdeInfo.SerializationLibrary)
	}
	fmt.Fprintf(&b, "STORED AS INPUTFORMAT \n  '%s' \nOUTPUTFORMAT \n  '%s'\n", sd.InputFormat, sd.OutputFormat)
	fmt.Fprintf(&b, "LOCATION\n  '%s'\n", sd.Location)
	var keys []string
	for k := range t.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("TBLPROPERTIES (")
	for i, k := range keys {
		sep := ", "
		if i == len(keys)-1 {
			sep = ")"
		}
		fmt.Fprintf(&b, "\n  '%s'='%s'%s", k, t.Parameters[k], sep)
	}
	if len(keys) == 0 {
		b.WriteString(")")
	}
	return b.String()
}

// repair catalogs the partition folders under the table's location that the catalog lacks, as
// MSCK REPAIR TABLE does: folders key=value/... with the table's partition keys, in order.
func (e *Engine) repair(t glue.Table) (*result, error) {
	if len(t.PartitionKeys) == 0 {
		return oneColumn("result", nil), nil
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(t.StorageDescriptor.Location, "s3://"), "/")
	root := filepath.Join(e.bucketDir(bucket), filepath.FromSlash(prefix))
	known := map[string]bool{}
	parts, err := e.catalog.Partitions(t.DatabaseName, t.Name)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		known[strings.Join(p.Values, "/")] = true
	}
	found := map[string][]string{}
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return nil
		}
		segs := strings.Split(filepath.ToSlash(rel), "/")
		if len(segs) != len(t.PartitionKeys) {
			return nil
		}
		var values []string
		for i, s := range segs {
			k, v, ok := strings.Cut(s, "=")
			if !ok || !strings.EqualFold(k, t.PartitionKeys[i].Name) {
				return nil
			}
			values = append(values, v)
		}
		found[filepath.ToSlash(rel)] = values
		return nil
	})
	var add []glue.Partition
	var lines, missing []string
	var rels []string
	for rel := range found {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		values := found[rel]
		if known[strings.Join(values, "/")] {
			continue
		}
		sd := t.StorageDescriptor
		sd.Columns = append([]glue.Column{}, sd.Columns...)
		sd.Location = strings.TrimSuffix(t.StorageDescriptor.Location, "/") + "/" + rel + "/"
		add = append(add, glue.Partition{Values: values, StorageDescriptor: sd, Parameters: map[string]string{}})
		missing = append(missing, t.Name+":"+rel)
	}
	if len(add) == 0 {
		return oneColumn("result", nil), nil
	}
	if _, err := e.catalog.AddPartitions(t.DatabaseName, t.Name, add); err != nil {
		return nil, fmt.Errorf("MSCK REPAIR TABLE %s: %w", t.Name, err)
	}
	lines = append(lines, "Partitions not in metastore:\t"+strings.Join(missing, "\t"))
	for _, m := range missing {
		lines = append(lines, "Repair: Added partition to metastore "+m)
	}
	return oneColumn("result", lines), nil
}

// createView checks the view's query, works out its columns and keeps it in the catalog.
func (e *Engine) createView(ctx context.Context, db, name, sql, body string, bodyPos int, replace bool) (*result, error) {
	if existing, err := e.catalog.Table(db, name); err == nil {
		if existing.TableType != tableTypeView {
			return nil, &QueryError{Type: ErrAlreadyExists, Message: fmt.Sprintf("Table 'awsdatacatalog.%s.%s' already exists and is not a view", db, name)}
		}
		if !replace {
			return nil, &QueryError{Type: ErrAlreadyExists, Message: fmt.Sprintf("View 'awsdatacatalog.%s.%s' already exists", db, name)}
		}
	}
	// run the query for its columns, as Athena analyzes it
	// the body keeps its place in the statement, so that errors give the statement's positions
	blank := []byte(sql[:bodyPos])
	for i, c := range blank {
		if c != '\n' {
			blank[i] = ' '
		}
	}
	cols, _, _, err := e.select_(ctx, db, string(blank)+body, true)
	if err != nil {
		return nil, err
	}
	v := prestoView{OriginalSQL: strings.TrimSpace(body), Catalog: "awsdatacatalog", Schema: db, Owner: "ticklake"}
	var glueCols []glue.Column
	for _, c := range cols {
		v.Columns = append(v.Columns, prestoCol{Name: c.Name, Type: c.Type})
		glueCols = append(glueCols, glue.Column{Name: c.Name, Type: c.Type})
	}
	raw, _ := json.Marshal(v)
	t := glue.Table{Name: name, DatabaseName: db, TableType: tableTypeView,
		ViewOriginalText:  prestoViewPrefix + base64.StdEncoding.EncodeToString(raw) + prestoViewSuffix,
		ViewExpandedText:  prestoViewExpands,
		StorageDescriptor: glue.StorageDescriptor{Columns: glueCols, SerdeInfo: &glue.SerDeInfo{}},
		Parameters:        map[string]string{"presto_view": "true", "comment": "Presto View"}}
	if err := e.catalog.PutTable(t); err != nil {
		return nil, fmt.Errorf("create view %s.%s: %w", db, name, err)
	}
	return &result{}, nil
}
