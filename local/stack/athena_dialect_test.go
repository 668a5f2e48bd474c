package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	localathena "github.com/ticklake/ticklake/local/athena"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// fixtureTick is one tick of the dialect fixture, as the test knows it.
type fixtureTick struct {
	row tickparquet.Row
	ts  time.Time
}

// dialectFixture makes 48 ticks of three symbols over two hours of 2026-11-25, stored as one object per
// hour and Kafka partition; it returns the ticks and the objects' keys and sizes.
func dialectFixture(t *testing.T, st *Stack) ([]fixtureTick, map[string]int) {
	t.Helper()
	base := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	syms := []string{"AAPL", "MSFT", "SPY"}
	basePrice := map[string]float64{"AAPL": 190, "MSFT": 410, "SPY": 600}
	var ticks []fixtureTick
	for i := 0; i < 48; i++ {
		sym := syms[i%3]
		ts := base.Add(time.Duration(i)*150*time.Second + time.Duration(i%4)*125*time.Millisecond)
		price := basePrice[sym] + float64(i)*0.5
		r := tickparquet.Row{Symbol: sym, TS: ts.UnixMicro(), Price: price, Size: int64(i%5) * 100,
			KafkaPartition: int32(i % 2), KafkaOffset: int64(i / 2), KafkaTimestamp: ts.Add(50 * time.Millisecond).UnixMicro()}
		if i%6 != 0 {
			bid, ask := price-0.25, price+0.25
			r.Bid, r.Ask = &bid, &ask
		}
		switch i % 4 {
		case 0:
			e := `{"venue":"XNAS","tags":["a","b"],"lot":{"odd":true}}`
			r.Extra = &e
		case 2:
			e := `{"venue":"ARCX","tags":["c"]}`
			r.Extra = &e
		}
		ticks = append(ticks, fixtureTick{row: r, ts: ts})
	}
	groups := map[string][]tickparquet.Row{}
	for _, tk := range ticks {
		k := fmt.Sprintf("ticks/dt=%s/hour=%s/ticks-%d", tk.ts.Format("2006-01-02"), tk.ts.Format("15"), tk.row.KafkaPartition)
		groups[k] = append(groups[k], tk.row)
	}
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint), UsePathStyle: true, Credentials: creds})
	sizes := map[string]int{}
	for k, rows := range groups {
		body, err := tickparquet.NewEncoder().Encode(rows, tickparquet.Meta{Topic: "ticks", Partition: rows[0].KafkaPartition,
			FirstOffset: rows[0].KafkaOffset, LastOffset: rows[len(rows)-1].KafkaOffset})
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%s-%020d-%020d.parquet", k, rows[0].KafkaOffset, rows[len(rows)-1].KafkaOffset)
		if _, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(DataBucket), Key: aws.String(key),
			Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
		sizes["s3://"+DataBucket+"/"+key] = len(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := st.Crawl(ctx); err != nil {
		t.Fatal(err)
	}
	return ticks, sizes
}

// corpusEntry is one query of testdata/athena_corpus.sql.
type corpusEntry struct {
	name, sql string
	expect    [][]string
	columns   []string
	errPrefix string
	goName    string
	rows      int // -1: not checked
}

func loadCorpus(t *testing.T) []corpusEntry {
	t.Helper()
	b, err := os.ReadFile("testdata/athena_corpus.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusEntry
	var cur *corpusEntry
	var sql []string
	flush := func() {
		if cur != nil {
			cur.sql = strings.TrimSpace(strings.Join(sql, "\n"))
			out = append(out, *cur)
		}
		sql = nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "-- name: "):
			flush()
			cur = &corpusEntry{name: strings.TrimPrefix(line, "-- name: "), rows: -1}
		case cur == nil:
		case strings.HasPrefix(line, "-- expect: "):
			cur.expect = append(cur.expect, strings.Split(strings.TrimPrefix(line, "-- expect: "), " | "))
		case strings.HasPrefix(line, "-- columns: "):
			cur.columns = strings.Split(strings.TrimPrefix(line, "-- columns: "), ", ")
		case strings.HasPrefix(line, "-- expect-error: "):
			cur.errPrefix = strings.TrimPrefix(line, "-- expect-error: ")
		case strings.HasPrefix(line, "-- expect-go: "):
			cur.goName = strings.TrimPrefix(line, "-- expect-go: ")
		case strings.HasPrefix(line, "-- expect-rows: "):
			cur.rows, _ = strconv.Atoi(strings.TrimPrefix(line, "-- expect-rows: "))
		default:
			sql = append(sql, line)
		}
	}
	flush()
	return out
}

// athenaRun runs a statement through the Athena API: its columns and rows (NULL for null), or the
// failed query's reason.
func athenaRun(t *testing.T, cl *athena.Client, sql string) (cols []string, rows [][]string, reason string) {
	t.Helper()
	ctx := context.Background()
	s, err := cl.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String(sql), WorkGroup: aws.String(WorkGroup),
		QueryExecutionContext: &athenatypes.QueryExecutionContext{Database: aws.String(Database)}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ex, err := cl.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: s.QueryExecutionId})
		if err != nil {
			t.Fatal(err)
		}
		st := ex.QueryExecution.Status
		if st.State == athenatypes.QueryExecutionStateSucceeded {
			break
		}
		if st.State == athenatypes.QueryExecutionStateFailed || st.State == athenatypes.QueryExecutionStateCancelled {
			if st.AthenaError == nil || aws.ToString(st.AthenaError.ErrorMessage) != aws.ToString(st.StateChangeReason) {
				t.Errorf("AthenaError %+v does not carry the reason", st.AthenaError)
			}
			return nil, nil, aws.ToString(st.StateChangeReason)
		}
		time.Sleep(2 * time.Millisecond)
	}
	pages := athena.NewGetQueryResultsPaginator(cl, &athena.GetQueryResultsInput{QueryExecutionId: s.QueryExecutionId})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.ResultSet.Rows {
			var row []string
			for _, d := range r.Data {
				if d.VarCharValue == nil {
					row = append(row, "NULL")
				} else {
					row = append(row, *d.VarCharValue)
				}
			}
			if cols == nil {
				cols = row
				continue
			}
			rows = append(rows, row)
		}
	}
	return cols, rows, ""
}

// sameCell compares a result cell with the expected one; numbers compare as numbers.
func sameCell(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
}

// goExpectations computes the expected results of the queries over ticks, in Go, from the fixture.
func goExpectations(ticks []fixtureTick, sizes map[string]int) map[string][][]string {
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	i := func(x int64) string { return strconv.FormatInt(x, 10) }
	bySym := map[string][]fixtureTick{}
	var syms []string
	first, last := ticks[0].ts, ticks[0].ts
	hours := map[string]int64{}
	venues := map[string]int64{}
	var tags, taggedA, odd, missing, hour14, size14 int64
	minutes := map[string]bool{}
	for _, tk := range ticks {
		if len(bySym[tk.row.Symbol]) == 0 {
			syms = append(syms, tk.row.Symbol)
		}
		bySym[tk.row.Symbol] = append(bySym[tk.row.Symbol], tk)
		if tk.ts.Before(first) {
			first = tk.ts
		}
		if tk.ts.After(last) {
			last = tk.ts
		}
		hours[tk.ts.Format("15")]++
		minutes[tk.row.Symbol+tk.ts.Truncate(time.Minute).String()] = true
		if tk.ts.Hour() == 14 {
			hour14++
			size14 += tk.row.Size
		}
		v := "NULL"
		if tk.row.Extra != nil {
			var e struct {
				Venue string
				Tags  []string
				Lot   struct{ Odd bool }
			}
			_ = json.Unmarshal([]byte(*tk.row.Extra), &e)
			v = e.Venue
			tags += int64(len(e.Tags))
			for _, tag := range e.Tags {
				if tag == "a" {
					taggedA++
				}
			}
			if e.Lot.Odd {
				odd++
			}
		}
		venues[v]++
		if tk.row.Bid == nil || tk.row.Ask == nil {
			missing++
		}
	}
	sort.Strings(syms)
	out := map[string][][]string{}
	var hourKeys []string
	for h := range hours {
		hourKeys = append(hourKeys, h)
	}
	sort.Strings(hourKeys)
	for _, h := range hourKeys {
		out["count_by_hour"] = append(out["count_by_hour"], []string{h, i(hours[h])})
		out["count_by_hour_trunc"] = append(out["count_by_hour_trunc"], []string{"2026-11-25 " + h + ":00:00.000", i(hours[h])})
		out["partitions"] = append(out["partitions"], []string{"2026-11-25", h})
	}
	for _, s := range syms {
		tks := bySym[s]
		var num, den float64
		lo, hi := math.Inf(1), math.Inf(-1)
		var size int64
		firstT, lastT := tks[0], tks[0]
		for _, tk := range tks {
			num += tk.row.Price * float64(tk.row.Size)
			den += float64(tk.row.Size)
			lo, hi = math.Min(lo, tk.row.Price), math.Max(hi, tk.row.Price)
			size += tk.row.Size
			if tk.ts.Before(firstT.ts) {
				firstT = tk
			}
			if tk.ts.After(lastT.ts) {
				lastT = tk
			}
		}
		out["count_by_symbol"] = append(out["count_by_symbol"], []string{s, i(int64(len(tks)))})
		out["vwap"] = append(out["vwap"], []string{s, f(num / den)})
		out["first_by_symbol_formatted"] = append(out["first_by_symbol_formatted"], []string{s, ts(firstT.ts)})
		out["open_close"] = append(out["open_close"], []string{s, f(firstT.row.Price), f(lastT.row.Price)})
		out["price_range"] = append(out["price_range"], []string{s, f(hi - lo)})
		out["avg_size"] = append(out["avg_size"], []string{s, i(size / int64(len(tks)))})
	}
	n := int64(len(ticks))
	out["rows"] = [][]string{{i(n)}}
	out["rows_and_symbols"] = [][]string{{i(n), i(int64(len(syms)))}}
	out["day_of_week"] = [][]string{{i(int64((int(first.Weekday())+6)%7 + 1))}}
	out["first_last"] = [][]string{{ts(first), ts(last)}}
	out["first_unixtime"] = [][]string{{f(float64(first.UnixMicro()) / 1e6)}}
	out["first_utc"] = [][]string{{ts(first) + " UTC"}}
	out["first_plus_5m"] = [][]string{{ts(first.Add(5 * time.Minute))}}
	out["span_seconds"] = [][]string{{i(int64(last.Sub(first) / time.Second))}}
	var vk []string
	for v := range venues {
		if v != "NULL" {
			vk = append(vk, v)
		}
	}
	sort.Strings(vk)
	for _, v := range append(vk, "NULL") {
		out["venues"] = append(out["venues"], []string{v, i(venues[v])})
	}
	out["tags"] = [][]string{{i(tags)}}
	out["tagged_a"] = [][]string{{i(taggedA)}}
	out["odd_lots"] = [][]string{{i(odd)}}
	out["missing_quotes"] = [][]string{{i(missing)}}
	spy := bySym["SPY"]
	for k := 0; k < 3; k++ {
		out["spy_first3"] = append(out["spy_first3"], []string{i(spy[k].row.KafkaOffset), i(int64(k + 1))})
	}
	aapl := bySym["AAPL"]
	out["aapl_changes"] = [][]string{{"NULL"}, {f(aapl[1].row.Price - aapl[0].row.Price)}, {f(aapl[2].row.Price - aapl[1].row.Price)}}
	out["aapl_count"] = [][]string{{i(int64(len(aapl)))}}
	out["symbols_array"] = [][]string{{"[" + strings.Join(syms, ", ") + "]"}}
	out["a_or_m"] = [][]string{{i(int64(len(bySym["AAPL"]) + len(bySym["MSFT"])))}}
	var paths []string
	for p := range sizes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	perPath := map[string]int64{}
	for _, tk := range ticks {
		for _, p := range paths {
			if strings.Contains(p, fmt.Sprintf("hour=%s/ticks-%d-", tk.ts.Format("15"), tk.row.KafkaPartition)) {
				perPath[p]++
			}
		}
	}
	for _, p := range paths {
		out["paths"] = append(out["paths"], []string{p, i(perPath[p])})
		out["sizes"] = append(out["sizes"], []string{p, i(int64(sizes[p]))})
	}
	out["files"] = [][]string{{"true", i(int64(len(paths)))}}
	out["size_by_hour"] = [][]string{{i(size14)}}
	out["minutes"] = [][]string{{i(int64(len(minutes))), i(n)}}
	out["hour14"] = [][]string{{i(hour14)}}
	return out
}

// TestAthenaDialect runs the corpus of Athena queries through the local Athena API over fixture ticks
// and checks each answer against one computed independently of DuckDB; then Athena's statements
// (SHOW, DESCRIBE, MSCK REPAIR TABLE, views) and the Trino grammar of every corpus query.
func TestAthenaDialect(t *testing.T) {
	st := start(t, Options{NoPipeline: true})
	ticks, sizes := dialectFixture(t, st)
	want := goExpectations(ticks, sizes)
	cl := athenaClient(st)
	corpus := loadCorpus(t)
	if len(corpus) < 100 {
		t.Fatalf("the corpus has %d queries, want at least 100", len(corpus))
	}
	duckOnly := 0
	for _, q := range corpus {
		if strings.HasPrefix(q.name, "DuckDB-only") && strings.HasPrefix(q.errPrefix, "FUNCTION_NOT_FOUND") {
			duckOnly++
		}
	}
	if duckOnly < 20 {
		t.Errorf("%d DuckDB-only functions in the corpus, want at least 20", duckOnly)
	}
	for _, q := range corpus {
		t.Run(q.name, func(t *testing.T) {
			cols, rows, reason := athenaRun(t, cl, q.sql)
			if q.errPrefix != "" {
				if !strings.HasPrefix(reason, q.errPrefix) {
					t.Fatalf("%s\nfailed with %q, want %q...", q.sql, reason, q.errPrefix)
				}
				return
			}
			if reason != "" {
				t.Fatalf("%s\nfailed: %s", q.sql, reason)
			}
			expect := q.expect
			if q.goName != "" {
				var ok bool
				if expect, ok = want[q.goName]; !ok {
					t.Fatalf("no Go expectation %q", q.goName)
				}
			}
			if q.columns != nil && strings.Join(cols, ", ") != strings.Join(q.columns, ", ") {
				t.Errorf("columns %v, want %v", cols, q.columns)
			}
			if q.rows >= 0 && len(rows) != q.rows {
				t.Errorf("%d rows, want %d", len(rows), q.rows)
			}
			if expect == nil {
				return
			}
			if len(rows) != len(expect) {
				t.Fatalf("%s\nrows %v, want %v", q.sql, rows, expect)
			}
			for r := range rows {
				if len(rows[r]) != len(expect[r]) {
					t.Fatalf("%s\nrow %d: %v, want %v", q.sql, r, rows[r], expect[r])
				}
				for c := range rows[r] {
					if !sameCell(rows[r][c], expect[r][c]) {
						t.Errorf("%s\nrow %d column %d: %q, want %q", q.sql, r, c, rows[r][c], expect[r][c])
					}
				}
			}
		})
	}
	t.Run("statements", func(t *testing.T) { testStatements(t, st, cl, sizes) })
	t.Run("trino grammar", func(t *testing.T) { testTrinoGrammar(t, corpus) })
}

func testStatements(t *testing.T, st *Stack, cl *athena.Client, sizes map[string]int) {
	one := func(sql string) []string {
		t.Helper()
		_, rows, reason := athenaRun(t, cl, sql)
		if reason != "" {
			t.Fatalf("%s: %s", sql, reason)
		}
		var out []string
		for _, r := range rows {
			out = append(out, strings.Join(r, " | "))
		}
		return out
	}
	check := func(sql string, want ...string) {
		t.Helper()
		if got := one(sql); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", sql, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("SHOW TABLES", "ticks")
	check("SHOW TABLES IN ticklake 'tick*'", "ticks")
	check("SHOW TABLES LIKE 'nothing*'")
	check("SHOW DATABASES", "default", "ticklake")
	check("SHOW FUNCTIONS LIKE 'approx*'", "approx_distinct | aggregate", "approx_most_frequent | aggregate", "approx_percentile | aggregate")
	check("SHOW SCHEMAS LIKE 'tick*'", "ticklake")
	check("SHOW PARTITIONS ticks", "dt=2026-11-25/hour=14", "dt=2026-11-25/hour=15")
	columns := []string{"symbol", "ts", "price", "size", "bid", "ask", "kafka_partition", "kafka_offset", "kafka_timestamp"}
	for _, f := range schema.MustDefault() { // the declared fields, as the table is made from them
		columns = append(columns, f.Name)
	}
	check("SHOW COLUMNS FROM ticks", append(columns, "extra", "dt", "hour")...)
	desc := one("DESCRIBE ticks")
	if len(desc) < 12 || desc[0] != "symbol | string | " || desc[1] != "ts | timestamp | " {
		t.Errorf("DESCRIBE ticks: %q", desc)
	}
	ddl := strings.Join(one("SHOW CREATE TABLE ticks"), "\n")
	for _, part := range []string{"CREATE EXTERNAL TABLE `ticks`(", "`price` double,", "PARTITIONED BY (", "`hour` string)",
		"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", "LOCATION\n  's3://" + DataBucket + "/ticks/'"} {
		if !strings.Contains(ddl, part) {
			t.Errorf("SHOW CREATE TABLE lacks %q:\n%s", part, ddl)
		}
	}

	// MSCK REPAIR TABLE catalogs a partition folder the crawler has not seen.
	ctx := context.Background()
	var src string
	for p := range sizes {
		if strings.Contains(p, "hour=14/ticks-0-") {
			src = p
		}
	}
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint), UsePathStyle: true, Credentials: creds})
	if _, err := s3c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(DataBucket), Key: aws.String("ticks/dt=2026-11-26/hour=09/copy.parquet"),
		CopySource: aws.String(strings.TrimPrefix(src, "s3://"))}); err != nil {
		t.Fatal(err)
	}
	check("MSCK REPAIR TABLE ticks", "Partitions not in metastore:\tticks:dt=2026-11-26/hour=09",
		"Repair: Added partition to metastore ticks:dt=2026-11-26/hour=09")
	check("MSCK REPAIR TABLE ticks")
	check("SHOW PARTITIONS ticks", "dt=2026-11-25/hour=14", "dt=2026-11-25/hour=15", "dt=2026-11-26/hour=09")
	check("SELECT count(*) > 0 FROM ticks WHERE dt = '2026-11-26'", "true")

	// Views live in the catalog, as Athena keeps them.
	check("CREATE VIEW spy AS SELECT symbol, price, date_format(ts, '%H') AS h FROM ticks WHERE symbol = 'SPY' AND dt = '2026-11-25'")
	check("SELECT count(*), min(h) FROM spy WHERE price > 0", "16 | 14")
	g := glue.New(glue.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint), Credentials: creds})
	tbl, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(Database), Name: aws.String("spy")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tbl.Table.TableType) != "VIRTUAL_VIEW" || !strings.HasPrefix(aws.ToString(tbl.Table.ViewOriginalText), "/* Presto View: ") ||
		aws.ToString(tbl.Table.ViewExpandedText) != "/* Presto View */" || len(tbl.Table.StorageDescriptor.Columns) != 3 {
		t.Errorf("view in the catalog: %+v", tbl.Table)
	}
	check("SHOW TABLES", "spy", "ticks")
	_, _, reason := athenaRun(t, cl, "CREATE VIEW bad AS\nSELECT nosuch(1)")
	if reason != "FUNCTION_NOT_FOUND: line 2:8: Function 'nosuch' not registered" {
		t.Errorf("CREATE VIEW of a bad query: %q", reason)
	}
	_, _, reason = athenaRun(t, cl, "CREATE VIEW bad AS SELECT x FROM ticks")
	if !strings.HasPrefix(reason, "COLUMN_NOT_FOUND: line 1:27: Column 'x'") {
		t.Errorf("CREATE VIEW of a bad column: %q", reason)
	}
	_, _, reason = athenaRun(t, cl, "CREATE VIEW spy AS SELECT 1 AS a")
	if !strings.HasPrefix(reason, "ALREADY_EXISTS") {
		t.Errorf("second CREATE VIEW: %q", reason)
	}
	check("CREATE OR REPLACE VIEW spy AS SELECT 1 AS a")
	check("SELECT a FROM spy", "1")
	check("DROP VIEW spy")
	_, _, reason = athenaRun(t, cl, "SELECT * FROM spy")
	if !strings.HasPrefix(reason, "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.ticklake.spy' does not exist") {
		t.Errorf("dropped view: %q", reason)
	}
	check("DROP VIEW IF EXISTS spy")
	_, _, reason = athenaRun(t, cl, "DESCRIBE EXTENDED nope")
	if !strings.HasPrefix(reason, "TABLE_NOT_FOUND: line 1:19: ") { // at the name, not at the keyword
		t.Errorf("DESCRIBE EXTENDED of a missing table: %q", reason)
	}
	_, _, reason = athenaRun(t, cl, "DROP VIEW ticks")
	if !strings.HasPrefix(reason, "NOT_SUPPORTED") {
		t.Errorf("DROP VIEW of a table: %q", reason)
	}

	// The analytics SQL still runs, unchanged.
	for _, sql := range []string{"SELECT symbol, count(*) FROM ticks WHERE dt = '2026-11-25' GROUP BY symbol"} {
		one(sql)
	}
}

// testTrinoGrammar parses every corpus query with the Trino grammar the analytics SQL passes.
func testTrinoGrammar(t *testing.T, corpus []corpusEntry) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "dt-sql-parser")); err != nil {
		t.Fatal("node_modules is missing: run npm ci at the repository root")
	}
	dir := t.TempDir()
	args := []string{"--import", "./infra/sqlcheck/register.mjs", "infra/sqlcheck/check.mjs"}
	names := map[string]string{}
	for n, q := range corpus {
		f := filepath.Join(dir, fmt.Sprintf("q%03d.sql", n))
		if err := os.WriteFile(f, []byte(q.sql+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, f)
		names[f] = q.name
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var report map[string][]map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("parser report: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	for f, errs := range report {
		if len(errs) > 0 {
			t.Errorf("%s does not parse as Trino: %v", names[f], errs)
		}
	}
	if runErr != nil && !t.Failed() {
		t.Errorf("node: %v: %s", runErr, stderr.String())
	}
}

// TestAllowListDocumented keeps README's list of the local Athena's functions in step with the code.
func TestAllowListDocumented(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "### The local Athena's dialect")
	if start < 0 {
		t.Fatal("README has no section \"The local Athena's dialect\"")
	}
	section := readme[start:]
	if end := strings.Index(section[4:], "\n## "); end >= 0 {
		section = section[:end+4]
	}
	for _, fn := range localathena.AllowList() {
		if !strings.Contains(section, "`"+fn+"`") {
			t.Errorf("README's dialect section does not list %s", fn)
		}
	}
}
