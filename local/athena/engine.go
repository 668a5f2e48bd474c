// Package athena is the local twin's Athena: query executions in Athena's SQL (Trino's), translated
// for and run by DuckDB (dialect.go, functions.go) over the tables of the local Glue catalog (each database a schema, each table a view over the Parquet files of its cataloged
// partitions), results written as CSV to the results bucket as Athena writes them, and the Athena
// JSON 1.1 API over it all, so that the AWS SDKs and CLI work against it.
package athena

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the SQL engine

	"github.com/google/uuid"

	"github.com/ticklake/ticklake/local/glue"
)

// Query states, as Athena names them.
const (
	StateQueued    = "QUEUED"
	StateRunning   = "RUNNING"
	StateSucceeded = "SUCCEEDED"
	StateFailed    = "FAILED"
	StateCancelled = "CANCELLED"
)

// ObjectWriter stores result files.
type ObjectWriter interface {
	Put(ctx context.Context, bucket, key string, body []byte, contentType string) error
}

// Column describes a result column.
type Column struct {
	Name string
	Type string // Athena's name of the type: varchar, bigint, double, timestamp, ...
}

// Execution is one query execution.
type Execution struct {
	ID             string
	Query          string
	Database       string
	WorkGroup      string
	Parameters     []string
	OutputLocation string
	State          string
	Reason         string
	ErrorType      int
	Submitted      time.Time
	Completed      time.Time
	Scanned        int64
	Columns        []Column
	Rows           [][]*string
	// ReusedFrom is the execution whose result this one reused (see StartReusing).
	ReusedFrom string
	cancel     context.CancelFunc
	done       chan struct{}
}

// WorkGroup is a workgroup and where its results go.
type WorkGroup struct {
	Name           string
	OutputLocation string
	Description    string
}

// NamedQuery is a saved query.
type NamedQuery struct {
	ID, Name, Description, Database, QueryString, WorkGroup string
}

// Engine runs queries.
type Engine struct {
	db        *sql.DB
	catalog   *glue.Catalog
	bucketDir func(bucket string) string
	out       ObjectWriter

	viewMu sync.Mutex // views are rebuilt before each query

	mu         sync.Mutex
	executions map[string]*Execution
	order      []string
	workgroups map[string]*WorkGroup
	named      map[string]*NamedQuery
}

// ErrInvalidRequest is returned for requests Athena would refuse.
var ErrInvalidRequest = errors.New("InvalidRequestException")

// New starts an engine over catalog. bucketDir maps a bucket to its folder on disk; results are
// written through out.
func New(catalog *glue.Catalog, bucketDir func(string) string, out ObjectWriter) (*Engine, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("start DuckDB: %w", err)
	}
	setup := []string{"SET TimeZone = 'UTC'", "SET threads = 2", "SET integer_division = true"}
	for _, m := range macros {
		setup = append(setup, "CREATE OR REPLACE MACRO main."+macroPrefix+m)
	}
	for _, stmt := range setup {
		if _, err := db.Exec(stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("configure DuckDB: %s: %w", stmt, err)
		}
	}
	return &Engine{db: db, catalog: catalog, bucketDir: bucketDir, out: out,
		executions: map[string]*Execution{}, workgroups: map[string]*WorkGroup{"primary": {Name: "primary"}},
		named: map[string]*NamedQuery{}}, nil
}

// Close stops the engine.
func (e *Engine) Close() error { return e.db.Close() }

// PutWorkGroup creates or replaces a workgroup.
func (e *Engine) PutWorkGroup(wg WorkGroup) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.workgroups[wg.Name] = &wg
}

// WorkGroup returns a workgroup.
func (e *Engine) WorkGroup(name string) (WorkGroup, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	wg, ok := e.workgroups[name]
	if !ok {
		return WorkGroup{}, fmt.Errorf("%w: WorkGroup %s is not found.", ErrInvalidRequest, name)
	}
	return *wg, nil
}

// WorkGroups lists the workgroups by name.
func (e *Engine) WorkGroups() []WorkGroup {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []WorkGroup
	for _, wg := range e.workgroups {
		out = append(out, *wg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// CreateNamedQuery saves a query and returns its ID.
func (e *Engine) CreateNamedQuery(q NamedQuery) (string, error) {
	if q.Name == "" || q.QueryString == "" || q.Database == "" {
		return "", fmt.Errorf("%w: a named query needs a name, a database and a query string", ErrInvalidRequest)
	}
	if q.WorkGroup == "" {
		q.WorkGroup = "primary"
	}
	q.ID = uuid.NewString()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.named[q.ID] = &q
	return q.ID, nil
}

// NamedQuery returns a saved query.
func (e *Engine) NamedQuery(id string) (NamedQuery, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q, ok := e.named[id]
	if !ok {
		return NamedQuery{}, fmt.Errorf("%w: NamedQuery %s was not found", ErrInvalidRequest, id)
	}
	return *q, nil
}

// NamedQueries lists the saved queries of a workgroup, by name.
func (e *Engine) NamedQueries(workgroup string) []NamedQuery {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []NamedQuery
	for _, q := range e.named {
		if workgroup == "" || q.WorkGroup == workgroup {
			out = append(out, *q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// StartRequest is a StartQueryExecution request.
type StartRequest struct {
	Query, Database, WorkGroup, OutputLocation string
	Parameters                                 []string
}

// Start queues a query and returns its execution ID. The query runs in the background.
func (e *Engine) Start(req StartRequest) (string, error) {
	if strings.TrimSpace(req.Query) == "" {
		return "", fmt.Errorf("%w: QueryString is empty", ErrInvalidRequest)
	}
	if req.WorkGroup == "" {
		req.WorkGroup = "primary"
	}
	wg, err := e.WorkGroup(req.WorkGroup)
	if err != nil {
		return "", err
	}
	location := wg.OutputLocation // the workgroup's setting wins, as when it is enforced
	if location == "" {
		location = req.OutputLocation
	}
	if location == "" {
		return "", fmt.Errorf("%w: No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.", ErrInvalidRequest)
	}
	if req.Database == "" {
		req.Database = "default"
	}
	ctx, cancel := context.WithCancel(context.Background())
	ex := &Execution{ID: uuid.NewString(), Query: req.Query, Database: req.Database, WorkGroup: req.WorkGroup,
		Parameters: req.Parameters, State: StateQueued, Submitted: time.Now().UTC(), cancel: cancel, done: make(chan struct{})}
	ex.OutputLocation = strings.TrimSuffix(location, "/") + "/" + ex.ID + ".csv"
	e.mu.Lock()
	e.executions[ex.ID] = ex
	e.order = append(e.order, ex.ID)
	e.mu.Unlock()
	go e.run(ctx, ex)
	return ex.ID, nil
}

// Get returns a copy of an execution.
func (e *Engine) Get(id string) (Execution, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ex, ok := e.executions[id]
	if !ok {
		return Execution{}, fmt.Errorf("%w: QueryExecution %s was not found", ErrInvalidRequest, id)
	}
	return *ex, nil
}

// Wait blocks until the execution ends or ctx is done.
func (e *Engine) Wait(ctx context.Context, id string) (Execution, error) {
	e.mu.Lock()
	ex, ok := e.executions[id]
	e.mu.Unlock()
	if !ok {
		return Execution{}, fmt.Errorf("%w: QueryExecution %s was not found", ErrInvalidRequest, id)
	}
	select {
	case <-ex.done:
	case <-ctx.Done():
		return Execution{}, ctx.Err()
	}
	return e.Get(id)
}

// List returns the execution IDs of a workgroup, newest first.
func (e *Engine) List(workgroup string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for i := len(e.order) - 1; i >= 0; i-- {
		if ex := e.executions[e.order[i]]; workgroup == "" || ex.WorkGroup == workgroup {
			out = append(out, ex.ID)
		}
	}
	return out
}

// Stop cancels an execution that has not ended.
func (e *Engine) Stop(id string) error {
	e.mu.Lock()
	ex, ok := e.executions[id]
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: QueryExecution %s was not found", ErrInvalidRequest, id)
	}
	ex.cancel()
	return nil
}

func (e *Engine) set(ex *Execution, f func(*Execution)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(ex)
}

func (e *Engine) run(ctx context.Context, ex *Execution) {
	defer close(ex.done)
	e.set(ex, func(x *Execution) { x.State = StateRunning })
	cols, rows, scanned, err := e.query(ctx, ex.Database, ex.Query, ex.Parameters)
	if err == nil {
		err = e.writeResults(ctx, ex.OutputLocation, cols, rows)
	}
	e.set(ex, func(x *Execution) {
		x.Completed = time.Now().UTC()
		x.Scanned = scanned
		switch {
		case ctx.Err() != nil:
			x.State, x.Reason = StateCancelled, "Query was cancelled by user"
		case err != nil:
			x.State = StateFailed
			x.Reason, x.ErrorType = athenaMessage(err)
		default:
			x.State, x.Columns, x.Rows = StateSucceeded, cols, rows
		}
	})
}

// query runs sql in database with its parameters bound, as Athena substitutes them.
func (e *Engine) query(ctx context.Context, database, query string, params []string) ([]Column, [][]*string, int64, error) {
	bound, err := bind(query, params)
	if err != nil {
		return nil, nil, 0, err
	}
	res, err := e.statement(ctx, database, bound)
	if err != nil || res != nil {
		if res == nil {
			return nil, nil, 0, err
		}
		return res.cols, res.rows, 0, nil
	}
	if !readOnly(bound) {
		return nil, nil, 0, &QueryError{Type: ErrNotSupported, Message: "the local engine runs queries (SELECT, WITH, VALUES), SHOW, DESCRIBE, MSCK REPAIR TABLE, CREATE VIEW and DROP VIEW only"}
	}
	return e.select_(ctx, database, bound, false)
}

// select_ runs a query: translated to DuckDB, over views of the catalog's tables. columnsOnly
// analyzes the query for its columns without reading any data.
func (e *Engine) select_(ctx context.Context, database, query string, columnsOnly bool) ([]Column, [][]*string, int64, error) {
	tr, err := translate(query, database, catalogResolver{e.catalog})
	if err != nil {
		return nil, nil, 0, err
	}
	if columnsOnly {
		const prefix = "SELECT * FROM ("
		for i := range tr.segs {
			tr.segs[i].out += len(prefix)
		}
		tr.sql = prefix + tr.sql + "\n) AS tl_columns LIMIT 0"
	}
	scanned, err := e.refreshViews(ctx, database, tr)
	if err != nil {
		return nil, nil, 0, err
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET schema = "+quoteLiteral(database)); err != nil {
		return nil, nil, 0, &QueryError{Type: ErrSchemaMissing, Message: fmt.Sprintf("Schema '%s' does not exist", database)}
	}
	rs, err := conn.QueryContext(ctx, tr.sql)
	if err != nil {
		return nil, nil, 0, duckError(err, query, tr)
	}
	defer rs.Close()
	types, err := rs.ColumnTypes()
	if err != nil {
		return nil, nil, 0, err
	}
	cols := make([]Column, len(types))
	duckTypes := make([]string, len(types))
	for i, t := range types {
		duckTypes[i] = t.DatabaseTypeName()
		cols[i] = Column{Name: strings.ToLower(t.Name()), Type: athenaType(duckTypes[i])}
	}
	var rows [][]*string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, 0, duckError(err, query, tr)
		}
		row := make([]*string, len(cols))
		for i, v := range vals {
			row[i] = formatTyped(v, duckTypes[i])
		}
		rows = append(rows, row)
	}
	if err := rs.Err(); err != nil {
		return nil, nil, 0, duckError(err, query, tr)
	}
	return cols, rows, scanned, nil
}

// refreshViews makes each table of database a view over its cataloged partitions' files (and, for
// the tables the query reads, the views of their pseudo-columns and partitions), each catalog view a
// view of its translated SQL, and returns the bytes of the files of the tables the query reads.
func (e *Engine) refreshViews(ctx context.Context, database string, tr *translation) (int64, error) {
	e.viewMu.Lock()
	defer e.viewMu.Unlock()
	if _, err := e.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(database)); err != nil {
		return 0, err
	}
	read := map[string]bool{}
	dbs := map[string]bool{database: true}
	for _, t := range tr.tables {
		read[t.database+"."+t.name] = true
		if !dbs[t.database] {
			if _, err := e.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(t.database)); err != nil {
				return 0, err
			}
			dbs[t.database] = true
		}
	}
	var scanned int64
	for db := range dbs {
		if _, err := e.catalog.Database(db); err != nil {
			continue // no such database: the query fails on its tables, as in Athena
		}
		tables, err := e.catalog.Tables(db)
		if err != nil {
			return 0, err
		}
		var views []glue.Table
		for _, t := range tables {
			if t.TableType == tableTypeView {
				views = append(views, t)
				continue
			}
			groups, files, size, err := e.tableFiles(t)
			if err != nil {
				return 0, err
			}
			have, err := e.fileColumns(ctx, files)
			if err != nil {
				return 0, fmt.Errorf("columns of %s.%s: %w", db, t.Name, err)
			}
			name := quoteIdent(db) + "." + quoteIdent(t.Name)
			stmts := []string{"CREATE OR REPLACE VIEW " + name + " AS " + viewSQL(t, groups, have, false)}
			if read[db+"."+t.Name] {
				scanned += size
				if len(t.PartitionKeys) > 0 {
					parts, err := e.catalog.Partitions(db, t.Name)
					if err != nil {
						return 0, err
					}
					stmts = append(stmts, "CREATE OR REPLACE VIEW "+quoteIdent(db)+"."+quoteIdent(t.Name+partitionsSufx)+" AS "+partitionsSQL(t, parts))
				}
				if tr.pseudo {
					stmts = append(stmts, "CREATE OR REPLACE VIEW "+quoteIdent(db)+"."+quoteIdent(t.Name+filesSufx)+" AS "+e.filesSQL(t, groups, files, have))
				}
			}
			for _, s := range stmts {
				if _, err := e.db.ExecContext(ctx, s); err != nil {
					return 0, fmt.Errorf("view of %s.%s: %w", db, t.Name, err)
				}
			}
		}
		// catalog views, each over the tables and views before it; a view may need another first
		for pass := 0; pass <= len(views) && len(views) > 0; pass++ {
			var later []glue.Table
			var lastErr error
			for _, v := range views {
				if err := e.createDuckView(ctx, v); err != nil {
					later, lastErr = append(later, v), err
				}
			}
			views = later
			if len(views) > 0 && pass == len(views) {
				return 0, lastErr
			}
		}
	}
	return scanned, nil
}

// fileGroup is the files of one cataloged partition (or of an unpartitioned table) and the
// partition's values, as the catalog has them.
type fileGroup struct {
	values []string
	files  []string
}

// tableFiles lists the Parquet files of a table's cataloged partitions, each partition's from its
// cataloged location and with its cataloged values (not from folder names), or of its whole location
// when it has no partition keys. As Athena reads a location, every object under it counts, in
// subfolders too. files is every file once; size their bytes.
func (e *Engine) tableFiles(t glue.Table) (groups []fileGroup, files []string, size int64, err error) {
	if len(t.PartitionKeys) == 0 {
		groups = append(groups, fileGroup{files: e.locationFiles(t.StorageDescriptor.Location)})
	} else {
		parts, err := e.catalog.Partitions(t.DatabaseName, t.Name)
		if err != nil {
			return nil, nil, 0, err
		}
		for _, p := range parts {
			groups = append(groups, fileGroup{values: p.Values, files: e.locationFiles(p.StorageDescriptor.Location)})
		}
	}
	seen := map[string]bool{}
	for _, g := range groups {
		for _, f := range g.files {
			if seen[f] {
				continue
			}
			seen[f] = true
			files = append(files, f)
			if info, err := os.Stat(f); err == nil {
				size += info.Size()
			}
		}
	}
	sort.Strings(files)
	return groups, files, size, nil
}

// locationFiles lists the Parquet files under an s3:// location, subfolders included, sorted.
func (e *Engine) locationFiles(loc string) []string {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		return nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil
	}
	root := filepath.Join(e.bucketDir(bucket), filepath.FromSlash(prefix))
	var files []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files
}

// fileColumns returns, for each file, the names of the columns it holds, lower-cased, each true when
// the column is a timestamp adjusted to UTC (which DuckDB reads as TIMESTAMP WITH TIME ZONE).
func (e *Engine) fileColumns(ctx context.Context, files []string) (map[string]map[string]bool, error) {
	have := map[string]map[string]bool{}
	if len(files) == 0 {
		return have, nil
	}
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = quoteLiteral(f)
	}
	rows, err := e.db.QueryContext(ctx, "SELECT DISTINCT file_name, lower(name), coalesce(logical_type LIKE 'TimestampType(isAdjustedToUTC=1%', false) FROM parquet_schema(["+strings.Join(quoted, ", ")+"])")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var file, name string
		var instant bool
		if err := rows.Scan(&file, &name, &instant); err != nil {
			return nil, err
		}
		if have[file] == nil {
			have[file] = map[string]bool{}
		}
		have[file][name] = instant
	}
	return have, rows.Err()
}

// viewSQL selects a table's catalog columns from its files by name, typed as Athena types them, NULL
// where none of a partition's files holds a column (have: the columns each file holds, as Athena
// reads Parquet, from fileColumns); each partition's keys are its cataloged values, typed as the keys.
// withFile adds the column fileColumn: each row's file.
//
// A Parquet timestamp adjusted to UTC (DuckDB's TIMESTAMP WITH TIME ZONE) that the catalog types
// `timestamp` becomes the same instant through its microseconds since the epoch: in the engine's
// UTC session that equals the cast, which goes through ICU's calendar, about 0.2 µs a value.
func viewSQL(t glue.Table, groups []fileGroup, have map[string]map[string]bool, withFile bool) string {
	var selects []string
	for _, g := range groups {
		if len(g.files) == 0 {
			continue
		}
		holds := map[string]bool{}
		instant := map[string]bool{} // every file holding the column holds a timestamp adjusted to UTC
		quoted := make([]string, len(g.files))
		for i, f := range g.files {
			quoted[i] = quoteLiteral(f)
			for c, utc := range have[f] {
				if !holds[c] {
					instant[c] = utc
				}
				holds[c] = true
				instant[c] = instant[c] && utc
			}
		}
		var cols []string
		for _, c := range t.StorageDescriptor.Columns {
			name := strings.ToLower(c.Name)
			src := quoteIdent(c.Name)
			switch {
			case !holds[name]:
				src = "NULL"
			case instant[name] && duckType(c.Type) == "TIMESTAMP":
				cols = append(cols, fmt.Sprintf("make_timestamp(epoch_us(%s)) AS %s", src, quoteIdent(c.Name)))
				continue
			}
			cols = append(cols, fmt.Sprintf("CAST(%s AS %s) AS %s", src, duckType(c.Type), quoteIdent(c.Name)))
		}
		for i, k := range t.PartitionKeys {
			v := "NULL"
			if i < len(g.values) {
				v = quoteLiteral(g.values[i])
			}
			cols = append(cols, fmt.Sprintf("CAST(%s AS %s) AS %s", v, duckType(k.Type), quoteIdent(k.Name)))
		}
		src := "read_parquet([" + strings.Join(quoted, ", ") + "], union_by_name = true, hive_partitioning = false"
		if withFile {
			src += ", filename = true"
			cols = append(cols, "filename AS "+fileColumn)
		}
		selects = append(selects, "SELECT "+strings.Join(cols, ", ")+" FROM "+src+")")
	}
	if len(selects) == 0 {
		var empty []string
		for _, c := range t.StorageDescriptor.Columns {
			empty = append(empty, fmt.Sprintf("CAST(NULL AS %s) AS %s", duckType(c.Type), quoteIdent(c.Name)))
		}
		for _, k := range t.PartitionKeys {
			empty = append(empty, fmt.Sprintf("CAST(NULL AS %s) AS %s", duckType(k.Type), quoteIdent(k.Name)))
		}
		if withFile {
			empty = append(empty, "CAST(NULL AS VARCHAR) AS "+fileColumn)
		}
		return "SELECT " + strings.Join(empty, ", ") + " WHERE false"
	}
	return strings.Join(selects, " UNION ALL ")
}

// duckType maps a Glue column type to DuckDB's.
func duckType(glueType string) string {
	switch strings.ToLower(glueType) {
	case "string", "varchar", "char":
		return "VARCHAR"
	case "bigint":
		return "BIGINT"
	case "int", "integer":
		return "INTEGER"
	case "smallint":
		return "SMALLINT"
	case "tinyint":
		return "TINYINT"
	case "double":
		return "DOUBLE"
	case "float":
		return "FLOAT"
	case "boolean":
		return "BOOLEAN"
	case "timestamp":
		return "TIMESTAMP"
	case "date":
		return "DATE"
	case "binary":
		return "BLOB"
	}
	return "VARCHAR"
}

// writeResults writes the CSV Athena writes: a header, every value quoted, nulls empty.
func (e *Engine) writeResults(ctx context.Context, location string, cols []Column, rows [][]*string) error {
	var b strings.Builder
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(c.Name))
	}
	b.WriteByte('\n')
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if v != nil {
				b.WriteString(quote(*v))
			}
		}
		b.WriteByte('\n')
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(location, "s3://"), "/")
	if !ok || !strings.HasPrefix(location, "s3://") {
		return fmt.Errorf("output location %q is not s3://bucket/key", location)
	}
	if err := e.out.Put(ctx, bucket, key, []byte(b.String()), "text/csv"); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// bind substitutes the execution parameters, in order, for the query's ? placeholders outside
// strings, quoted names and comments, as Athena does.
func bind(query string, params []string) (string, error) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) && !(query[j] == c && (j+1 >= len(query) || query[j+1] != c)) {
				if query[j] == c {
					j++
				}
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			if j < 0 {
				j = len(query) - i
			} else {
				j += 4
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case c == '?':
			if n >= len(params) {
				return "", fmt.Errorf("%w: Query has %d parameters but %d were provided", ErrInvalidRequest, n+1, len(params))
			}
			b.WriteString(params[n])
			n++
		default:
			b.WriteByte(c)
		}
	}
	if n != len(params) {
		return "", fmt.Errorf("%w: Query has %d parameters but %d were provided", ErrInvalidRequest, n, len(params))
	}
	return b.String(), nil
}

// readOnly reports whether the statement only reads: statements that would change the engine
// (DDL, DML, settings, extensions) are refused; anything else goes to the parser.
func readOnly(query string) bool {
	q := strings.TrimSpace(query)
	for strings.HasPrefix(q, "--") {
		i := strings.IndexByte(q, '\n')
		if i < 0 {
			return true
		}
		q = strings.TrimSpace(q[i+1:])
	}
	first := strings.ToUpper(strings.TrimLeft(strings.Fields(q + " x")[0], "("))
	switch first {
	case "CREATE", "DROP", "ALTER", "INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "ATTACH", "DETACH", "INSTALL",
		"LOAD", "PRAGMA", "SET", "RESET", "EXPORT", "IMPORT", "CALL", "USE", "CHECKPOINT", "VACUUM", "TRUNCATE":
		return false
	}
	return true
}

func quoteIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteLiteral(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
